// Line diff (Myers' O(ND) algorithm) shaped for a side-by-side view, plus the manifest clean-up done
// before diffing: managedFields dropped, Secret values redacted (equal values get the same mask,
// different values different masks, so a changed secret still shows as a change without its value).
import { stringify } from 'yaml';

export type DiffOp = { readonly op: 'same' | 'del' | 'add'; readonly text: string };

export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))) x = v[offset + k + 1] ?? 0;
      else x = (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v.slice());
  // Backtrack from (n, m).
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d] ?? new Int32Array(0);
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = vd[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: 'same', text: a[x - 1] ?? '' });
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === prevX) ops.push({ op: 'add', text: b[y - 1] ?? '' });
    else ops.push({ op: 'del', text: a[x - 1] ?? '' });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push({ op: 'same', text: a[x - 1] ?? '' });
    x--;
    y--;
  }
  return ops.reverse();
}

export interface DiffRow {
  readonly kind: 'same' | 'changed' | 'removed' | 'added';
  readonly left?: { readonly line: number; readonly text: string } | undefined;
  readonly right?: { readonly line: number; readonly text: string } | undefined;
}

/** Side-by-side rows: runs of deletions and additions are paired line by line. */
export function sideBySide(left: string, right: string): DiffRow[] {
  const a = left === '' ? [] : left.replace(/\n$/, '').split('\n');
  const b = right === '' ? [] : right.replace(/\n$/, '').split('\n');
  const ops = diffLines(a, b);
  const rows: DiffRow[] = [];
  let l = 0;
  let r = 0;
  let i = 0;
  while (i < ops.length) {
    const op = ops[i];
    if (op === undefined) break;
    if (op.op === 'same') {
      rows.push({ kind: 'same', left: { line: ++l, text: op.text }, right: { line: ++r, text: op.text } });
      i++;
      continue;
    }
    const dels: string[] = [];
    const adds: string[] = [];
    while (i < ops.length && ops[i]?.op !== 'same') {
      const o = ops[i];
      if (o?.op === 'del') dels.push(o.text);
      else if (o?.op === 'add') adds.push(o.text);
      i++;
    }
    for (let j = 0; j < Math.max(dels.length, adds.length); j++) {
      const d = dels[j];
      const ad = adds[j];
      rows.push({
        kind: d !== undefined && ad !== undefined ? 'changed' : d !== undefined ? 'removed' : 'added',
        left: d === undefined ? undefined : { line: ++l, text: d },
        right: ad === undefined ? undefined : { line: ++r, text: ad },
      });
    }
  }
  return rows;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseManifest(json: string | undefined): Obj | undefined {
  if (json === undefined || json === '' || json === 'null') return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return isObj(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function withoutManagedFields(obj: Obj | undefined): Obj | undefined {
  if (obj === undefined) return undefined;
  const meta = obj['metadata'];
  if (!isObj(meta) || !('managedFields' in meta)) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

const MASK = '++++++++';
const OTHER_MASK = '+++++++++';

function redactPair(desired: Obj | undefined, live: Obj | undefined): [Obj | undefined, Obj | undefined] {
  const kind = desired?.['kind'] ?? live?.['kind'];
  if (kind !== 'Secret') return [desired, live];
  const masked = (own: Obj | undefined, other: Obj | undefined, mine: boolean): Obj | undefined => {
    if (own === undefined) return undefined;
    const copy: Obj = { ...own };
    for (const field of ['data', 'stringData']) {
      const values = own[field];
      if (!isObj(values)) continue;
      const theirs = other?.[field];
      const out: Obj = {};
      for (const [k, val] of Object.entries(values)) {
        const same = isObj(theirs) && theirs[k] === val;
        out[k] = same || mine ? MASK : OTHER_MASK;
      }
      copy[field] = out;
    }
    const meta = copy['metadata'];
    if (isObj(meta) && isObj(meta['annotations']) && 'kubectl.kubernetes.io/last-applied-configuration' in meta['annotations']) {
      copy['metadata'] = { ...meta, annotations: { ...meta['annotations'], 'kubectl.kubernetes.io/last-applied-configuration': MASK } };
    }
    return copy;
  };
  return [masked(desired, live, true), masked(live, desired, false)];
}

/**
 * `live` with its keys in the order `desired` has them (keys desired lacks after, in their own order), all
 * the way down; list items pair by position. The API server returns fields in its own order, the manifest
 * in git in the author's: without this the same field in another place shows as removed and added.
 */
function alignKeys(live: unknown, desired: unknown): unknown {
  if (Array.isArray(live)) return live.map((item: unknown, i) => alignKeys(item, Array.isArray(desired) ? (desired[i] as unknown) : undefined));
  if (!isObj(live)) return live;
  const order = isObj(desired) ? Object.keys(desired).filter((k) => k in live) : [];
  const out: Obj = {};
  for (const k of [...order, ...Object.keys(live).filter((k) => !order.includes(k))]) out[k] = alignKeys(live[k], isObj(desired) ? desired[k] : undefined);
  return out;
}

/** YAML of the desired and live manifests, cleaned and redacted, ready for sideBySide. */
export function manifestsForDiff(targetState: string | undefined, liveState: string | undefined): { desired: string; live: string } {
  const [desired, redactedLive] = redactPair(withoutManagedFields(parseManifest(targetState)), withoutManagedFields(parseManifest(liveState)));
  const live = redactedLive === undefined ? undefined : (alignKeys(redactedLive, desired) as Obj);
  return { desired: desired === undefined ? '' : stringify(desired), live: live === undefined ? '' : stringify(live) };
}

export function toYaml(value: unknown): string {
  return stringify(value);
}
