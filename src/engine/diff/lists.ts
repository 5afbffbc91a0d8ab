// How to match list elements: Kubernetes declares most lists of objects as associative (`listType=map`,
// merged by key) or sets; matching them by position would report a reorder, or an element a webhook
// injected, as drift. Built-in knowledge comes from a small table; for other lists (CRDs) the live object's
// own managedFields tell us, because the API server records `k:{...}` and `v:...` elements from the schema.

import type { FieldSet } from './managed-fields.js';

export type ListSpec =
  | { readonly type: 'map'; readonly keys: readonly string[] }
  | { readonly type: 'set' }
  | { readonly type: 'atomic' };

/** Lists learnt from managedFields, by the path of map keys leading to them (list positions left out). */
export type ListHints = ReadonlyMap<string, ListSpec>;

interface ListRule {
  /** Matched against the end of the path of map keys (list positions left out). */
  readonly suffix: readonly string[];
  /** When set, the suffix must be the whole path and the object of this kind. */
  readonly kind?: string;
  readonly spec: ListSpec;
}

const byName: ListSpec = { type: 'map', keys: ['name'] };
const set: ListSpec = { type: 'set' };
const containerPorts: ListSpec = { type: 'map', keys: ['containerPort', 'protocol'] };

const RULES: readonly ListRule[] = [
  { suffix: ['spec', 'ports'], kind: 'Service', spec: { type: 'map', keys: ['port', 'protocol'] } },
  { suffix: ['containers', 'ports'], spec: containerPorts },
  { suffix: ['initContainers', 'ports'], spec: containerPorts },
  { suffix: ['ephemeralContainers', 'ports'], spec: containerPorts },
  { suffix: ['containers'], spec: byName },
  { suffix: ['initContainers'], spec: byName },
  { suffix: ['ephemeralContainers'], spec: byName },
  { suffix: ['volumes'], spec: byName },
  { suffix: ['env'], spec: byName },
  { suffix: ['imagePullSecrets'], spec: byName },
  { suffix: ['resourceClaims'], spec: byName },
  { suffix: ['schedulingGates'], spec: byName },
  { suffix: ['webhooks'], spec: byName },
  { suffix: ['volumeMounts'], spec: { type: 'map', keys: ['mountPath'] } },
  { suffix: ['volumeDevices'], spec: { type: 'map', keys: ['devicePath'] } },
  { suffix: ['resizePolicy'], spec: { type: 'map', keys: ['resourceName'] } },
  { suffix: ['hostAliases'], spec: { type: 'map', keys: ['ip'] } },
  { suffix: ['readinessGates'], spec: { type: 'map', keys: ['conditionType'] } },
  { suffix: ['topologySpreadConstraints'], spec: { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] } },
  { suffix: ['metadata', 'ownerReferences'], spec: { type: 'map', keys: ['uid'] } },
  // Admission adds its own tolerations (DefaultTolerationSeconds) and order carries no meaning.
  { suffix: ['tolerations'], spec: set },
  { suffix: ['metadata', 'finalizers'], spec: set },
];

function ruleMatches(rule: ListRule, names: readonly string[], kind: string | undefined): boolean {
  if (rule.kind !== undefined && (rule.kind !== kind || names.length !== rule.suffix.length)) return false;
  if (names.length < rule.suffix.length) return false;
  const offset = names.length - rule.suffix.length;
  return rule.suffix.every((name, i) => names[offset + i] === name);
}

export function hintKey(names: readonly string[]): string {
  return names.join('\n'); // a newline never appears in a field name that leads to a list
}

/** How the list at `names` (map keys from the root) is matched. */
export function listSpecFor(names: readonly string[], kind: string | undefined, hints?: ListHints): ListSpec {
  const hinted = hints?.get(hintKey(names));
  if (hinted) return hinted;
  return RULES.find((rule) => ruleMatches(rule, names, kind))?.spec ?? { type: 'atomic' };
}

const hintCache = new WeakMap<FieldSet, ReadonlyMap<string, ListSpec>>();

/** Learns list kinds from a field set: a `k:` child marks an associative list, a `v:` child a set. */
export function listHintsOf(fields: FieldSet): ReadonlyMap<string, ListSpec> {
  let hints = hintCache.get(fields);
  if (!hints) {
    const into = new Map<string, ListSpec>();
    collect(fields, into, []);
    hints = into;
    hintCache.set(fields, hints);
  }
  return hints;
}

function collect(fields: FieldSet, into: Map<string, ListSpec>, names: string[]): void {
  for (const { element, set: child } of fields.children.values()) {
    switch (element.type) {
      case 'field':
        names.push(element.name);
        collect(child, into, names);
        names.pop();
        break;
      case 'key': {
        const key = hintKey(names);
        if (!into.has(key)) into.set(key, { type: 'map', keys: Object.keys(element.keys) });
        collect(child, into, names);
        break;
      }
      case 'value':
        if (!into.has(hintKey(names))) into.set(hintKey(names), set);
        break;
      case 'index':
        collect(child, into, names);
        break;
    }
  }
}

/** The hints of several field sets together (first one wins on a conflict). */
export function mergeListHints(all: readonly ReadonlyMap<string, ListSpec>[]): ListHints {
  if (all.length === 1 && all[0]) return all[0];
  const out = new Map<string, ListSpec>();
  for (const hints of all) for (const [key, spec] of hints) if (!out.has(key)) out.set(key, spec);
  return out;
}
