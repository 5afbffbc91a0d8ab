// API discovery: which resource types a cluster serves, at which preferred version, namespaced or not,
// with which verbs. One request through aggregated discovery (apidiscovery.k8s.io/v2, GA since 1.30),
// the per-group documents as the fallback for older servers. Refreshable, because CRDs and aggregated
// APIs come and go while kawa runs.
import { messageOf } from '../errors.js';
import { apiVersionOf, groupKindKey, isRecord, type GroupKind } from './objects.js';
import { KubeApiError, type KubeRest } from './rest.js';

export interface ApiResource extends GroupKind {
  /** The version kawa lists and watches: the group's preferred one when it serves this resource. */
  version: string;
  /** Plural, as in the URL path (`deployments`). */
  resource: string;
  namespaced: boolean;
  verbs: readonly string[];
}

export interface DiscoveryResult {
  resources: ApiResource[];
  /**
   * Groups (or group versions) the server could not describe: an aggregated API server that is down.
   * Discovery is incomplete while this is not empty, and pruning must not trust the absence of a type.
   */
  failedGroups: string[];
}

/** `/api/v1/pods`, `/apis/apps/v1/deployments`: the cluster-wide collection path of a resource. */
export function collectionPath(r: Pick<ApiResource, 'group' | 'version' | 'resource'>): string {
  return r.group === '' ? `/api/${r.version}/${r.resource}` : `/apis/${r.group}/${r.version}/${r.resource}`;
}

export function namespacedCollectionPath(r: Pick<ApiResource, 'group' | 'version' | 'resource'>, namespace: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}`;
}

export function apiVersionOfResource(r: Pick<ApiResource, 'group' | 'version'>): string {
  return apiVersionOf(r.group, r.version);
}

/** Whether the cache can hold this type: it must be listable and watchable. */
export function isWatchable(r: Pick<ApiResource, 'verbs'>): boolean {
  return r.verbs.includes('list') && r.verbs.includes('watch');
}

interface Candidate {
  resource: ApiResource;
  /** Position of the version in the group's preference order (0 = preferred). */
  rank: number;
}

/**
 * One entry per group/kind: the preferred version when the group's preferred version serves the kind,
 * else the most preferred version that does (a kind that only exists in v1beta1 stays visible).
 */
function pickPreferred(candidates: readonly Candidate[]): ApiResource[] {
  const best = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const key = groupKindKey(candidate.resource);
    const seen = best.get(key);
    if (seen === undefined || candidate.rank < seen.rank) best.set(key, candidate);
  }
  return [...best.values()].map((c) => c.resource).sort((a, b) => groupKindKey(a).localeCompare(groupKindKey(b)));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses an `APIGroupDiscoveryList` (from `/api` and `/apis`). Versions come in preference order;
 * subresources are nested under their resource there, so they never show up as resources.
 */
export function parseAggregatedDiscovery(list: unknown): DiscoveryResult {
  const candidates: Candidate[] = [];
  const failedGroups: string[] = [];
  const items = isRecord(list) && Array.isArray(list['items']) ? list['items'] : [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const group = isRecord(item['metadata']) ? (str(item['metadata']['name']) ?? '') : '';
    const versions = Array.isArray(item['versions']) ? item['versions'] : [];
    versions.forEach((v: unknown, rank) => {
      if (!isRecord(v)) return;
      const version = str(v['version']);
      if (version === undefined) return;
      // A Stale version is what the server last knew of an aggregated API it cannot reach now.
      if (v['freshness'] === 'Stale') failedGroups.push(apiVersionOf(group, version));
      for (const r of Array.isArray(v['resources']) ? v['resources'] : []) {
        if (!isRecord(r)) continue;
        const resource = str(r['resource']);
        const kind = isRecord(r['responseKind']) ? str(r['responseKind']['kind']) : undefined;
        if (resource === undefined || kind === undefined || kind === '') continue;
        candidates.push({
          rank,
          resource: { group, version, kind, resource, namespaced: r['scope'] === 'Namespaced', verbs: strings(r['verbs']) },
        });
      }
    });
  }
  return { resources: pickPreferred(candidates), failedGroups };
}

/** The versions of a legacy `APIGroupList` / `APIVersions` answer, preferred first. */
export function parseLegacyGroups(groupList: unknown, coreVersions: unknown): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  if (isRecord(coreVersions)) out.push({ group: '', versions: strings(coreVersions['versions']) });
  const groups = isRecord(groupList) && Array.isArray(groupList['groups']) ? groupList['groups'] : [];
  for (const g of groups) {
    if (!isRecord(g)) continue;
    const name = str(g['name']);
    if (name === undefined) continue;
    const versions = (Array.isArray(g['versions']) ? g['versions'] : [])
      .map((v: unknown) => (isRecord(v) ? str(v['version']) : undefined))
      .filter((v): v is string => v !== undefined);
    const preferred = isRecord(g['preferredVersion']) ? str(g['preferredVersion']['version']) : undefined;
    if (preferred !== undefined && versions.includes(preferred)) {
      versions.splice(versions.indexOf(preferred), 1);
      versions.unshift(preferred);
    }
    out.push({ group: name, versions });
  }
  return out;
}

/** Parses a legacy `APIResourceList` for one group version; `pods/log` and other subresources are skipped. */
export function parseLegacyResourceList(group: string, version: string, list: unknown): ApiResource[] {
  const resources = isRecord(list) && Array.isArray(list['resources']) ? list['resources'] : [];
  const out: ApiResource[] = [];
  for (const r of resources) {
    if (!isRecord(r)) continue;
    const name = str(r['name']);
    const kind = str(r['kind']);
    if (name === undefined || kind === undefined || name.includes('/')) continue;
    out.push({ group, version, kind, resource: name, namespaced: r['namespaced'] === true, verbs: strings(r['verbs']) });
  }
  return out;
}

/** Everything the legacy per-group-version documents say, for servers without aggregated discovery. */
async function legacyDiscovery(rest: KubeRest, groupList: unknown): Promise<DiscoveryResult> {
  const coreVersions = await rest.getJson('/api');
  const groups = parseLegacyGroups(groupList, coreVersions);
  const candidates: Candidate[] = [];
  const failedGroups: string[] = [];
  await Promise.all(
    groups.flatMap(({ group, versions }) =>
      versions.map(async (version, rank) => {
        const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
        try {
          const list = await rest.getJson(path);
          for (const resource of parseLegacyResourceList(group, version, list)) candidates.push({ resource, rank });
        } catch {
          failedGroups.push(apiVersionOf(group, version));
        }
      }),
    ),
  );
  return { resources: pickPreferred(candidates), failedGroups: failedGroups.sort() };
}

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/**
 * Discovers every resource type the cluster serves. Throws when the server cannot be asked at all; a
 * group that fails alone is reported in `failedGroups` instead.
 */
export async function discoverApiResources(rest: KubeRest, options: { legacy?: boolean } = {}): Promise<DiscoveryResult> {
  try {
    if (options.legacy === true) return await legacyDiscovery(rest, await rest.getJson('/apis'));
    const [core, groups] = await Promise.all([
      rest.getJson('/api', { accept: AGGREGATED_ACCEPT }),
      rest.getJson('/apis', { accept: AGGREGATED_ACCEPT }),
    ]);
    // A server without aggregated discovery ignores the first media type and answers with APIGroupList.
    if (!isRecord(groups) || groups['kind'] !== 'APIGroupDiscoveryList' || !isRecord(core) || core['kind'] !== 'APIGroupDiscoveryList') {
      return await legacyDiscovery(rest, groups);
    }
    const coreResult = parseAggregatedDiscovery(core);
    const groupResult = parseAggregatedDiscovery(groups);
    return {
      resources: [...coreResult.resources, ...groupResult.resources],
      failedGroups: [...coreResult.failedGroups, ...groupResult.failedGroups],
    };
  } catch (err) {
    throw new KubeApiError(`API discovery failed: ${messageOf(err)}`, err instanceof KubeApiError ? err.statusCode : undefined, undefined, {
      cause: err,
    });
  }
}

export interface DiscoveryOptions {
  /** Fetches the current list of resource types (injected: `discoverApiResources` bound to a cluster). */
  fetch: () => Promise<DiscoveryResult>;
  /** No refresh starts sooner than this after the previous one began (default 1 s), so event storms cost one request. */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * The discovered resource types of one cluster. `refresh()` is single-flight: concurrent callers share one
 * request. `resolve()` refreshes on an unknown kind, at most once per `minIntervalMs`, so a typo in Git
 * does not turn into a discovery request per reconcile.
 */
export class Discovery {
  private byGroupKind = new Map<string, ApiResource>();
  private failed: string[] = [];
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private loaded = false;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: DiscoveryOptions) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Whether a first discovery has completed. */
  get ready(): boolean {
    return this.loaded;
  }

  /** Group versions that could not be discovered in the last refresh (see {@link DiscoveryResult.failedGroups}). */
  get failedGroups(): readonly string[] {
    return this.failed;
  }

  /** Milliseconds until a refresh is allowed again (0 = now). */
  waitBeforeRefresh(): number {
    return Math.max(0, this.lastStartedAt + this.minIntervalMs - this.now());
  }

  resources(): ApiResource[] {
    return [...this.byGroupKind.values()];
  }

  lookup(gk: GroupKind): ApiResource | undefined {
    return this.byGroupKind.get(groupKindKey(gk));
  }

  /**
   * Re-discovers. The answer always reflects the server after this call: a refresh already running may have
   * asked before the change that prompted this call, so one more is chained after it (and shared by every
   * caller that arrives meanwhile).
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    if (this.inFlight) {
      const queued = this.inFlight
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.start();
        });
      this.queued = queued;
      return queued;
    }
    return this.start();
  }

  private start(): Promise<void> {
    this.lastStartedAt = this.now();
    const run = this.options
      .fetch()
      .then((result) => {
        this.byGroupKind = new Map(result.resources.map((r) => [groupKindKey(r), r]));
        this.failed = result.failedGroups;
        this.loaded = true;
      })
      .finally(() => {
        if (this.inFlight === run) this.inFlight = undefined;
      });
    this.inFlight = run;
    return run;
  }

  /** The resource of a kind; an unknown kind triggers one refresh unless the last began under `minIntervalMs` ago. */
  async resolve(gk: GroupKind): Promise<ApiResource | undefined> {
    const known = this.lookup(gk);
    if (known !== undefined) return known;
    if (this.inFlight) await this.inFlight;
    else if (this.waitBeforeRefresh() === 0) await this.refresh();
    return this.lookup(gk);
  }
}
