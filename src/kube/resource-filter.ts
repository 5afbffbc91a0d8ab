// Which resource types kawa watches: argocd-cm's `resource.exclusions` / `resource.inclusions` (lists of
// `{apiGroups, kinds, clusters}` globs) on top of exclusions that are never lifted. Pure.
//
// The globs are Argo CD's util/glob dialect without a separator, as in AppProject fields (src/util/glob.ts),
// with one difference kept as kube always had it: a malformed pattern (`{unclosed`, `[z-a]`, a trailing `\`)
// matches literally, where Argo CD and AppProject matching match nothing, so a typo only disables itself.
// Case-sensitive, like Argo CD; compiled once and cached, since filters run on every discovered type.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { globMatchLiteralFallback as globMatch } from '../util/glob.js';

/** One rule. An absent or empty list matches everything, so `{kinds: [Event]}` means "Event in any group". */
export interface FilteredResource {
  apiGroups?: readonly string[];
  kinds?: readonly string[];
  /** Cluster API server URLs (as in the cluster secret's `server`). */
  clusters?: readonly string[];
}

export interface ResourceFilterSettings {
  /** `undefined` means argocd-cm has no `resource.exclusions` key: {@link DEFAULT_EXCLUSIONS} apply. */
  exclusions?: readonly FilteredResource[];
  /** When not empty, only types matching one of these are watched. */
  inclusions?: readonly FilteredResource[];
}

/**
 * Never watched, whatever argocd-cm says: high-volume objects nobody manages from Git and that are never
 * children of managed ones (Argo CD's core exclusions).
 */
export const ALWAYS_EXCLUDED: readonly FilteredResource[] = [
  { apiGroups: ['events.k8s.io', 'metrics.k8s.io'] },
  { apiGroups: [''], kinds: ['Event'] },
  { apiGroups: ['coordination.k8s.io'], kinds: ['Lease'] },
];

/**
 * The exclusions in force when argocd-cm does not set `resource.exclusions` — the list Argo CD 3 ships in its
 * default argocd-cm: high-churn or write-only types. Setting the key replaces this list (set it to `[]` to
 * watch them all). Write-only reviews and bindings have no list/watch and are skipped anyway; they are here
 * so a kind looked up by name reads as excluded rather than unknown.
 */
export const DEFAULT_EXCLUSIONS: readonly FilteredResource[] = [
  { apiGroups: ['', 'discovery.k8s.io'], kinds: ['Endpoints', 'EndpointSlice'] },
  { apiGroups: ['apiregistration.k8s.io'], kinds: ['APIService'] },
  { apiGroups: ['coordination.k8s.io'], kinds: ['Lease'] },
  {
    apiGroups: ['authentication.k8s.io', 'authorization.k8s.io'],
    kinds: ['SelfSubjectReview', 'TokenReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  },
  { apiGroups: [''], kinds: ['Binding', 'ComponentStatus'] },
  { apiGroups: ['certificates.k8s.io'], kinds: ['CertificateSigningRequest'] },
  { apiGroups: ['cert-manager.io'], kinds: ['CertificateRequest'] },
  { apiGroups: ['cilium.io'], kinds: ['CiliumIdentity', 'CiliumEndpoint', 'CiliumEndpointSlice'] },
  {
    apiGroups: ['kyverno.io', 'reports.kyverno.io', 'wgpolicyk8s.io'],
    kinds: ['PolicyReport', 'ClusterPolicyReport', 'EphemeralReport', 'ClusterEphemeralReport', 'AdmissionReport', 'ClusterAdmissionReport', 'BackgroundScanReport', 'ClusterBackgroundScanReport', 'UpdateRequest'],
  },
];

function listMatches(patterns: readonly string[] | undefined, value: string): boolean {
  if (patterns === undefined || patterns.length === 0) return true;
  return patterns.some((p) => globMatch(p, value));
}

export function ruleMatches(rule: FilteredResource, group: string, kind: string, cluster: string): boolean {
  return listMatches(rule.apiGroups, group) && listMatches(rule.kinds, kind) && listMatches(rule.clusters, cluster);
}

/** Why a type is not watched, or undefined when it is. */
export type ExclusionReason = 'always-excluded' | 'excluded' | 'not-included';

export class ResourceFilter {
  private readonly exclusions: readonly FilteredResource[];
  private readonly inclusions: readonly FilteredResource[];

  constructor(settings: ResourceFilterSettings = {}) {
    this.exclusions = settings.exclusions ?? DEFAULT_EXCLUSIONS;
    this.inclusions = settings.inclusions ?? [];
  }

  /** Why `group`/`kind` on the cluster at `cluster` (its server URL) is not watched; undefined when it is. */
  exclusionReason(group: string, kind: string, cluster = ''): ExclusionReason | undefined {
    if (ALWAYS_EXCLUDED.some((r) => ruleMatches(r, group, kind, cluster))) return 'always-excluded';
    if (this.exclusions.some((r) => ruleMatches(r, group, kind, cluster))) return 'excluded';
    if (this.inclusions.length > 0 && !this.inclusions.some((r) => ruleMatches(r, group, kind, cluster))) return 'not-included';
    return undefined;
  }

  isExcluded(group: string, kind: string, cluster = ''): boolean {
    return this.exclusionReason(group, kind, cluster) !== undefined;
  }
}

const ruleSchema = z
  .object({
    apiGroups: z.array(z.string()).nullish(),
    kinds: z.array(z.string()).nullish(),
    clusters: z.array(z.string()).nullish(),
  })
  .loose();

const rulesSchema = z.array(ruleSchema).nullable();

function parseRules(key: string, text: string): FilteredResource[] {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new UserError(errorCodes.SETTINGS_INVALID, `argocd-cm ${key}: not valid YAML: ${messageOf(err)}`);
  }
  const parsed = rulesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new UserError(
      errorCodes.SETTINGS_INVALID,
      `argocd-cm ${key}: expected a list of {apiGroups, kinds, clusters}${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return (parsed.data ?? []).map((rule) => ({
    ...(rule.apiGroups ? { apiGroups: rule.apiGroups } : {}),
    ...(rule.kinds ? { kinds: rule.kinds } : {}),
    ...(rule.clusters ? { clusters: rule.clusters } : {}),
  }));
}

/**
 * Reads `resource.exclusions` and `resource.inclusions` from argocd-cm's `data`. An absent exclusions key
 * keeps the defaults; a present one (even empty) replaces them. Throws a UserError (SETTINGS_INVALID)
 * naming the key when the YAML or its shape is wrong.
 */
export function parseResourceFilterSettings(data: Readonly<Record<string, string | undefined>>): ResourceFilterSettings {
  const settings: ResourceFilterSettings = {};
  const exclusions = data['resource.exclusions'];
  const inclusions = data['resource.inclusions'];
  if (exclusions !== undefined) settings.exclusions = parseRules('resource.exclusions', exclusions);
  if (inclusions !== undefined) settings.inclusions = parseRules('resource.inclusions', inclusions);
  return settings;
}
