// Rewrites an object so that values the API server spells differently from Git compare equal, and drops
// what the server owns (status, bookkeeping metadata). Applied to both desired and live before comparing.
// Empty-vs-absent is not rewritten here: compare treats an empty desired value and a missing live one alike.

import { canonicalQuantity } from './quantity.js';
import type { KubeObject } from './types.js';
import { cloneJson, isRecord, type JsonMap } from './values.js';

export interface NormalizeOptions {
  /** Ignore `rules` of ClusterRoles with an `aggregationRule` (the controller fills them). Default true. */
  ignoreAggregatedRoles?: boolean;
}

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

// Server-written metadata: never in Git, always different in live.
const SERVER_METADATA: ReadonlySet<string> = new Set(['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink']);

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``). */
export function apiGroup(apiVersion: string | undefined): string {
  if (apiVersion === undefined) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function isSecret(obj: KubeObject): boolean {
  return obj.kind === 'Secret' && obj.apiVersion === 'v1';
}

/** A pattern over the path of map keys (list positions left out); `*` is any key, an array any of its keys. */
type Pattern = readonly (string | readonly string[])[];

interface PathRule {
  readonly pattern: Pattern;
  /** When set, the pattern must match the whole path and the object be of this kind; else any suffix. */
  readonly kind?: string;
}

const LIMIT_RANGE_FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'];

// Where Kubernetes declares a resource.Quantity.
const QUANTITY_PATHS: readonly PathRule[] = [
  { pattern: ['resources', ['limits', 'requests'], '*'] }, // containers, pod-level, PVCs, claim templates
  { pattern: ['emptyDir', 'sizeLimit'] },
  { pattern: ['spec', 'overhead', '*'] },
  { pattern: ['spec', 'hard', '*'], kind: 'ResourceQuota' },
  { pattern: ['spec', 'limits', LIMIT_RANGE_FIELDS, '*'], kind: 'LimitRange' },
  { pattern: ['spec', 'metrics', '*', 'target', ['value', 'averageValue']], kind: 'HorizontalPodAutoscaler' },
];

// Where Kubernetes declares an IntOrString.
const INT_OR_STRING_PATHS: readonly PathRule[] = [
  { pattern: ['spec', 'ports', 'targetPort'], kind: 'Service' },
  { pattern: ['httpGet', 'port'] }, // probes and lifecycle handlers
  { pattern: ['tcpSocket', 'port'] },
  { pattern: ['rollingUpdate', ['maxSurge', 'maxUnavailable']] }, // Deployment, DaemonSet, StatefulSet
  { pattern: ['spec', ['minAvailable', 'maxUnavailable']], kind: 'PodDisruptionBudget' },
  { pattern: ['spec', ['ingress', 'egress'], 'ports', 'port'], kind: 'NetworkPolicy' },
  { pattern: ['backend', 'servicePort'] }, // Ingress before networking.k8s.io/v1
];

function matches(rules: readonly PathRule[], names: readonly string[], kind: string | undefined): boolean {
  return rules.some((rule) => {
    const { pattern } = rule;
    if (rule.kind !== undefined && (rule.kind !== kind || names.length !== pattern.length)) return false;
    if (names.length < pattern.length) return false;
    const offset = names.length - pattern.length;
    return pattern.every((p, i) => {
      const name = names[offset + i] ?? '';
      return p === '*' || (typeof p === 'string' ? p === name : p.includes(name));
    });
  });
}

const INTEGER = /^[+-]?\d+$/;

function normalizeLeaf(value: unknown, names: readonly string[], kind: string | undefined): unknown {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  if (matches(QUANTITY_PATHS, names, kind)) return canonicalQuantity(value) ?? value;
  // `"80"` and `80` are the same IntOrString; a non-numeric string (`25%`, `http`) stays as it is.
  if (typeof value === 'string' && INTEGER.test(value) && matches(INT_OR_STRING_PATHS, names, kind)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  return value;
}

/** A copy of `node` with quantity and IntOrString leaves rewritten. `names` is the path of map keys. */
function copyNormalized(node: unknown, names: string[], kind: string | undefined): unknown {
  if (Array.isArray(node)) return node.map((item: unknown) => copyNormalized(item, names, kind));
  if (!isRecord(node)) return normalizeLeaf(node, names, kind);
  const out: JsonMap = {};
  for (const key of Object.keys(node)) {
    names.push(key);
    out[key] = copyNormalized(node[key], names, kind);
    names.pop();
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The API server decodes and re-encodes `data`; Go's decoder skips line breaks, so wrapped base64 is fine. */
function canonicalBase64(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const compact = value.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return value;
  return Buffer.from(compact, 'base64').toString('base64');
}

function canonicalizeBase64Map(map: unknown): void {
  if (!isRecord(map)) return;
  for (const [key, value] of Object.entries(map)) map[key] = canonicalBase64(value);
}

/** `stringData` is write-only: the server merges it into `data` (winning on a shared key) and drops it. */
function foldStringData(secret: JsonMap): void {
  canonicalizeBase64Map(secret.data);
  const stringData = secret.stringData;
  delete secret.stringData;
  if (!isRecord(stringData)) return;
  const data: JsonMap = isRecord(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  secret.data = data;
}

/**
 * A normalized copy of `obj` (the input is not modified): server-owned fields dropped, Secret `stringData`
 * folded into `data`, aggregated ClusterRole rules dropped, quantities and IntOrString values in their
 * canonical spelling.
 */
export function normalizeObject(obj: KubeObject, options: NormalizeOptions = {}): KubeObject {
  // Copy while normalizing, leaving out what is dropped anyway (status, managedFields are the bulk of live).
  const out: KubeObject = {};
  for (const key of Object.keys(obj)) {
    if (key === 'status' || key === 'metadata') continue;
    out[key] = copyNormalized(obj[key], [key], obj.kind);
  }
  if (isRecord(obj.metadata)) {
    const metadata: JsonMap = {};
    for (const key of Object.keys(obj.metadata)) {
      if (!SERVER_METADATA.has(key)) metadata[key] = cloneJson(obj.metadata[key]);
    }
    if (isRecord(metadata.annotations)) Reflect.deleteProperty(metadata.annotations, LAST_APPLIED_ANNOTATION);
    out.metadata = metadata;
  }
  if (isSecret(out)) foldStringData(out);
  if (out.kind === 'ConfigMap' && out.apiVersion === 'v1') canonicalizeBase64Map(out.binaryData);
  if (
    (options.ignoreAggregatedRoles ?? true) &&
    out.kind === 'ClusterRole' &&
    apiGroup(out.apiVersion) === 'rbac.authorization.k8s.io' &&
    isRecord(out.aggregationRule)
  ) {
    delete out.rules;
  }
  return out;
}
