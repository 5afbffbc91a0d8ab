// App deletion: an Application being deleted with a cascade finalizer has its resources deleted through
// the engine's persisted deletion runner (resumed from `status.deletionState` after a restart), then the
// finalizer removed so Kubernetes deletes the Application. Without one of our finalizers, nothing is ours to do.
import { deletionPropagation, isTerminal, type DeletionApp, type DeletionPropagation, type DeletionRecord, type Engine } from '../engine/index.js';
import { messageOf } from '../errors.js';
import type { KubeObject } from '../kube/index.js';
import { sourcesOf, type Application } from '../model/index.js';
import { REFRESH_ANNOTATION } from '../model/names.js';
import { instanceNameOf } from './app-identity.js';
import type { ClusterHandle } from './clusters.js';
import { appState, isMine, type ControllerContext } from './context.js';
import { renderDesired } from './desired-state.js';
import { appRefOf } from './events.js';
import { waitForCluster } from './operations.js';
import { operationEngine } from './project-checks.js';

/** The finalizer names of an app's metadata (whatever else the field holds is not ours to read). */
function finalizersOf(value: unknown): string[] {
  return Array.isArray(value) ? (value as unknown[]).filter((f): f is string => typeof f === 'string') : [];
}

/** Starts (or resumes) deleting the app's resources, unless it cannot be done now (then says why in a condition). */
export async function reconcileDeletion(ctx: ControllerContext, key: string, app: Application, raw: KubeObject): Promise<void> {
  const finalizers = finalizersOf(raw.metadata?.['finalizers']);
  const propagation = deletionPropagation(finalizers);
  if (propagation === undefined) return; // no finalizer of ours: Kubernetes deletes it, its objects are orphaned
  const st = appState(ctx, key);
  if (st.deleting) return;
  const cluster = ctx.registry.find(app.spec.destination);
  const handle = cluster === undefined ? undefined : ctx.registry.get(cluster.server);
  if (handle === undefined) {
    // The destination is gone from kawa's configuration: nothing can be deleted there; the finalizer goes.
    await removeCascadeFinalizers(ctx, key, app, finalizers);
    return;
  }
  await handle.ready;
  if (handle.connection === 'Failed') {
    await ctx.writer.writeDeletionError(app, `cannot delete resources: cluster ${handle.server} is unreachable: ${handle.error ?? 'no answer'}`);
    ctx.queue.add(key, 'compare', 10_000, ctx.now());
    return;
  }
  const stored = (app.status as { deletionState?: DeletionRecord } | undefined)?.deletionState;
  const resumable = stored !== undefined && typeof stored.kawa === 'object' && !isTerminal(stored.phase) ? stored : undefined;
  if (stored !== undefined && stored.phase === 'Failed' && app.metadata.annotations?.[REFRESH_ANNOTATION] === undefined) {
    // A failed deletion (a PreDelete hook failed) is tried again when a refresh is asked, not in a loop.
    await ctx.writer.writeDeletionError(app, stored.message);
    return;
  }
  if (ctx.stopped()) return; // stopping: the next start (or the next leader) deletes
  const identity = operationEngine(ctx, app, handle);
  if ('refused' in identity) {
    // As for a sync: without the account to act as, nothing of the app is deleted; the finalizer stays.
    await ctx.writer.writeDeletionError(app, `cannot delete resources: ${identity.refused}`);
    ctx.queue.add(key, 'compare', 10_000, ctx.now());
    return;
  }
  st.deleting = true;
  const run = runDeletion(ctx, key, app, handle, identity.engine, propagation, resumable)
    .catch((err: unknown) => {
      ctx.options.log.error({ app: key, err: messageOf(err) }, 'deletion failed unexpectedly');
    })
    .finally(() => {
      st.deleting = false;
      ctx.runners.delete(run);
      if (!ctx.stopped()) ctx.queue.add(key, 'compare', 1_000, ctx.now());
    });
  ctx.runners.add(run);
}

async function runDeletion(
  ctx: ControllerContext,
  key: string,
  app: Application,
  handle: ClusterHandle,
  engine: Engine,
  propagation: DeletionPropagation,
  existing: DeletionRecord | undefined,
): Promise<void> {
  const persist = async (record: DeletionRecord): Promise<void> => {
    await ctx.writer.writeDeletionState(ctx.latestApp(key) ?? app, record);
  };
  let desired: KubeObject[] = [];
  let renderFailed: string | undefined;
  try {
    desired = (await renderDesired(ctx, app, sourcesOf(app.spec), undefined, handle, false)).objects;
  } catch (err) {
    renderFailed = messageOf(err);
  }
  const syncOptions = app.spec.syncPolicy?.syncOptions;
  const deletionApp: DeletionApp & { desired: KubeObject[] } = {
    name: instanceNameOf(app, ctx.namespace),
    ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
    ...(syncOptions === undefined ? {} : { syncOptions }),
    desired,
    ...(renderFailed === undefined ? {} : { renderFailed }),
  };
  let record = existing ?? (await engine.startDeletion({ app: deletionApp, persist, propagation }));
  if (existing === undefined) void ctx.events.record(appRefOf(app, ctx.namespace), 'DeletionStarted', `deleting the application's resources (${propagation})`);
  const control = { terminate: false };
  let reportedStuck = '';
  while (!isTerminal(record.phase)) {
    if (ctx.stopped() || !isMine(ctx, app)) return;
    const result = await engine.stepDeletion({ record, app: deletionApp, persist });
    record = result.record;
    const stuck = result.stuck.map((o) => `${o.kind}/${o.namespace === '' ? '' : `${o.namespace}/`}${o.name}${o.finalizers.length > 0 ? ` (finalizers: ${o.finalizers.join(', ')})` : ''}`).join('; ');
    if (stuck !== reportedStuck) {
      reportedStuck = stuck;
      if (stuck !== '') await ctx.writer.writeDeletionError(ctx.latestApp(key) ?? app, `waiting for deletion of ${stuck}`);
    }
    if (result.idle && !result.done) await waitForCluster(ctx, handle, deletionApp.name, control);
  }
  const latest = ctx.latestApp(key) ?? app;
  if (record.phase === 'Succeeded') {
    await removeCascadeFinalizers(ctx, key, latest, finalizersOf(latest.metadata.finalizers));
    void ctx.events.record(appRefOf(latest, ctx.namespace), 'ResourceDeleted', 'deleted the application and its resources');
  } else {
    await ctx.writer.writeDeletionError(latest, record.message);
    await ctx.writer.clearRefreshAnnotation(latest, latest.metadata.annotations?.[REFRESH_ANNOTATION]);
    void ctx.events.record(appRefOf(latest, ctx.namespace), 'DeletionFailed', record.message, 'Warning');
  }
}

/** Removes the cascade finalizers; when the list changed meanwhile, the app is looked at again with the new one. */
async function removeCascadeFinalizers(ctx: ControllerContext, key: string, app: Application, finalizers: readonly string[]): Promise<void> {
  if ((await ctx.writer.removeCascadeFinalizers(app, finalizers)) === 'changed') ctx.queue.add(key, 'compare');
}
