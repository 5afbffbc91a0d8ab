// `app diff`: unified diffs of YAML, live state against the target state (from the server's
// managed-resources, or rendered from a local directory).
import { stringify } from 'yaml';
import type { Painter } from './io.js';

type Op = { type: ' ' | '-' | '+'; line: string; a: number; b: number };

/** The edit script between two line lists (LCS; manifests are small enough for O(n·m)). */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // Common prefix and suffix are cheap and usually most of a manifest.
  let start = 0;
  while (start < n && start < m && a[start] === b[start]) start++;
  let endA = n;
  let endB = m;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const rows = endA - start;
  const cols = endB - start;
  const lcs: Uint32Array[] = Array.from({ length: rows + 1 }, () => new Uint32Array(cols + 1));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      const row = lcs[i] as Uint32Array;
      const below = lcs[i + 1] as Uint32Array;
      row[j] = a[start + i] === b[start + j] ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < start; k++) ops.push({ type: ' ', line: a[k] ?? '', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && a[start + i] === b[start + j]) {
      ops.push({ type: ' ', line: a[start + i] ?? '', a: start + i, b: start + j });
      i++;
      j++;
    } else if (i < rows && (j >= cols || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      // Deletions before additions, as diff -u prints them.
      ops.push({ type: '-', line: a[start + i] ?? '', a: start + i, b: start + j });
      i++;
    } else {
      ops.push({ type: '+', line: b[start + j] ?? '', a: start + i, b: start + j });
      j++;
    }
  }
  for (let k = 0; k < n - endA; k++) ops.push({ type: ' ', line: a[endA + k] ?? '', a: endA + k, b: endB + k });
  return ops;
}

const plain: Painter = (_c, t) => t;

/** `diff -u` text of two texts, or '' when they are equal. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, paint: Painter = plain, context = 3): string {
  if (before === after) return '';
  const split = (t: string): string[] => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const ops = diffLines(split(before), split(after));
  const changed = ops.map((op, i) => (op.type === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const from = Math.max(0, i - context);
    const to = Math.min(ops.length - 1, i + context);
    const lastHunk = hunks[hunks.length - 1];
    if (lastHunk !== undefined && from <= lastHunk[1] + 1) lastHunk[1] = Math.max(lastHunk[1], to);
    else hunks.push([from, to]);
  }
  let out = `${paint('bold', `--- ${labels.before}`)}\n${paint('bold', `+++ ${labels.after}`)}\n`;
  for (const [from, to] of hunks) {
    const slice = ops.slice(from, to + 1);
    const aLines = slice.filter((o) => o.type !== '+').length;
    const bLines = slice.filter((o) => o.type !== '-').length;
    const first = slice[0] as Op;
    const aStart = aLines === 0 ? first.a : first.a + 1;
    const bStart = bLines === 0 ? first.b : first.b + 1;
    out += `${paint('cyan', `@@ -${aStart},${aLines} +${bStart},${bLines} @@`)}\n`;
    for (const op of slice) {
      const text = `${op.type}${op.line}`;
      out += `${op.type === '-' ? paint('red', text) : op.type === '+' ? paint('green', text) : text}\n`;
    }
  }
  return out;
}

export type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The live object seen through the target's shape: only the fields the target sets (recursively), so
 * fields the API server defaults or adds (status, uid, defaults) do not show as differences.
 */
export function projectLive(live: unknown, target: unknown): unknown {
  if (isRecord(target) && isRecord(live)) {
    const out: Json = {};
    for (const k of Object.keys(target)) if (k in live) out[k] = projectLive(live[k], target[k]);
    return out;
  }
  if (Array.isArray(target) && Array.isArray(live)) return live.map((item: unknown, i) => (i < target.length ? projectLive(item, target[i]) : item));
  return live;
}

const SERVER_META = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

/** Strips what never belongs in a comparison: status and server-managed metadata. */
export function cleanObject(obj: unknown): unknown {
  if (!isRecord(obj)) return obj;
  const copy: Json = { ...obj };
  delete copy['status'];
  if (isRecord(copy['metadata'])) {
    const meta: Json = Object.fromEntries(Object.entries(copy['metadata']).filter(([k]) => !SERVER_META.includes(k)));
    if (isRecord(meta['annotations'])) {
      const annotations: Json = { ...meta['annotations'] };
      delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
      meta['annotations'] = Object.keys(annotations).length === 0 ? undefined : annotations;
      if (meta['annotations'] === undefined) delete meta['annotations'];
    }
    copy['metadata'] = meta;
  }
  return copy;
}

export const yamlOf = (obj: unknown): string => (obj === null || obj === undefined ? '' : stringify(obj, { lineWidth: 0, sortMapEntries: true }));

/** Parses a JSON state string of managed-resources ('' or 'null' → null). */
export function parseState(text: string | undefined): Json | null {
  if (text === undefined || text === '' || text === 'null') return null;
  const parsed = JSON.parse(text) as unknown;
  return isRecord(parsed) ? parsed : null;
}

export interface DiffItem {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  live: Json | null;
  target: Json | null;
}

/** `===== group/Kind ns/name ======` and the diff, for each item that differs. */
export function renderDiffs(items: readonly DiffItem[], paint: Painter = plain): { text: string; different: number } {
  let text = '';
  let different = 0;
  for (const item of items) {
    const live = cleanObject(item.live);
    const target = cleanObject(item.target);
    const before = yamlOf(item.target === null || live === null ? live : projectLive(live, target));
    const after = yamlOf(target);
    const body = unifiedDiff(before, after, { before: 'live', after: 'target' }, paint);
    if (body === '') continue;
    different++;
    const kind = item.group === undefined || item.group === '' ? item.kind : `${item.group}/${item.kind}`;
    const where = item.namespace === undefined || item.namespace === '' ? item.name : `${item.namespace}/${item.name}`;
    text += `\n${paint('bold', `===== ${kind} ${where} ======`)}\n${body}`;
  }
  return { text, different };
}
