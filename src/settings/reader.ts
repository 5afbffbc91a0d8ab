// One watch-backed reader of Argo CD's settings objects in the control-plane namespace, for every role
// (Argo CD's SettingsManager is the model): argocd-cm, argocd-rbac-cm, argocd-secret, the Secrets labelled
// `app.kubernetes.io/part-of: argocd` (which `$<secret>:<key>` references may name) and the repository and
// cluster Secrets (`argocd.argoproj.io/secret-type`). Two informers (ConfigMaps, Secrets of the namespace)
// keep them in memory, so reading a setting costs no API call.
//
// Decisions:
// - The informers list the namespace's ConfigMaps and Secrets unfiltered and keep only the objects above
//   (minus the Secrets a role says are never settings: `ignoreSecret`). kawa has always read argocd-cm and
//   argocd-secret by name, labelled or not; a part-of label selector would stop seeing unlabelled ones.
// - Readers see a write of their own through the watch; `waitForResourceVersion` lets a writer wait until
//   its write has arrived, so a login right after a password change sees the new password. `catchUp` does
//   the same for writes of others, at the cost of one list: for explicit reloads, never per request.
// - Before the first list completes nothing is known; `synced` says so and each consumer decides (auth
//   fails closed). `waitForSync` bounds the wait at start-up.
import { Informer, type InformerEvent, type InformerLogger as KubeLogger, type ListWatch } from '../kube/informer.js';
import type { ApiResource } from '../kube/discovery.js';
import { kubeListWatch } from '../kube/listwatch.js';
import type { KubeObject } from '../kube/objects.js';
import type { KubeRest } from '../kube/rest.js';
import { SECRET_TYPE_LABEL } from '../model/secrets.js';
import { ARGOCD_CM_NAME, ARGOCD_RBAC_CM_NAME, ARGOCD_SECRET_NAME, decodeSecretData, isPartOfArgoCd } from '../model/settings.js';

export const CONFIGMAPS: ApiResource = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: ['list', 'watch'] };
export const SECRETS: ApiResource = { group: '', version: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true, verbs: ['list', 'watch'] };

/** The ConfigMaps the reader keeps. */
export const SETTINGS_CONFIGMAPS: readonly string[] = [ARGOCD_CM_NAME, ARGOCD_RBAC_CM_NAME];

export type SettingsKind = 'ConfigMap' | 'Secret';

export interface SettingsChange {
  readonly kind: SettingsKind;
  readonly name: string;
  readonly type: InformerEvent['type'];
}

/** Where the two informers list and watch: the namespace's ConfigMaps and Secrets (tests inject fakes). */
export interface SettingsSources {
  readonly configMaps: ListWatch;
  readonly secrets: ListWatch;
}

export interface SettingsReaderOptions {
  readonly namespace: string;
  readonly sources: SettingsSources;
  readonly log?: KubeLogger;
  /**
   * Secrets not to keep although labelled part-of argocd: a role's own records that are never settings
   * (the server's session revocations: many, and changing at every logout).
   */
  readonly ignoreSecret?: (obj: KubeObject) => boolean;
}

/** The list+watch sources of a real cluster: the namespace's ConfigMaps and Secrets. */
export function kubeSettingsSources(rest: KubeRest, namespace: string): SettingsSources {
  return { configMaps: kubeListWatch(rest, CONFIGMAPS, { namespace }), secrets: kubeListWatch(rest, SECRETS, { namespace }) };
}

/**
 * Sources that list nothing and watch for ever: a server built without any cluster to read (a test of its
 * routes' shapes) reads every setting as absent.
 */
export function emptySettingsSources(): SettingsSources {
  const nothing: ListWatch = {
    list: () => Promise.resolve({ items: [], resourceVersion: '0' }),
    watch: () => {
      let end!: () => void;
      const done = new Promise<void>((resolve) => (end = resolve));
      return {
        done,
        abort: () => {
          end();
        },
      };
    },
  };
  return { configMaps: nothing, secrets: nothing };
}

/** A Secret the reader keeps: argocd-secret, one labelled part-of argocd, or a repository/cluster Secret. */
export function isSettingsSecret(obj: { metadata?: { name?: string | undefined; labels?: Record<string, string> | undefined } | undefined }): boolean {
  return obj.metadata?.name === ARGOCD_SECRET_NAME || isPartOfArgoCd(obj) || obj.metadata?.labels?.[SECRET_TYPE_LABEL] !== undefined;
}

/** Kubernetes resourceVersions are opaque, but etcd's are integers: newer-or-equal when both parse. */
function reached(stored: string | undefined, wanted: string): boolean {
  if (stored === undefined) return false;
  if (stored === wanted) return true;
  return /^\d+$/.test(stored) && /^\d+$/.test(wanted) && BigInt(stored) >= BigInt(wanted);
}

interface Waiter {
  /** Re-checked after every change. */
  readonly done: () => boolean;
  readonly resolve: (reached: boolean) => void;
}

export class SettingsReader {
  private readonly configMaps: Informer;
  private readonly secrets: Informer;
  private readonly listeners = new Set<(change: SettingsChange) => void>();
  private readonly waiters = new Set<Waiter>();
  private generation = 0;
  private started = false;

  constructor(readonly options: SettingsReaderOptions) {
    const log = options.log;
    this.configMaps = new Informer({
      name: 'settings/ConfigMap',
      listWatch: options.sources.configMaps,
      // Name only: one namespace. Objects without a key are not stored (the other ConfigMaps).
      keyOf: (obj) => (SETTINGS_CONFIGMAPS.includes(obj.metadata?.name ?? '') ? obj.metadata?.name : undefined),
      onEvent: (event) => {
        this.changed('ConfigMap', event);
      },
      ...(log === undefined ? {} : { log }),
    });
    this.secrets = new Informer({
      name: 'settings/Secret',
      listWatch: options.sources.secrets,
      keyOf: (obj) => (isSettingsSecret(obj) && options.ignoreSecret?.(obj) !== true ? obj.metadata?.name : undefined),
      onEvent: (event) => {
        this.changed('Secret', event);
      },
      ...(log === undefined ? {} : { log }),
    });
  }

  static forCluster(rest: KubeRest, namespace: string, options: Omit<SettingsReaderOptions, 'namespace' | 'sources'> = {}): SettingsReader {
    return new SettingsReader({ ...options, namespace, sources: kubeSettingsSources(rest, namespace) });
  }

  get namespace(): string {
    return this.options.namespace;
  }

  /** Starts both informers (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.configMaps.start();
    this.secrets.start();
  }

  /** Whether both first lists have completed. */
  get synced(): boolean {
    return this.configMaps.isSynced && this.secrets.isSynced;
  }

  /** Resolves after both first lists (never rejects): for a role that waits as long as it takes. */
  get listed(): Promise<void> {
    return Promise.all([this.configMaps.synced, this.secrets.synced]).then(() => undefined);
  }

  /** Counts changes; derived values (parsed settings) are cached per generation. */
  get version(): number {
    return this.generation;
  }

  /** Starts the reader if needed and waits for both first lists; false when `timeoutMs` passed first. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    this.start();
    if (this.synced) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
      timer.unref();
    });
    // `settled` also ends the wait on a permanent failure (403) or close, so a forbidden list does not hang start-up.
    const settled = Promise.all([this.configMaps.settled, this.secrets.settled]).then(() => this.synced);
    try {
      return await Promise.race([settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops both informers; pending waits resolve as not reached. */
  async close(): Promise<void> {
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters.clear();
    this.listeners.clear();
    await Promise.all([this.configMaps.stop(), this.secrets.stop()]);
  }

  /** Called after every change of a kept object; returns the unsubscribe function. */
  onChange(listener: (change: SettingsChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A kept ConfigMap (argocd-cm, argocd-rbac-cm) as stored; undefined when it does not exist. */
  configMap(name: string): KubeObject | undefined {
    return this.configMaps.get(name);
  }

  /** A kept ConfigMap's data; undefined when the ConfigMap does not exist. */
  configMapData(name: string): Record<string, string> | undefined {
    const cm = this.configMaps.get(name);
    return cm === undefined ? undefined : { ...((cm['data'] as Record<string, string> | undefined) ?? {}) };
  }

  /** A kept Secret as stored (base64 `data`); undefined when it does not exist or is not one the reader keeps. */
  secret(name: string): KubeObject | undefined {
    return this.secrets.get(name);
  }

  /** A kept Secret's data, decoded; undefined when it does not exist. */
  secretData(name: string): Record<string, string> | undefined {
    const secret = this.secrets.get(name);
    return secret === undefined ? undefined : decodeSecretData(secret as { data?: Record<string, string> });
  }

  /**
   * The data a `$<secret>:<key>` reference may read: argocd-secret's, or a Secret labelled
   * `app.kubernetes.io/part-of: argocd` (so settings cannot be used to read any Secret of the namespace).
   */
  referableSecretData(name: string | undefined): Record<string, string> | undefined {
    if (name === undefined || name === ARGOCD_SECRET_NAME) return this.secretData(ARGOCD_SECRET_NAME);
    const secret = this.secrets.get(name);
    return secret !== undefined && isPartOfArgoCd(secret) ? decodeSecretData(secret as { data?: Record<string, string> }) : undefined;
  }

  /** Every kept Secret (repository and cluster Secrets among them), as stored. */
  allSecrets(): KubeObject[] {
    return [...this.secrets.values()];
  }

  /**
   * Resolves true once the reader holds `kind`/`name` at `resourceVersion` or newer (a write of the caller's
   * own arriving through the watch), false after `timeoutMs` or on close.
   */
  waitForResourceVersion(kind: SettingsKind, name: string, resourceVersion: string, timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => reached(this.storedVersion(kind, name), resourceVersion), timeoutMs);
  }

  /**
   * Lists `kind` once and resolves true when the watch has caught up with that list: every kept object at
   * its listed version or newer, and none the list no longer has. False after `timeoutMs` or on close.
   */
  async catchUp(kind: SettingsKind, timeoutMs: number): Promise<boolean> {
    const informer = kind === 'ConfigMap' ? this.configMaps : this.secrets;
    const source = kind === 'ConfigMap' ? this.options.sources.configMaps : this.options.sources.secrets;
    const keep = kind === 'ConfigMap' ? (obj: KubeObject) => SETTINGS_CONFIGMAPS.includes(obj.metadata?.name ?? '') : (obj: KubeObject) => isSettingsSecret(obj) && this.options.ignoreSecret?.(obj) !== true;
    const listed = new Map<string, string>();
    let listVersion = '';
    let continueToken: string | undefined;
    const signal = AbortSignal.timeout(timeoutMs);
    do {
      const page = await source.list({ limit: 500, signal, ...(continueToken === undefined ? {} : { continue: continueToken }) });
      for (const obj of page.items) {
        const name = obj.metadata?.name;
        if (name !== undefined && keep(obj)) listed.set(name, obj.metadata?.resourceVersion ?? '');
      }
      listVersion = page.resourceVersion;
      continueToken = page.continue;
    } while (continueToken !== undefined && continueToken !== '');
    return this.waitFor(() => {
      for (const [name, version] of listed) if (!reached(this.storedVersion(kind, name), version)) return false;
      // Stored but not listed: deleted before the list, unless created after it.
      for (const [name, obj] of informer.entries()) if (!listed.has(name) && !reached(obj.metadata?.resourceVersion, listVersion)) return false;
      return true;
    }, timeoutMs);
  }

  private waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        finish(false);
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter = { done, resolve: (ok) => { finish(ok); } };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(ok);
      };
      this.waiters.add(waiter);
    });
  }

  private storedVersion(kind: SettingsKind, name: string): string | undefined {
    const obj = kind === 'ConfigMap' ? this.configMaps.get(name) : this.secrets.get(name);
    return obj?.metadata?.resourceVersion;
  }

  private changed(kind: SettingsKind, event: InformerEvent): void {
    this.generation++;
    const name = event.obj.metadata?.name ?? event.key;
    for (const waiter of [...this.waiters]) if (waiter.done()) waiter.resolve(true);
    for (const listener of [...this.listeners]) listener({ kind, name, type: event.type });
  }
}
