// YAML read the way Kubernetes' Go tooling reads it (sigs.k8s.io/yaml on go-yaml v2), so a file kubectl
// accepts is accepted here and yields the object the API server would store:
// - YAML 1.1 scalars: `yes`/`no`/`on`/`off` are booleans, `0777` is octal (go-yaml v2 does this; a `yes`
//   in a manifest reaches the cluster as `true`);
// - but no timestamps or base-60 numbers (go-yaml keeps `2024-01-01` and `12:30` as strings);
// - repeated keys: the last one wins, silently (go-yaml v2's Unmarshal);
// - multi-line quoted scalars fold, empty documents (a trailing `---`) are skipped by callers;
// - tabs cannot indent (an error in go-yaml too).
// Separate from src/render/manifests.ts on purpose: rendering rejects repeated keys, this must not.
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import type { Document, Tags } from 'yaml';

function goCompatibleTags(tags: Tags): Tags {
  return tags.filter((tag) => typeof tag !== 'object' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME'));
}

const OPTIONS = { version: '1.1', uniqueKeys: false, customTags: goCompatibleTags } as const;

/** What JSON can hold: `!!binary` becomes base64 (Go's []byte), sets and ordered maps become maps. */
function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlain(v);
    return out;
  }
  if (value instanceof Set) {
    const out: Record<string, unknown> = {};
    for (const k of value) out[String(k)] = null;
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
  return out;
}

/** First line of a yaml library message, without its position (callers print the line themselves). */
function shortMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

export interface YamlProblem {
  readonly error: string;
  readonly line: number;
}

export interface YamlDocument {
  readonly value: unknown;
  /** 1-based position in the stream, empty documents counted. */
  readonly document: number;
  /** Line where the document's content starts. */
  readonly line: number;
  /** Line of the node at `path` (e.g. `['items', 2]`), or the document's line if there is no such node. */
  lineOf(path: readonly (string | number)[]): number;
}

export interface YamlStream {
  readonly documents: readonly YamlDocument[];
  /** The first error; `documents` then holds only the documents before it. */
  readonly problem?: YamlProblem & { readonly document: number };
}

function convert(doc: Document, line: number): { value: unknown } | YamlProblem {
  try {
    return { value: toPlain(doc.toJS({ maxAliasCount: 100 })) };
  } catch (err) {
    // Alias bombs and unresolvable aliases surface here.
    return { error: shortMessage(err instanceof Error ? err.message : String(err)), line };
  }
}

/** One YAML document (an `argocd-cm` value). */
export function parseYamlValue(text: string): { value: unknown } | YamlProblem {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...OPTIONS, lineCounter: lines });
  const problem = doc.errors[0];
  if (problem !== undefined) return { error: shortMessage(problem.message), line: problem.linePos?.[0].line ?? 1 };
  return convert(doc, 1);
}

/** A stream of documents, stopping at the first one that does not parse. */
export function parseYamlStream(text: string): YamlStream {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { ...OPTIONS, lineCounter: lines });
  const documents: YamlDocument[] = [];
  let n = 0;
  for (const doc of docs) {
    n++;
    const line = lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    const problem = doc.errors[0];
    if (problem !== undefined) {
      return { documents, problem: { error: shortMessage(problem.message), line: problem.linePos?.[0].line ?? line, document: n } };
    }
    const converted = convert(doc, line);
    if ('error' in converted) return { documents, problem: { ...converted, document: n } };
    documents.push({
      value: converted.value,
      document: n,
      line,
      lineOf(path) {
        const node: unknown = doc.getIn(path, true);
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        return range === undefined ? line : lines.linePos(range[0]).line;
      },
    });
  }
  return { documents };
}
