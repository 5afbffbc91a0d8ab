// The two patch formats `PATCH /api/v1/applications/{name}` accepts, as Argo CD does: JSON Patch
// (RFC 6902, `patchType: json`, the default) and JSON Merge Patch (RFC 7386, `patchType: merge`).
// Pure functions over JSON values; the input is never modified.
import { invalidArgument } from './http-errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** JSON Pointer (RFC 6901) → its reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} has an invalid escape`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

// `__proto__` and friends would reach Object.prototype through plain property access.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function checkKey(key: string, pointer: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} uses the reserved key ${JSON.stringify(key)}`);
}

function arrayIndex(token: string, length: number, pointer: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)}: ${JSON.stringify(token)} is not an array index`);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)}: index ${index} is out of range`);
  return index;
}

function get(doc: Json, tokens: readonly string[], pointer: string): Json {
  let node: Json = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      const next: Json | undefined = node[arrayIndex(token, node.length, pointer, false)];
      if (next === undefined) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} does not exist`);
      node = next;
    } else if (isObject(node) && Object.hasOwn(node, token)) {
      const next = node[token];
      if (next === undefined) throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} does not exist`);
      node = next;
    } else {
      throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} does not exist`);
    }
  }
  return node;
}

/** The container of the pointer's last token, and that token. */
function parentOf(doc: Json, pointer: string): { parent: Json; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw invalidArgument('the whole document cannot be the target here');
  return { parent: get(doc, tokens, pointer), key };
}

function add(doc: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, pointer, true), 0, value);
  else if (isObject(parent)) {
    checkKey(key, pointer);
    parent[key] = value;
  } else throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)}: the parent is not an object or array`);
  return doc;
}

function remove(doc: Json, pointer: string): { doc: Json; removed: Json } {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(key, parent.length, pointer, false), 1);
    return { doc, removed: removed ?? null };
  }
  if (isObject(parent) && Object.hasOwn(parent, key)) {
    const removed = parent[key] ?? null;
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the key is a checked JSON Pointer token
    delete parent[key];
    return { doc, removed };
  }
  throw invalidArgument(`JSON pointer ${JSON.stringify(pointer)} does not exist`);
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i] ?? null));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] ?? null, b[k] ?? null));
  }
  return false;
}

function stringField(op: Record<string, Json>, field: string, index: number): string {
  const value = op[field];
  if (typeof value !== 'string') throw invalidArgument(`patch operation ${index}: "${field}" must be a string`);
  return value;
}

/** Apply an RFC 6902 JSON Patch; any failing operation (including `test`) fails the whole patch. */
export function applyJsonPatch(document: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw invalidArgument('a JSON patch must be an array of operations');
  let doc = clone(document);
  patch.forEach((raw, index) => {
    if (!isObject(raw)) throw invalidArgument(`patch operation ${index} is not an object`);
    const op = stringField(raw, 'op', index);
    const path = stringField(raw, 'path', index);
    const valueOf = (): Json => {
      if (!Object.hasOwn(raw, 'value')) throw invalidArgument(`patch operation ${index} (${op}) needs a "value"`);
      return clone(raw['value'] ?? null);
    };
    switch (op) {
      case 'add':
        doc = add(doc, path, valueOf());
        break;
      case 'remove':
        doc = remove(doc, path).doc;
        break;
      case 'replace':
        get(doc, parsePointer(path), path);
        doc = path === '' ? valueOf() : add(remove(doc, path).doc, path, valueOf());
        break;
      case 'move': {
        const from = stringField(raw, 'from', index);
        if (path.startsWith(`${from}/`)) throw invalidArgument(`patch operation ${index}: cannot move ${from} into its own child`);
        const taken = remove(doc, from);
        doc = add(taken.doc, path, taken.removed);
        break;
      }
      case 'copy': {
        const from = stringField(raw, 'from', index);
        doc = add(doc, path, clone(get(doc, parsePointer(from), from)));
        break;
      }
      case 'test':
        if (!deepEqual(get(doc, parsePointer(path), path), valueOf())) throw invalidArgument(`patch operation ${index}: test failed at ${path}`);
        break;
      default:
        throw invalidArgument(`patch operation ${index}: unknown op ${JSON.stringify(op)}`);
    }
  });
  return doc;
}

/** Apply an RFC 7386 JSON Merge Patch: objects merge, `null` deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (FORBIDDEN_KEYS.has(key)) throw invalidArgument(`merge patch uses the reserved key ${JSON.stringify(key)}`);
    if (value === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- RFC 7386: null removes the member
      delete out[key];
    } else out[key] = applyMergePatch(out[key] ?? null, value);
  }
  return out;
}

/** Parse the patch text of an ApplicationPatchRequest and apply it. */
export function applyPatch(document: Json, patchText: string, patchType: 'json' | 'merge'): Json {
  let patch: Json;
  try {
    patch = JSON.parse(patchText) as Json;
  } catch (err) {
    throw invalidArgument(`the patch is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return patchType === 'merge' ? applyMergePatch(document, patch) : applyJsonPatch(document, patch);
}
