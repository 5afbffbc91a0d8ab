// Kubernetes label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) matched in memory: the stream
// serves every subscriber from one shared watch, so it cannot hand the selector to the API server.
import { invalidArgument } from '../http-errors.js';

type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: ReadonlySet<string> }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

export type LabelSelector = readonly Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key) || key.length > 317) throw invalidArgument(`invalid label selector "${selector}": bad key "${key}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value) || value.length > 63) throw invalidArgument(`invalid label selector "${selector}": bad value "${value}"`);
  return value;
}

/** Splits on commas outside parentheses (`in (a,b)` keeps its list). */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim());
}

/** Parses a selector; throws 400 (InvalidArgument) naming what is wrong. Empty selects everything. */
export function parseLabelSelector(selector: string): LabelSelector {
  if (selector.trim() === '') return [];
  const out: Requirement[] = [];
  for (const term of splitTerms(selector)) {
    const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
    if (set) {
      const values = new Set((set[3] ?? '').split(',').map((v) => checkValue(v.trim(), selector)));
      out.push({ op: set[2] === 'in' ? 'in' : 'notin', key: checkKey(set[1] ?? '', selector), values });
      continue;
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (cmp) {
      out.push({ op: cmp[2] === '!=' ? 'ne' : 'eq', key: checkKey(cmp[1] ?? '', selector), value: checkValue(cmp[3] ?? '', selector) });
      continue;
    }
    const absent = /^!\s*(\S+)$/.exec(term);
    if (absent) {
      out.push({ op: 'absent', key: checkKey(absent[1] ?? '', selector) });
      continue;
    }
    out.push({ op: 'exists', key: checkKey(term, selector) });
  }
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.op) {
      case 'eq':
        return has && value === r.value;
      case 'ne':
        return !has || value !== r.value;
      case 'in':
        return has && value !== undefined && r.values.has(value);
      case 'notin':
        return !has || value === undefined || !r.values.has(value);
      case 'exists':
        return has;
      case 'absent':
        return !has;
    }
  });
}
