// Asks the API server for the verdicts compare wants (`AppComparison.serverSideDiffPending`): one
// server-side dry-run apply per object, cached by (desired hash, live resourceVersion) so that each
// (render, live state) pair costs one call at most. compare itself stays pure.
import { describeRef, isRetryable, replace, serverSideApply, withRetry } from '../kube/apply.js';
import { resourceKey, type KubeObject, type ResourceRef } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import type { Clock } from './clock.js';
import type { AppComparison } from './compare.js';
import { desiredHash, serverSideVerdict, type ServerSideDiffCache } from './diff/server-side.js';
import type { IgnoreDifferencesRule, JqPathEvaluator } from './diff/index.js';
import type { OperationCache } from './operation-state.js';
import { detailOf, mapLimit } from './api-calls.js';
import { parseSyncOptions, readSyncAnnotations, resolveSyncOptions } from './sync/index.js';

export interface ServerSideDiffRefresh {
  /** Dry-runs sent (each answered verdict is cached). */
  checked: number;
  /** `apps/Deployment shop/web: <why>` for dry-runs that failed; those objects keep the client-side verdict. */
  failed: string[];
}

export interface RefreshDeps {
  rest: KubeRest;
  cache: OperationCache;
  clock: Clock;
  verdicts: ServerSideDiffCache;
  manager: string;
  concurrency: number;
  ignoreDifferences?: readonly IgnoreDifferencesRule[];
  jq?: JqPathEvaluator;
  /** `spec.syncPolicy.syncOptions` (for `Validate=false`). */
  syncOptions?: readonly string[];
}

export async function refreshServerSideDiff(comparison: AppComparison, deps: RefreshDeps): Promise<ServerSideDiffRefresh> {
  const pending = new Set((comparison.serverSideDiffPending ?? []).map((ref: ResourceRef) => resourceKey(ref)));
  const todo = comparison.resources.filter((r) => r.desired !== undefined && r.live !== undefined && pending.has(resourceKey(r)));
  const failed: string[] = [];
  const appOptions = parseSyncOptions(deps.syncOptions ?? [], { object: 'Application', source: 'spec.syncPolicy.syncOptions' }).values;
  let checked = 0;
  await mapLimit(todo, deps.concurrency, async (r) => {
    const desired = r.desired;
    const live = r.live;
    const resourceVersion = live?.metadata?.resourceVersion;
    if (desired === undefined || live === undefined || resourceVersion === undefined) return;
    const ref = { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name };
    const resource = await deps.cache.resolveResource(ref);
    if (resource === undefined) return;
    checked++;
    try {
      // As the sync would write it: `Validate=false` drops unknown fields instead of refusing them.
      const annotations = readSyncAnnotations({ ...desired, apiVersion: desired.apiVersion ?? '', kind: desired.kind ?? '', metadata: desired.metadata ?? {} }).annotations;
      const options = resolveSyncOptions({ app: appOptions, resource: annotations.syncOptions });
      const write = { fieldManager: deps.manager, dryRun: true, ...(options.validate ? {} : { fieldValidation: 'Ignore' as const }) };
      // `Replace=true` objects are written with PUT, which prunes what a CRD's schema does not declare.
      const dryRun = (): Promise<KubeObject> => (options.replace ? replace(deps.rest, resource, desired, write) : serverSideApply(deps.rest, resource, desired, { ...write, force: true }));
      const predicted = await withRetry(dryRun, {
        sleep: (ms) => deps.clock.sleep(ms),
      });
      const verdict = serverSideVerdict(desired, predicted, live, {
        ...(deps.ignoreDifferences === undefined ? {} : { ignoreDifferences: deps.ignoreDifferences }),
        ...(deps.jq === undefined ? {} : { jq: deps.jq }),
      });
      deps.verdicts.set(resourceKey(ref), desiredHash(desired), resourceVersion, verdict);
    } catch (err) {
      failed.push(`${describeRef(ref)}: ${detailOf(err)}`);
      // The server refuses this object as it is: applying it would not succeed either, so out of sync.
      if (!isRetryable(err)) deps.verdicts.set(resourceKey(ref), desiredHash(desired), resourceVersion, { synced: false, differences: [] });
    }
  });
  return { checked, failed };
}
