// The controller's options, and the context its concerns (reconcile, operations, deletion) run over:
// the shared queue, clusters, writer and per-app memory the ApplicationController class owns.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, KubeRest } from '../kube/index.js';
import { DEFAULT_PROJECT_NAME, parseAppProject, type AppProject, type Application, type ArgoCdSettings } from '../model/index.js';
import type { ManifestSource } from '../reposerver/index.js';
import type { SettingsReader } from '../settings/index.js';
import type { AppWriter } from './app-writer.js';
import type { ClusterRegistry } from './clusters.js';
import type { EventRecorder } from './events.js';
import type { ListWatchSource } from './informers.js';
import type { ControllerMetrics } from './metrics.js';
import type { WorkQueue } from './queue.js';
import { shardOf, type ShardManager } from './shards.js';

export interface ControllerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Where Applications, AppProjects and the configuration live (default `argocd`). */
  namespace: string;
  /** Renders and resolves revisions: a RepoService in this process, or a RepoServerClient of a remote repo server. */
  repo: ManifestSource;
  log: ControllerLogger;
  /** The client for the control namespace's objects (default: one from `kubeConfig`; stop() closes it). */
  rest?: KubeRest;
  /** Where the Applications, AppProjects, argocd-cm and Secrets are listed and watched from (default: the API server through `rest`); with `settingsReader`, only the first two. */
  listWatch?: ListWatchSource;
  /**
   * argocd-cm and the repository, repo-creds and cluster Secrets from a settings reader another role of the
   * process runs and closes (default: a reader of the controller's own over `listWatch`).
   */
  settingsReader?: SettingsReader;
  /** Reconciles in flight at once (default 10). */
  concurrency?: number;
  /** Overrides argocd-cm `timeout.reconciliation` (tests, benchmarks). */
  reconciliationMs?: number;
  reconciliationJitterMs?: number;
  /** A sync running longer is terminated (default 0: never, as Argo CD). */
  operationTimeoutMs?: number;
  /** Pause between sync waves (default 2 s, as Argo CD). */
  waveDelayMs?: number;
  /** Base of the self-heal backoff (default 5 s). */
  selfHealBackoffMs?: number;
  now?: () => number;
  random?: () => number;
  metrics?: ControllerMetrics;
  /**
   * A namespace install: kawa's identity holds Roles in `namespace` only, so the in-cluster destination
   * manages that namespace alone, without cluster-scoped resources (unless a cluster Secret for
   * `https://kubernetes.default.svc` says otherwise). Default false: every namespace.
   */
  namespaced?: boolean;
  /** Scale-out: split clusters into `replicas` shards owned through Leases (with one replica: leader election). */
  sharding?: { replicas: number; shard?: number; identity?: string; leaseDurationMs?: number };
  /** Called after each reconcile (benchmarks). */
  onReconciled?: (app: string, durationMs: number, status: { sync?: string; health?: string }) => void;
  /** Called when an operation finishes. */
  onOperationFinished?: (app: string, phase: string) => void;
  /** Called when this replica starts waiting for a Lease another holds, and when the shards it holds change. */
  onLease?: (event: LeaseEvent) => void;
}

export type LeaseEvent = { kind: 'waiting'; lease: string; holder: string } | { kind: 'held'; shards: number[] };

/** What the controller remembers of an app between reconciles; all of it can be rebuilt from the cluster. */
export interface AppState {
  desired?: {
    sourceKey: string;
    revision: string;
    revisions?: string[];
    sourceType: string;
    objects: KubeObject[];
  };
  renderError?: string;
  running?: { terminate: boolean };
  /** A deletion runner is in flight. */
  deleting?: boolean;
  selfHeal: { attempts: number; lastAt: number; revision: string };
  nextRefreshScheduled: boolean;
  lastHealth?: string;
  /** Operation ids this process finished (newest last), so a stale watch copy showing them Running is not resumed. */
  finishedOperations: string[];
}

/** What reconcile, the operation runner and deletion share; the ApplicationController builds it. */
export interface ControllerContext {
  readonly options: ControllerOptions;
  /** The control namespace (`options.namespace`). */
  readonly namespace: string;
  readonly now: () => number;
  readonly random: () => number;
  readonly queue: WorkQueue;
  readonly registry: ClusterRegistry;
  readonly events: EventRecorder;
  readonly writer: AppWriter;
  readonly shards: ShardManager | undefined;
  readonly states: Map<string, AppState>;
  /** Operations and deletions running in the background: stop() and idle() wait for them. */
  readonly runners: Set<Promise<void>>;
  /** argocd-cm as last read. */
  settings(): ArgoCdSettings;
  /** stop() was called: nothing new may start. */
  stopped(): boolean;
  /** The watch's copy of an app, unparsed. */
  rawApp(key: string): KubeObject | undefined;
  /** The watch's copy of an app, parsed (undefined when gone or invalid). */
  latestApp(key: string): Application | undefined;
  /** The watch's copy of an AppProject of the control namespace. */
  rawProject(name: string): KubeObject | undefined;
}

/** The app's memory, created empty on first use. */
export function appState(ctx: ControllerContext, key: string): AppState {
  let st = ctx.states.get(key);
  if (st === undefined) {
    st = { selfHeal: { attempts: 0, lastAt: 0, revision: '' }, nextRefreshScheduled: false, finishedOperations: [] };
    ctx.states.set(key, st);
  }
  return st;
}

/** Whether this replica owns the app's cluster's shard (always, without sharding). */
export function isMine(ctx: ControllerContext, app: Application): boolean {
  if (ctx.shards === undefined || ctx.options.sharding === undefined) return true;
  const cluster = ctx.registry.find(app.spec.destination);
  return ctx.shards.owns(shardOf(cluster?.server ?? '', ctx.options.sharding.replicas, cluster?.shard));
}

/** The app's project name, with the empty name meaning `default`. */
export function projectNameOf(app: Application): string {
  return app.spec.project === '' ? DEFAULT_PROJECT_NAME : app.spec.project;
}

/** The app's AppProject, parsed (undefined when missing or invalid). */
export function projectOf(ctx: ControllerContext, app: Application): AppProject | undefined {
  const raw = ctx.rawProject(projectNameOf(app));
  if (raw === undefined) return undefined;
  try {
    return parseAppProject(raw);
  } catch {
    return undefined;
  }
}
