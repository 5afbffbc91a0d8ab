// How sync operations and app deletions run: the settings the engine is created with, and their
// defaults. Both runners read them through `settingsOf`, so a default is decided once.
import type { TrackingOptions } from '../kube/tracking.js';
import type { JqPathEvaluator } from './diff/index.js';
import type { HealthCheck } from './health/index.js';

export const DEFAULT_WAVE_DELAY_MS = 2000;
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_KIND_WAIT_MS = 60_000;
export const DEFAULT_DELETION_STUCK_MS = 120_000;

/** How operations run; every field has a default. */
export interface OperationSettings {
  /** Field manager for every write (default `kawa`). */
  manager?: string;
  tracking?: TrackingOptions;
  /** Pause between waves so other controllers see the previous one (default 2 s, like Argo CD). */
  waveDelayMs?: number;
  /** Writes in flight at once within a step (default 16). */
  concurrency?: number;
  /**
   * The operation is terminated (running hooks deleted, Failed with the reason) once it has run this
   * long. 0, the default, means never, as Argo CD's `controller.sync.timeout.seconds`; the controller
   * should set one, or a hook that never completes waits forever.
   */
  timeoutMs?: number;
  /**
   * `server`: every task is dry-run by the API server before anything changes. `client`: only the
   * checks kawa can do itself (served kinds). `auto` (default): server whenever there is an order to
   * protect (several waves, hooks, prunes) or the sync is a dry run; a single hook-less wave goes out
   * at once anyway, so its objects are checked by their real apply, as in Argo CD (whose dry-run is
   * client-side).
   */
  dryRunMode?: 'auto' | 'server' | 'client';
  /**
   * Grace for things the cache or discovery may not show yet (default 60 s): a CR waits this long for
   * the kind its CRD (in the same sync) defines; a created hook the cache never showed is looked up
   * directly after this long, and fails if it is gone.
   */
  kindWaitMs?: number;
  customHealth?: HealthCheck;
  jq?: JqPathEvaluator;
  /**
   * An app deletion reports an object still present this long after its wave started (a finalizer
   * nobody removes) as stuck, naming it (default 2 min). It keeps waiting: the object may still go.
   */
  deletionStuckMs?: number;
}

/** The settings with every default filled in. */
export type ResolvedSettings = Required<Omit<OperationSettings, 'customHealth' | 'jq'>> & Pick<OperationSettings, 'customHealth' | 'jq'>;

export function settingsOf(deps: { readonly settings?: OperationSettings | undefined }): ResolvedSettings {
  const s = deps.settings ?? {};
  return {
    manager: s.manager ?? 'kawa',
    tracking: s.tracking ?? {},
    waveDelayMs: s.waveDelayMs ?? DEFAULT_WAVE_DELAY_MS,
    concurrency: s.concurrency ?? DEFAULT_CONCURRENCY,
    timeoutMs: s.timeoutMs ?? 0,
    dryRunMode: s.dryRunMode ?? 'auto',
    kindWaitMs: s.kindWaitMs ?? DEFAULT_KIND_WAIT_MS,
    deletionStuckMs: s.deletionStuckMs ?? DEFAULT_DELETION_STUCK_MS,
    ...(s.customHealth === undefined ? {} : { customHealth: s.customHealth }),
    ...(s.jq === undefined ? {} : { jq: s.jq }),
  };
}
