// Turning YAML/JSON text into Kubernetes objects the way Kubernetes' own Go YAML reading does: YAML 1.1
// scalars (`on`, `yes`, `y` are booleans, `0777` is octal) but no sexagesimal numbers and timestamps kept as
// strings; duplicate keys are errors; every document must be an object with apiVersion and kind.
import { LineCounter, parseAllDocuments, type Tags } from 'yaml';
import { UserError, errorCodes } from '../errors.js';
import { checkObjectMeta } from '../model/object-meta.js';
import { describeOrigin, type KubeObject, type Origin, type RenderedObject } from './types.js';

// go-yaml resolves neither base-60 numbers (`12:30` stays a string) nor timestamps into other types.
function goCompatibleTags(tags: Tags): Tags {
  return tags.filter((tag) => {
    if (typeof tag !== 'object') return true;
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
  });
}

export interface YamlDocument {
  value: unknown;
  /** 1-based position in the stream, empty documents counted. */
  document: number;
  /** Line where the document's content starts. */
  line: number;
  /** The comment just before the content (Helm puts `# Source: <template>` there). */
  comment?: string;
}

export interface YamlStream {
  documents: YamlDocument[];
  /** The first syntax error, if any; `documents` then holds only the documents before it. */
  error?: { line: number; message: string; document: number };
}

export function invalidManifest(message: string): UserError {
  return new UserError(errorCodes.RENDER_INVALID_MANIFEST, message);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** Makes a parsed value plain JSON, as Kubernetes would see it; throws on what JSON cannot hold. */
function toJson(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidManifest(`${where}: ${value} cannot be represented in JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => toJson(item, where));
  // `!!binary` is []byte in Go, which encodes to JSON as base64.
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJson(v, where);
    return out;
  }
  if (value instanceof Set) {
    const out: Record<string, unknown> = {};
    for (const k of value) out[String(k)] = null;
    return out;
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v, where);
    return out;
  }
  throw invalidManifest(`${where}: ${typeName(value)} cannot be represented in JSON`);
}

/** The first line of a yaml library message, without its position suffix (the caller prints the line). */
function shortMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Parses a YAML stream, stopping at the first document with a syntax error. */
export function readYamlStream(text: string, where: string): YamlStream {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', customTags: goCompatibleTags, uniqueKeys: true, lineCounter: lines });
  const documents: YamlDocument[] = [];
  let n = 0;
  for (const doc of docs) {
    n++;
    const start = doc.contents?.range[0] ?? doc.range[0];
    const line = lines.linePos(start).line;
    const problem = doc.errors[0];
    if (problem) {
      return { documents, error: { line: problem.linePos?.[0].line ?? line, message: shortMessage(problem.message), document: n } };
    }
    let value: unknown;
    try {
      value = toJson(doc.toJS({ maxAliasCount: 100 }), `${where}:${line}`);
    } catch (err) {
      if (err instanceof UserError) throw err;
      // Alias explosions ("billion laughs") and similar surface here.
      return { documents, error: { line, message: shortMessage((err as Error).message), document: n } };
    }
    const comment = doc.contents?.commentBefore ?? doc.commentBefore ?? undefined;
    documents.push({ value, document: n, line, ...(comment ? { comment } : {}) });
  }
  return { documents };
}

/**
 * Throws unless `value` is an object with a non-empty apiVersion and kind and metadata the API server
 * would decode. Returns it with null-valued metadata fields dropped (`labels:` with nothing after it is
 * absent to the API server, and to every reader after the render).
 */
export function checkObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw invalidManifest(`${where}: not a Kubernetes object (found ${typeName(value)})`);
  for (const field of ['apiVersion', 'kind'] as const) {
    const v = value[field];
    if (typeof v !== 'string' || v === '') {
      throw invalidManifest(`${where}: ${v === undefined ? 'missing' : 'invalid'} ${field}`);
    }
  }
  if (!('metadata' in value)) return value as KubeObject;
  const { metadata, problems } = checkObjectMeta(value['metadata']);
  if (problems.length > 0) throw invalidManifest(`${where}: ${problems.join('; ')}`);
  // Rebuilt in the same key order, so `kawa render` prints metadata where the manifest had it.
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'metadata') out[key] = v;
    else if (metadata !== undefined) out[key] = metadata;
  }
  return out as KubeObject;
}

/**
 * Objects from a tool's YAML output (helm template, kustomize build): every non-empty document must be
 * a Kubernetes object. `origin` names the output; a Helm document's `# Source:` comment names it better.
 */
export function objectsFromToolOutput(text: string, origin: string): RenderedObject[] {
  const stream = readYamlStream(text, origin);
  if (stream.error) {
    throw invalidManifest(`${origin}: document ${stream.error.document} (output line ${stream.error.line}): ${stream.error.message}`);
  }
  const out: RenderedObject[] = [];
  // Helm templates may emit several documents each: number them per template.
  const perSource = new Map<string, number>();
  for (const doc of stream.documents) {
    if (doc.value === null) continue;
    const source = /^\s*Source:\s*(\S.*?)\s*$/m.exec(doc.comment ?? '')?.[1];
    let where: Origin = { file: origin, document: doc.document, line: doc.line };
    if (source !== undefined) {
      const n = (perSource.get(source) ?? 0) + 1;
      perSource.set(source, n);
      where = { file: source, document: n };
    }
    out.push({ object: checkObject(doc.value, describeOrigin(where)), origin: where });
  }
  return out;
}

/**
 * Where the first JSON syntax error is (an offset into `text`), or -1. JSON.parse's messages carry a
 * position only for some errors, and a message that names the line needs one.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new RangeError(String(i));
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (c: string): void => {
    if (text.charAt(i) !== c) fail();
    i++;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charAt(i);
      if (c === '"') break;
      if (c < ' ') fail();
      if (c === '\\') {
        const e = text.charAt(i + 1);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail();
          i += 6;
        } else {
          if (!'"\\/bfnrt'.includes(e) || e === '') fail();
          i += 2;
        }
      } else {
        i++;
      }
    }
    i++;
  };
  const value = (): void => {
    space();
    const c = text.charAt(i);
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text.charAt(i) === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text.charAt(i) !== ',') break;
        i++;
      }
      expect(close);
    } else if (c === '"') {
      string();
    } else {
      const literal = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      literal.lastIndex = i;
      if (!literal.test(text)) fail();
      i = literal.lastIndex;
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return -1;
  } catch (err) {
    if (err instanceof RangeError) return Number(err.message);
    throw err;
  }
}

/** Parses a `.json` manifest: exactly one JSON value; a syntax error is reported with its line. */
export function parseJsonManifest(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const offset = Math.max(0, jsonErrorOffset(text));
    const line = text.slice(0, offset).split('\n').length;
    throw invalidManifest(`${file}:${line}: invalid JSON: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
}

function isListKind(kind: string): boolean {
  return kind === 'List' || kind.endsWith('List');
}

/**
 * Replaces `List` objects (`kind: List`, `ConfigMapList`, …) by their items, checking each; a list with
 * `items: null` renders nothing. Argo CD does this for every source type.
 */
export function expandLists(objects: readonly RenderedObject[]): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const rendered of objects) {
    const { object, origin } = rendered;
    const items = object['items'];
    if (isListKind(object.kind) && Array.isArray(items)) {
      items.forEach((item, k) => {
        const where: Origin = { ...origin, item: k + 1 };
        out.push({ object: checkObject(item, describeOrigin(where)), origin: where });
      });
    } else if (isListKind(object.kind) && items === null && !('spec' in object) && !('status' in object)) {
      continue;
    } else {
      out.push(rendered);
    }
  }
  return out;
}
