// Turning schema failures into messages a user can act on: each names the field path the way it is
// written in YAML (`spec.sources[1].repoURL: required`), never zod's internal wording or codes.
import type { z } from 'zod';
import { UserError, errorCodes } from '../errors.js';

/** The outcome of validating user input: the typed value, or every problem found. */
export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

type Issue = z.ZodError['issues'][number];

/** `namespace/name` of an object for messages, or `(unnamed)`. */
export function describeObject(obj: unknown): string {
  const meta = isRecord(obj) && isRecord(obj['metadata']) ? obj['metadata'] : {};
  const name = typeof meta['name'] === 'string' ? meta['name'] : '(unnamed)';
  return typeof meta['namespace'] === 'string' ? `${meta['namespace']}/${name}` : name;
}

/** The value of a validation of a `kind` object, else a UserError (INVALID_SPEC) naming it and listing every problem. */
export function validOrThrow<T>(kind: string, obj: unknown, result: Validation<T>): T {
  if (result.ok) return result.value;
  throw new UserError(errorCodes.INVALID_SPEC, `invalid ${kind} ${describeObject(obj)}: ${result.errors.join('; ')}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `["spec", "sources", 1, "repoURL"]` → `spec.sources[1].repoURL`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      // Keys that are not plain identifiers (annotation names, `$values`) are quoted like jq does.
      const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
      out += plain ? `${out === '' ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}

/** The JSON type of a value as users think of it: `null`, `array`, `object`, `string`, … */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && typeof segment === 'string') node = node[segment];
    else return undefined;
  }
  return node;
}

function issueMessage(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const value = valueAt(input, issue.path);
      if (value === undefined) return 'required';
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      if (expected === 'integer' && typeof value === 'number') return `expected an integer, got ${value}`;
      return `expected ${expected}, got ${describeType(value)}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'number' ? `must be at least ${String(issue.minimum)}` : issue.message;
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'too_big':
    case 'invalid_format':
    case 'not_multiple_of':
    case 'unrecognized_keys':
    case 'invalid_key':
    case 'invalid_element':
    case 'custom':
      return issue.message;
  }
}

/**
 * `prefix` and a path joined the way YAML users read them: `resource.exclusions` + `[0].kinds` →
 * `resource.exclusions[0].kinds`; prefix `config` + `tlsClientConfig.insecure` → `config.tlsClientConfig.insecure`.
 */
export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const rest = path.length === 0 ? '' : formatPath(path);
  if (prefix === '') return rest === '' ? '(root)' : rest;
  if (rest === '') return prefix;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}

/** `<path>: <message>` for every issue, in document order, without duplicates. */
export function issuesToErrors(issues: readonly Issue[], input: unknown, prefix = ''): string[] {
  const out = issues.map((issue) => `${joinPath(prefix, issue.path)}: ${issueMessage(issue, input)}`);
  return [...new Set(out)];
}

/** Run a schema and report field-named errors instead of throwing. */
export function validateWith<T>(schema: z.ZodType<T>, input: unknown, extraChecks?: (input: Record<string, unknown>) => string[]): Validation<T> {
  const parsed = schema.safeParse(input);
  const errors = parsed.success ? [] : issuesToErrors(parsed.error.issues, input);
  // Cross-field rules run on the raw input so they are reported alongside type errors, not after; input
  // that is not even an object has only the schema's error.
  if (extraChecks && isRecord(input)) errors.push(...extraChecks(input).filter((e) => !errors.includes(e)));
  if (parsed.success && errors.length === 0) return { ok: true, value: parsed.data };
  return { ok: false, errors };
}
