// The operation runner: starts the app's requested sync (or resumes one a previous process left Running,
// from `status.operationState`), steps it through the engine's persisted state machine in the
// background, holds it while a sync window blocks it, and when it ends records history and Events,
// retries it by the request's policy or clears the request.
import { isTerminal, isoTime, terminatedOnRequest, type OperationRecord, type SyncApp } from '../engine/index.js';
import { messageOf } from '../errors.js';
import type { KubeObject } from '../kube/index.js';
import { canRetry, resolveBackoff, retryDelayMs, revisionHistoryLimitOf, sourcesOf, type Application, type Operation, type RevisionHistory } from '../model/index.js';
import { stableJson } from '../util/stable-json.js';
import { instanceNameOf } from './app-identity.js';
import type { ClusterHandle } from './clusters.js';
import { appState, isMine, type AppState, type ControllerContext } from './context.js';
import { renderDesired, type RenderedApp } from './desired-state.js';
import { appRefOf } from './events.js';
import { operationEngine, resourceProblems, specProblems, windowDecision } from './project-checks.js';
import { appendHistory } from './status.js';
import { SYNC_BLOCKED_MESSAGE, type SyncDecision } from './windows.js';

/**
 * Whether the requested operation is the one a record ran (records keep the request verbatim, as Argo CD).
 * Compared with sorted keys: the API server re-encodes custom objects with sorted keys, our copies are not.
 */
function sameOperation(a: Operation | undefined, b: Operation | undefined): boolean {
  return a !== undefined && b !== undefined && stableJson(a) === stableJson(b);
}

/** Runs a requested operation, resumes one a previous process left Running, or passes a termination request on. */
export async function handleOperation(ctx: ControllerContext, key: string, app: Application, handle: ClusterHandle, st: AppState): Promise<void> {
  const opState = app.status?.operationState;
  if (st.running !== undefined) {
    if (opState?.phase === 'Terminating') st.running.terminate = true;
    return;
  }
  const record = opState as OperationRecord | undefined;
  if (record !== undefined && !isTerminal(record.phase) && typeof (record as { kawa?: unknown }).kawa === 'object') {
    // The watch may not have delivered our own final write yet: an operation this process finished is not resumed.
    if (st.finishedOperations.includes(record.kawa.operationId)) return;
    // A previous process (or this one before a restart) left it running: continue where it stopped.
    launch(ctx, key, app, handle, record, record.retryCount ?? 0);
    return;
  }
  if (app.operation === undefined) return;
  const generation = (app.metadata as { generation?: number }).generation;
  const requestedAt = (record as { requestGeneration?: number } | undefined)?.requestGeneration;
  // The same request at the same generation already ran (setting `operation` again bumps the generation).
  if (record !== undefined && isTerminal(record.phase) && sameOperation(record.operation, app.operation) && (requestedAt === undefined || requestedAt === generation)) {
    // This operation already ran. Retry if it failed and the policy allows, else clear the request.
    const retries = record.retryCount ?? 0;
    if (record.phase !== 'Succeeded' && !terminatedOnRequest(record) && canRetry(app.operation.retry, retries)) {
      const delay = retryDelayMs(resolveBackoff(app.operation.retry?.backoff), retries);
      const due = Date.parse(record.finishedAt ?? record.startedAt) + delay;
      if (ctx.now() < due) {
        ctx.queue.add(key, 'compare', due - ctx.now(), ctx.now());
        return;
      }
      launch(ctx, key, app, handle, undefined, retries + 1);
      return;
    }
    await ctx.writer.clearOperation(app);
    return;
  }
  launch(ctx, key, app, handle, undefined, 0);
}

function launch(ctx: ControllerContext, key: string, app: Application, handle: ClusterHandle, existing: OperationRecord | undefined, retryCount: number): void {
  if (ctx.stopped()) return; // stopping: the next start (or the next leader) runs it
  const st = appState(ctx, key);
  const control = { terminate: app.status?.operationState?.phase === 'Terminating' };
  st.running = control;
  const run = runOperation(ctx, key, app, handle, existing, retryCount, control)
    .catch((err: unknown) => {
      ctx.options.log.error({ app: key, err: messageOf(err) }, 'operation failed unexpectedly');
    })
    .finally(() => {
      st.running = undefined;
      ctx.runners.delete(run);
      if (!ctx.stopped()) ctx.queue.add(key, 'compare');
    });
  ctx.runners.add(run);
}

async function runOperation(
  ctx: ControllerContext,
  key: string,
  app: Application,
  handle: ClusterHandle,
  existing: OperationRecord | undefined,
  retryCount: number,
  control: { terminate: boolean },
): Promise<void> {
  const operation = existing?.operation ?? app.operation;
  if (operation === undefined) return;
  const sync = operation.sync ?? {};
  const multi = (sync.sources?.length ?? 0) > 0 || (app.spec.sources?.length ?? 0) > 0;
  const sources = sync.sources ?? (sync.source === undefined ? sourcesOf(app.spec) : [sync.source]);
  const revisions = existing?.syncResult?.revisions ?? sync.revisions ?? (multi ? undefined : [existing?.syncResult?.revision ?? sync.revision]);
  const instance = instanceNameOf(app, ctx.namespace);
  // Writes only what changed, and the final record together with the history entry: one write fewer per sync.
  let lastPersisted = '';
  let historyWritten = false;
  const persist = async (rec: OperationRecord): Promise<void> => {
    const json = JSON.stringify(rec);
    if (json === lastPersisted) return;
    lastPersisted = json;
    if (rec.phase === 'Succeeded' && operation.sync?.dryRun !== true && !historyWritten) {
      const latest = ctx.latestApp(key) ?? app;
      await ctx.writer.writeOperationState({ ...latest, status: latest.status ?? app.status }, rec, historyWith(ctx, latest, rec, operation));
      historyWritten = true;
      return;
    }
    await ctx.writer.persistOperation(app, rec);
  };

  let desired: KubeObject[] = [];
  let renderFailed: string | undefined;
  let rendered: RenderedApp | undefined;
  try {
    rendered = await renderDesired(ctx, app, sources, revisions, handle, false);
    desired = rendered.objects;
  } catch (err) {
    renderFailed = messageOf(err);
  }
  if (renderFailed === undefined) {
    // A project refusal fails the operation before anything is written (the engine touches nothing then).
    const problems = [...specProblems(ctx, app), ...resourceProblems(ctx, app, desired, handle)];
    if (problems.length > 0) renderFailed = `the application spec is invalid: ${problems.join('; ')}`;
  }
  const syncOptions = sync.syncOptions ?? app.spec.syncPolicy?.syncOptions;
  const identity = operationEngine(ctx, app, handle);
  // Refused: the engine fails the operation before any request, so the controller's own one is fine.
  const engine = 'engine' in identity ? identity.engine : handle.engine;
  const syncApp: SyncApp = {
    name: instance,
    ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
    ...(syncOptions === undefined ? {} : { syncOptions }),
    ...(app.spec.syncPolicy?.managedNamespaceMetadata === undefined ? {} : { managedNamespaceMetadata: app.spec.syncPolicy.managedNamespaceMetadata }),
    ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
    ...(app.spec.syncPolicy?.automated?.allowEmpty === true ? { allowEmpty: true } : {}),
    ...(renderFailed === undefined ? {} : { renderFailed }),
    ...('refused' in identity ? { refused: identity.refused } : {}),
    desired,
  };

  const manual = operation.initiatedBy?.automated !== true;
  const blockedBy = (startedAt?: number): SyncDecision | undefined => {
    const decision = windowDecision(ctx, app, manual, startedAt);
    return decision.allowed ? undefined : decision;
  };
  const waitForWindow = async (decision: SyncDecision, current: OperationRecord | undefined): Promise<void> => {
    // As Argo CD: the operation stays Running, blocked, and goes on once the window allows it.
    const message = `${SYNC_BLOCKED_MESSAGE}${decision.reason === undefined ? '' : `: ${decision.reason}`}`;
    const previous = app.status?.operationState;
    const since = previous?.phase === 'Running' && previous.message?.startsWith(SYNC_BLOCKED_MESSAGE) === true ? previous.startedAt : isoTime(ctx.now());
    const blocked = current === undefined ? { operation, phase: 'Running' as const, message, startedAt: since } : { ...current, message };
    if (previous?.message !== message || current !== undefined) await ctx.writer.writeOperationState(ctx.latestApp(key) ?? app, blocked);
    ctx.queue.add(key, 'compare', Math.max(1_000, (decision.nextChangeAt ?? ctx.now() + 10_000) - ctx.now()), ctx.now());
  };
  let record: OperationRecord;
  if (existing === undefined) {
    const blocked = blockedBy();
    if (blocked !== undefined) {
      await waitForWindow(blocked, undefined);
      return;
    }
  }
  if (existing !== undefined) {
    record = existing;
    ctx.options.log.info({ app: key, phase: record.phase }, 'resuming operation');
  } else {
    // The record keeps the request verbatim (so a finished request is recognised); the resolved commit goes in syncResult.
    const resolved = rendered === undefined ? {} : multi ? { revisions: rendered.revisions ?? [rendered.revision] } : { revision: rendered.revision };
    const requestGeneration = (app.metadata as { generation?: number }).generation;
    const stamp = (rec: OperationRecord): OperationRecord => ({
      ...rec,
      ...(requestGeneration === undefined ? {} : { requestGeneration }),
      syncResult: { ...(rec.syncResult ?? { resources: [] }), ...resolved },
      ...(retryCount > 0 ? { retryCount } : {}),
    });
    record = stamp(await engine.startSync({ app: syncApp, operation, persist: (rec) => persist(stamp(rec)) }));
    const who = operation.initiatedBy?.automated === true ? 'automated sync' : (operation.initiatedBy?.username ?? 'Unknown user');
    void ctx.events.record(appRefOf(app, ctx.namespace), 'OperationStarted', `${who} initiated sync to ${rendered?.revision ?? sync.revision ?? 'HEAD'}${retryCount > 0 ? ` (retry ${retryCount})` : ''}`);
  }

  while (!isTerminal(record.phase)) {
    // Stopped, or the shard moved to another replica: leave it Running; its next owner resumes it.
    if (ctx.stopped() || !isMine(ctx, app)) return;
    if (control.terminate && record.kawa.terminating !== true) record = engine.terminate(record);
    const blocked = record.kawa.terminating === true ? undefined : blockedBy(Date.parse(record.startedAt));
    if (blocked !== undefined) {
      await waitForWindow(blocked, record);
      return;
    }
    const result = await engine.step({ record, app: syncApp, persist });
    record = result.record;
    if (result.idle && !result.done) await waitForCluster(ctx, handle, instance, control);
  }
  await finishOperation(ctx, key, app, record, operation, historyWritten);
}

/** Until an object of the app changes, termination is asked, or 1 s passes. */
export async function waitForCluster(ctx: ControllerContext, handle: ClusterHandle, instance: string, control: { terminate: boolean }): Promise<void> {
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1_000);
    unsubscribe = handle.cache.onChange((event) => {
      if (event.app === instance || event.previousApp === instance || control.terminate || ctx.stopped()) resolve();
    });
  });
  clearTimeout(timer);
  unsubscribe?.();
}

/** `status.history` with the operation's deployment appended (trimmed to revisionHistoryLimit). */
function historyWith(ctx: ControllerContext, latest: Application, record: OperationRecord, operation: Operation): RevisionHistory[] {
  const multi = (record.syncResult?.revisions?.length ?? 0) > 0;
  const source = operation.sync?.source ?? latest.spec.source;
  const sources = operation.sync?.sources ?? latest.spec.sources;
  return appendHistory(
    latest.status?.history,
    {
      ...(multi ? { revisions: record.syncResult?.revisions ?? [] } : { revision: record.syncResult?.revision ?? '' }),
      deployedAt: record.finishedAt ?? isoTime(ctx.now()),
      deployStartedAt: record.startedAt,
      ...(multi ? (sources === undefined ? {} : { sources }) : source === undefined ? {} : { source }),
      ...(operation.initiatedBy === undefined ? {} : { initiatedBy: operation.initiatedBy }),
    },
    revisionHistoryLimitOf(latest.spec),
  );
}

/** History (unless written with the last step), the Event and metric, then a retry by the request's policy or the request cleared. */
async function finishOperation(ctx: ControllerContext, key: string, app: Application, record: OperationRecord, operation: Operation, historyWritten: boolean): Promise<void> {
  const st = appState(ctx, key);
  st.finishedOperations = [...st.finishedOperations.slice(-9), record.kawa.operationId];
  const latest = ctx.latestApp(key) ?? app;
  const dryRun = operation.sync?.dryRun === true;
  if (record.phase === 'Succeeded' && !dryRun && !historyWritten) await ctx.writer.writeHistory(latest, historyWith(ctx, latest, record, operation));
  const phase = record.phase;
  const succeeded = phase === 'Succeeded';
  void ctx.events.record(
    appRefOf(latest, ctx.namespace),
    'OperationCompleted',
    `Sync operation to ${record.syncResult?.revision ?? ''} ${succeeded ? 'succeeded' : `failed: ${record.message ?? ''}`}`,
    succeeded ? 'Normal' : 'Warning',
  );
  ctx.options.onOperationFinished?.(key, phase);
  ctx.options.metrics?.syncTotal.inc({
    name: latest.metadata.name,
    namespace: latest.metadata.namespace ?? ctx.namespace,
    project: latest.spec.project,
    phase,
    dest_server: ctx.registry.find(latest.spec.destination)?.server ?? '',
  });
  const retries = record.retryCount ?? 0;
  if (phase !== 'Succeeded' && !terminatedOnRequest(record) && canRetry(operation.retry, retries)) {
    // The request stays; handleOperation starts the next attempt when its backoff is over.
    const delay = retryDelayMs(resolveBackoff(operation.retry?.backoff), retries);
    ctx.queue.add(key, 'compare', delay, ctx.now());
    return;
  }
  await ctx.writer.clearOperation(latest);
}
