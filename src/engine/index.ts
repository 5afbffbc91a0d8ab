// The one assembly point of the GitOps engine: a live-state cache and a REST client in, comparison and
// resumable sync operations out. Everything else (the controller, the API server) goes through here;
// nothing else wires diff, health, the sync planner and the cluster writes together.
import type { CacheListener } from '../kube/cache.js';
import type { KubeRest } from '../kube/rest.js';
import type { Operation } from '../model/index.js';
import { systemClock, type Clock } from './clock.js';
import { compareApp, type AppComparison } from './compare.js';
import {
  requestTermination,
  startOperation,
  stepOperation,
  type OperationCache,
  type OperationDeps,
  type OperationRecord,
  type OperationSettings,
  type StartOptions,
  type StepResult,
  type SyncApp,
} from './operation.js';
import { isTerminal } from './operation-state.js';

/** The cache as the engine uses it; `ClusterCache` is one. `onChange` lets waits end as soon as the cluster moves. */
export interface EngineCache extends OperationCache {
  onChange?(listener: CacheListener): () => void;
}

export interface EngineOptions extends OperationSettings {
  rest: KubeRest;
  cache: EngineCache;
  clock?: Clock;
  /** While idle, an operation looks again after this long even without a cache event (default 1 s). */
  pollMs?: number;
}

export type Persist = (record: OperationRecord) => Promise<void> | void;

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
}

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 1000;
  const deps = (persist: Persist): OperationDeps => ({ rest: options.rest, cache: options.cache, clock, persist, settings: options });

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
        },
      }),
    startSync: ({ app, operation, persist, ...start }) => startOperation(app, operation, deps(persist), start),
    step: ({ record, app, persist }) => stepOperation(record, app, deps(persist)),
    runToCompletion: async ({ record, app, persist, signal }) => {
      let current = record;
      while (!isTerminal(current.phase) && signal?.aborted !== true) {
        const result = await stepOperation(current, app, deps(persist));
        current = result.record;
        if (result.idle && !result.done) await waitForChange(app.name, signal);
      }
      return current;
    },
    terminate: requestTermination,
  };
  return engine;
}

export { systemClock, isoTime, type Clock } from './clock.js';
export { compareApp, prepareDesired, type AppComparison, type AppCondition, type CompareInput, type CompareOptions, type LiveStateReader, type ResourceComparison } from './compare.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_KIND_WAIT_MS,
  DEFAULT_WAVE_DELAY_MS,
  confirmPrune,
  desiredDigest,
  requestTermination,
  startOperation,
  stepOperation,
  type OperationCache,
  type OperationDeps,
  type OperationRecord,
  type OperationSettings,
  type StartOptions,
  type StepResult,
  type SyncApp,
} from './operation.js';
export { OPERATION_ID_ANNOTATION } from './operation-tasks.js';
export { isTerminal, type KawaOperationState, type PruneStub, type TaskRecord } from './operation-state.js';
