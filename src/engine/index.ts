// The one assembly point of the GitOps engine: a live-state cache and a REST client in, comparison and
// resumable sync operations out. Everything else (the controller, the API server) goes through here;
// nothing else wires diff, health, the sync planner and the cluster writes together.
import type { CacheListener } from '../kube/cache.js';
import type { KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import type { Operation, OperationPhase } from '../model/index.js';
import { systemClock, type Clock } from './clock.js';
import { compareApp, type AppComparison } from './compare.js';
import { requestTermination, startOperation, stepOperation, type OperationDeps, type StartOptions, type StepResult, type SyncApp } from './operation.js';
import { isTerminal, type OperationCache, type OperationRecord } from './operation-state.js';
import { DEFAULT_CONCURRENCY, type OperationSettings } from './settings.js';
import { ServerSideDiffCache } from './diff/server-side.js';
import { refreshServerSideDiff, type ServerSideDiffRefresh } from './server-side-diff.js';
import {
  startDeletion,
  stepDeletion,
  type DeletionApp,
  type DeletionDeps,
  type DeletionRecord,
  type DeletionStepResult,
  type StartDeletionOptions,
} from './deletion.js';

/** The cache as the engine uses it; `ClusterCache` is one. `onChange` lets waits end as soon as the cluster moves. */
export interface EngineCache extends OperationCache {
  onChange?(listener: CacheListener): () => void;
}

export interface EngineOptions extends OperationSettings {
  rest: KubeRest;
  cache: EngineCache;
  clock?: Clock;
  /**
   * Server-side diff (Argo CD's `ServerSideDiff`, `controller.diff.server.side`): `fallback` (default)
   * asks the server about objects the client-side diff finds out of sync, `always` about every existing
   * object, `off` never. Verdicts come from `refreshServerSideDiff`; compare only reads them.
   */
  serverSideDiff?: 'fallback' | 'always' | 'off';
  /** While idle, an operation looks again after this long even without a cache event (default 1 s). */
  pollMs?: number;
}

export type Persist = (record: OperationRecord) => Promise<void> | void;
/** Stores a deletion record (the controller: `status.deletionState` of the Application). */
export type PersistDeletion = (record: DeletionRecord) => Promise<void> | void;

export interface Engine {
  /** Compares the app's desired objects with the cache. Pure: no API calls. */
  compare(app: SyncApp): AppComparison;
  /** Starts a sync operation and persists its first record (Failed right away when it must not run). */
  startSync(args: { app: SyncApp; operation: Operation; persist: Persist } & StartOptions): Promise<OperationRecord>;
  /** One bounded step of a running operation; persists the record. */
  step(args: { record: OperationRecord; app: SyncApp; persist: Persist }): Promise<StepResult>;
  /** Steps until the operation finishes (or `signal` aborts), waiting for cluster changes while idle. */
  runToCompletion(args: { record: OperationRecord; app: SyncApp; persist: Persist; signal?: AbortSignal }): Promise<OperationRecord>;
  /** Marks the operation for termination; the next step deletes running hooks and ends it Failed. */
  terminate(record: OperationRecord): OperationRecord;
  /**
   * Starts the deletion of an app's resources (its `resources-finalizer.argocd.argoproj.io` finalizer;
   * `propagation` from {@link deletionPropagation}) and persists its first record; nothing is deleted
   * yet. Failed right away when it must not run (render failed, invalid hook annotations).
   */
  startDeletion(args: { app: DeletionApp & { desired: readonly KubeObject[] }; persist: PersistDeletion } & StartDeletionOptions): Promise<DeletionRecord>;
  /** One bounded step of a running deletion; persists the record when it changed. `stuck` names objects that do not go. */
  stepDeletion(args: { record: DeletionRecord; app: DeletionApp; persist: PersistDeletion }): Promise<DeletionStepResult>;
  /**
   * Steps until the deletion finishes (or `signal` aborts), waiting for cluster changes while idle. A
   * stuck object keeps it running (and reported in every persisted record) until it goes or `signal` aborts.
   */
  runDeletionToCompletion(args: { record: DeletionRecord; app: DeletionApp; persist: PersistDeletion; signal?: AbortSignal }): Promise<DeletionRecord>;
  /**
   * Gets the server-side verdicts `compare(app).serverSideDiffPending` lists (one dry-run apply each,
   * cached by desired hash and live resourceVersion); compare the app again afterwards. No pending
   * objects: no API calls.
   */
  refreshServerSideDiff(app: SyncApp): Promise<ServerSideDiffRefresh>;
}

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 1000;
  const deps = (persist: Persist): OperationDeps => ({ rest: options.rest, cache: options.cache, clock, persist, settings: options });
  const verdicts = new ServerSideDiffCache();
  const ssdMode = options.serverSideDiff ?? 'fallback';
  const deletionDeps = (persist: PersistDeletion): DeletionDeps => ({ rest: options.rest, cache: options.cache, clock, persist, settings: options });

  /** Resolves after pollMs, or earlier when an object of `app` changes in the cache. */
  const waitForChange = async (app: string, signal: AbortSignal | undefined): Promise<void> => {
    let unsubscribe: (() => void) | undefined;
    const changed = new Promise<void>((resolve) => {
      unsubscribe = options.cache.onChange?.((event) => {
        if (event.app === app || event.previousApp === app) resolve();
      });
      signal?.addEventListener('abort', () => {
        resolve();
      }, { once: true });
    });
    try {
      await Promise.race([clock.sleep(pollMs), changed]);
    } finally {
      unsubscribe?.();
    }
  };

  /** Steps a record (an operation's, a deletion's) until it ends or `signal` aborts, waiting for the cluster while idle. */
  const runToEnd = async <R extends { phase: OperationPhase }>(
    record: R,
    app: string,
    signal: AbortSignal | undefined,
    step: (current: R) => Promise<{ record: R; done: boolean; idle: boolean }>,
  ): Promise<R> => {
    let current = record;
    while (!isTerminal(current.phase) && signal?.aborted !== true) {
      const result = await step(current);
      current = result.record;
      if (result.idle && !result.done) await waitForChange(app, signal);
    }
    return current;
  };

  const engine: Engine = {
    compare: (app) =>
      compareApp({
        appName: app.name,
        desired: app.desired,
        live: options.cache,
        options: {
          ...(app.destinationNamespace === undefined ? {} : { destinationNamespace: app.destinationNamespace }),
          ...(options.tracking === undefined ? {} : { tracking: options.tracking }),
          ...(options.manager === undefined ? {} : { manager: options.manager }),
          ...(app.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.ignoreDifferences }),
          ...(options.jq === undefined ? {} : { jq: options.jq }),
          ...(options.customHealth === undefined ? {} : { customHealth: options.customHealth }),
          ...(ssdMode === 'off' ? {} : { serverSideDiff: { cache: verdicts, all: ssdMode === 'always' || app.serverSideDiff === true } }),
          ...(app.syncOptions === undefined ? {} : { syncOptions: app.syncOptions }),
        },
      }),
    startSync: ({ app, operation, persist, ...start }) => startOperation(app, operation, deps(persist), start),
    step: ({ record, app, persist }) => stepOperation(record, app, deps(persist)),
    runToCompletion: ({ record, app, persist, signal }) => runToEnd(record, app.name, signal, (current) => stepOperation(current, app, deps(persist))),
    terminate: requestTermination,
    startDeletion: ({ app, persist, ...start }) => startDeletion(app, deletionDeps(persist), start),
    stepDeletion: ({ record, app, persist }) => stepDeletion(record, app, deletionDeps(persist)),
    refreshServerSideDiff: (app) =>
      refreshServerSideDiff(engine.compare(app), {
        rest: options.rest,
        cache: options.cache,
        clock,
        verdicts,
        manager: options.manager ?? 'kawa',
        concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
        ...(app.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.ignoreDifferences }),
        ...(options.jq === undefined ? {} : { jq: options.jq }),
        ...(app.syncOptions === undefined ? {} : { syncOptions: app.syncOptions }),
      }),
    runDeletionToCompletion: ({ record, app, persist, signal }) => runToEnd(record, app.name, signal, (current) => stepDeletion(current, app, deletionDeps(persist))),
  };
  return engine;
}

export { systemClock, isoTime, type Clock } from './clock.js';
export { compareApp, prepareDesired, type AppComparison, type AppCondition, type CompareInput, type CompareOptions, type LiveStateReader, type ResourceComparison } from './compare.js';
// Every export of the two runners is public: their start, step, approval and record types.
export * from './operation.js';
export * from './deletion.js';
export { DEFAULT_CONCURRENCY, DEFAULT_DELETION_STUCK_MS, DEFAULT_KIND_WAIT_MS, DEFAULT_WAVE_DELAY_MS, type OperationSettings } from './settings.js';
export { OPERATION_ID_ANNOTATION } from './hooks.js';
export { isTerminal, terminatedOnRequest, wasTerminated, type KawaOperationState, type OperationCache, type OperationRecord, type PruneStub, type TaskRecord } from './operation-state.js';
export {
  ORPHANED_RESOURCE_WARNING,
  findOrphanedResources,
  type OrphanedInput,
  type OrphanedResource,
  type OrphanedResourcesSettings,
  type OrphanedResult,
} from './orphaned.js';
export { type ServerSideDiffRefresh } from './server-side-diff.js';
