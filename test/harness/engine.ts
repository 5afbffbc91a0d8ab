// Helpers for engine tests on the real control plane: the example apps as objects, one live-state cache
// and engine per test file, a fresh namespace per test, and a persist function that keeps every record.
import { AuthenticationV1TokenRequest, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createEngine, type Engine, type EngineOptions, type OperationRecord, type SyncApp } from '../../src/engine/index.js';
import { ClusterCache } from '../../src/kube/cache.js';
import type { ApiResource } from '../../src/kube/discovery.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { projectRoot } from '../../src/tools/pins.js';
import { testKubeConfig, waitUntil } from './kube.js';

/** The objects of an example app (`examples/<dir>/*.yaml`, in file order), parsed as the render would. */
export function loadExample(dir: string): KubeObject[] {
  const root = join(projectRoot(), 'examples', dir);
  return readdirSync(root)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(root, file), 'utf8'))
        .map((doc) => doc.toJS() as unknown)
        .filter((value): value is KubeObject => typeof value === 'object' && value !== null),
    );
}

/** Copies of objects with changes applied to each (tests never mutate the shared example objects). */
export function edit(objects: readonly KubeObject[], change: (obj: KubeObject) => KubeObject | undefined): KubeObject[] {
  return objects.flatMap((obj): KubeObject[] => {
    const changed = change(structuredClone(obj));
    return changed === undefined ? [] : [changed];
  });
}

export interface EngineFixture {
  readonly kc: KubeConfig;
  readonly rest: KubeRest;
  readonly cache: ClusterCache;
  readonly engine: Engine;
  /** A new namespace, deleted after the file's tests. */
  namespace(prefix: string): Promise<string>;
  /** A namespace name that does not exist yet (for CreateNamespace), deleted after the file's tests. */
  reserveNamespace(prefix: string): string;
  /** An engine with other settings over the same cache. */
  engineWith(options: Partial<EngineOptions>): Engine;
}

/** One cache and engine for a test file, started before its tests and stopped after. */
export function useEngine(options: Partial<EngineOptions> = {}): EngineFixture {
  const kc = testKubeConfig();
  const rest = new KubeRest(kc);
  const cache = new ClusterCache({ kubeConfig: kc, rest, discoveryMinIntervalMs: 200, backoff: { initialMs: 100, maxMs: 2000 } });
  const namespaces: string[] = [];
  const base: EngineOptions = { rest, cache, waveDelayMs: 0, pollMs: 200, ...options };
  const fixture: EngineFixture = {
    kc,
    rest,
    cache,
    engine: createEngine(base),
    namespace: async (prefix) => {
      const name = `${prefix}-${randomBytes(3).toString('hex')}`;
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels: { 'kawa.dev/test': 'true' } } } });
      namespaces.push(name);
      return name;
    },
    reserveNamespace: (prefix) => {
      const name = `${prefix}-${randomBytes(3).toString('hex')}`;
      namespaces.push(name);
      return name;
    },
    engineWith: (more) => createEngine({ ...base, ...more }),
  };
  beforeAll(async () => {
    await cache.start();
    await cache.synced();
  });
  afterAll(async () => {
    await cache.stop();
    const core = kc.makeApiClient(CoreV1Api);
    await Promise.all(namespaces.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
    rest.close();
  });
  return fixture;
}

/** Keeps a JSON copy of every persisted record, as a store would. */
export function recorder(): { records: OperationRecord[]; persist: (record: OperationRecord) => void; last(): OperationRecord } {
  const records: OperationRecord[] = [];
  return {
    records,
    persist: (record) => {
      records.push(JSON.parse(JSON.stringify(record)) as OperationRecord);
    },
    last: () => {
      const record = records.at(-1);
      if (record === undefined) throw new Error('nothing persisted');
      return record;
    },
  };
}

/** Start, run to the end, return the final record. */
export async function sync(engine: Engine, app: SyncApp, sync: NonNullable<Parameters<Engine['startSync']>[0]['operation']['sync']> = {}): Promise<OperationRecord> {
  const { persist } = recorder();
  const record = await engine.startSync({ app, operation: { sync }, persist });
  return engine.runToCompletion({ record, app, persist });
}

/** `Kind/name → status` of a record's results, for one-line assertions. */
export function resultsOf(record: OperationRecord): Record<string, string> {
  return Object.fromEntries(
    (record.syncResult?.resources ?? []).map((r) => [`${r.kind ?? ''}/${r.name ?? ''}${r.hookType === undefined ? '' : `@${r.hookType}`}`, `${r.status ?? ''}${r.hookPhase === undefined ? '' : ` ${r.hookPhase}`}`]),
  );
}

/** The task of a record whose id ends with `suffix` (`/ConfigMap:ns/name`), if started. */
export function taskOf(record: OperationRecord, suffix: string): OperationRecord['kawa']['tasks'][string] | undefined {
  return Object.entries(record.kawa.tasks).find(([id]) => id.endsWith(suffix))?.[1];
}

/** Index of the first persisted record in which the task ending with `suffix` had started (-1: never). */
export function startedIn(records: readonly OperationRecord[], suffix: string): number {
  return records.findIndex((r) => taskOf(r, suffix) !== undefined);
}

/**
 * A kubeconfig for a ServiceAccount `restricted-<ns>` allowed, on every served resource, the verbs
 * `verbsFor` gives it (none: the resource is left out; RBAC cannot deny, so the rules are listed from
 * discovery). The ClusterRole and binding of the same name are the caller's to delete.
 */
export async function restrictedKubeConfig(fx: EngineFixture, ns: string, verbsFor: (resource: ApiResource) => string[]): Promise<KubeConfig> {
  const core = fx.kc.makeApiClient(CoreV1Api);
  const rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
  const sa = `restricted-${ns}`;
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } });
  const rules: V1PolicyRule[] = fx.cache.discoveredResources().flatMap((r) => {
    const verbs = verbsFor(r);
    return verbs.length === 0 ? [] : [{ apiGroups: [r.group], resources: [r.resource], verbs }];
  });
  await rbac.createClusterRole({ body: { metadata: { name: sa, labels: { 'kawa.dev/test': 'true' } }, rules } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: sa, labels: { 'kawa.dev/test': 'true' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: sa },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    },
  });
  const request: AuthenticationV1TokenRequest = { spec: { audiences: [], expirationSeconds: 3600 } };
  const token = await core.createNamespacedServiceAccountToken({ name: sa, namespace: ns, body: request });
  const cluster = fx.kc.getCurrentCluster();
  if (cluster === null || token.status?.token === undefined) throw new Error('no cluster or token');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: sa, token: token.status.token }],
    contexts: [{ name: sa, cluster: cluster.name, user: sa }],
    currentContext: sa,
  });
  return kc;
}

/** Deletes the ClusterRole and binding {@link restrictedKubeConfig} made for `ns`. */
export async function removeRestricted(fx: EngineFixture, ns: string): Promise<void> {
  const rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: `restricted-${ns}` }).catch(() => undefined);
  await rbac.deleteClusterRole({ name: `restricted-${ns}` }).catch(() => undefined);
}

/** A ConfigMap whose data names it, with optional annotations (waves, sync options). */
export function configMap(name: string, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(Object.keys(annotations).length === 0 ? {} : { annotations }) }, data: { name } };
}

/** The ConfigMaps in a namespace, sorted, without the one Kubernetes puts in every namespace. */
export async function configMapNames(fx: EngineFixture, ns: string): Promise<string[]> {
  const list = await fx.kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns });
  return list.items.map((cm) => cm.metadata?.name ?? '').filter((name) => name !== 'kube-root-ca.crt').sort();
}

/** Syncs `desired` and waits until the cache shows every object, so the next compare or start sees them. */
export async function deploy(fx: EngineFixture, app: SyncApp): Promise<void> {
  const record = await sync(fx.engine, app);
  expect(record.phase, record.message).toBe('Succeeded');
  await waitUntil('the cache to show the app', () => Promise.resolve(fx.engine.compare(app).sync), (s) => s === 'Synced');
}
