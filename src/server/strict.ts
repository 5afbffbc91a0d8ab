// Strict copies of the model's schemas, for what users send the API.
//
// The model's schemas are loose on purpose: reading an object and writing it back must never drop a field
// kawa does not know. A request body is different: a field the server does not know is almost always a
// typo (`syncPolicy.automatic`, `destination.namepace`) that would be silently ignored, and Argo CD's API
// refuses unknown fields too. So requests are checked against a deep copy of the model in which every
// loose object is strict, plus the few fields Argo CD has that the model does not list yet.
import { z } from 'zod';

type AnySchema = z.ZodType;

/** Extra known fields for particular model objects, keyed by the model's schema instance. */
export type Extras = ReadonlyMap<AnySchema, Readonly<Record<string, AnySchema>>>;

/**
 * A deep copy of `schema` where objects reject unknown keys. Objects, arrays, optionals, nullables,
 * unions and record values are walked; leaves (strings with refinements, enums, literals, unknowns) are
 * kept as they are, refinements included. `z.record(z.string(), z.unknown())` stays open: those are
 * free-form maps (Helm `valuesObject`).
 */
export function strictify<T extends AnySchema>(schema: T, extras: Extras = new Map()): z.ZodType<z.output<T>, z.input<T>> {
  const memo = new Map<AnySchema, AnySchema>();
  const walk = (node: AnySchema): AnySchema => {
    const known = memo.get(node);
    if (known !== undefined) return known;
    const out = convert(node);
    memo.set(node, out);
    return out;
  };
  const convert = (node: AnySchema): AnySchema => {
    if (node instanceof z.ZodObject) {
      const shape: Record<string, AnySchema> = {};
      // A ZodObject's shape is `any` when the object type is not known statically; pin it down.
      const object = node as z.ZodObject<Record<string, AnySchema>>;
      for (const [key, value] of Object.entries(object.shape)) shape[key] = walk(value);
      for (const [key, value] of Object.entries(extras.get(node) ?? {})) shape[key] ??= value;
      return z.strictObject(shape);
    }
    if (node instanceof z.ZodOptional) return walk(node.unwrap() as AnySchema).optional();
    if (node instanceof z.ZodNullable) return walk(node.unwrap() as AnySchema).nullable();
    if (node instanceof z.ZodArray) return z.array(walk(node.element as AnySchema));
    if (node instanceof z.ZodUnion) {
      const options = (node.options as readonly AnySchema[]).map(walk);
      const [first, second, ...rest] = options;
      return first !== undefined && second !== undefined ? z.union([first, second, ...rest]) : node;
    }
    if (node instanceof z.ZodRecord) return z.record(node.keyType as z.ZodString, walk(node.valueType as AnySchema));
    return node;
  };
  // The copy accepts a subset of what the original accepts, with the same output for it.
  return walk(schema) as z.ZodType<z.output<T>, z.input<T>>;
}
