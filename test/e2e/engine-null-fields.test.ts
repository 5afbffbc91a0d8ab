// Manifests with fields written with no value (YAML null): `labels:`, `annotations:`, `finalizers:`,
// `env:`, `data:`, `status:`, a sync annotation or a label with no value. The API server reads a null
// field as absent (and stores a null label as ""); so must kawa, end to end: the render drops null
// metadata fields, the sync applies every object to the real API server, the re-compare finds zero
// differences and the app turns Healthy. The same objects handed to the engine without the render
// (nulls in metadata included) sync just as well.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { SyncApp } from '../../src/engine/index.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { renderSource } from '../../src/render/index.js';
import { resultsOf, sync, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const MANIFESTS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: placeholder
  labels:
  annotations:
data:
binaryData:
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  finalizers:
  ownerReferences:
imagePullSecrets:
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace:
  labels:
    app.kubernetes.io/name: web
  annotations:
    argocd.argoproj.io/sync-wave:
    argocd.argoproj.io/sync-options:
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
      annotations:
    spec:
      serviceAccountName: web
      nodeSelector:
      tolerations:
      containers:
        - name: web
          image: registry.kawa.example/web:1.0
          args:
          env:
          envFrom:
          ports:
          resources:
status:
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    tier:
  annotations:
spec:
  selector:
    app.kubernetes.io/name: web
  ports:
    - name: http
      port: 80
      targetPort: 8080
  externalIPs:
`;

const fx = useEngine();
let repo: string;

beforeAll(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'kawa-null-fields-'));
  await writeFile(path.join(repo, 'app.yaml'), MANIFESTS);
});

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

/** The app's comparison once every object is live and the Deployment is Healthy; asserts no difference on the way. */
async function syncedAndHealthy(app: SyncApp): Promise<void> {
  const seen = new Set<string>();
  const compared = await waitUntil(
    'app Healthy',
    () => Promise.resolve(fx.engine.compare(app)),
    (c) => {
      if (c.resources.some((r) => r.live === undefined)) return false;
      for (const r of c.resources) for (const d of r.diff?.differences ?? []) seen.add(`${r.kind}/${r.name} ${d.kind} ${d.path}`);
      return c.health.status === 'Healthy';
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  expect([...seen]).toEqual([]);
  expect(compared.sync).toBe('Synced');
  expect(compared.conditions).toEqual([]);
  expect(compared.resources.map((r) => `${r.kind}/${r.name} ${r.status} ${r.diff?.differences.length ?? '-'}`)).toEqual([
    'ConfigMap/placeholder Synced 0',
    'Service/web Synced 0',
    'ServiceAccount/web Synced 0',
    'Deployment/web Synced 0',
  ]);
}

describe('objects with fields written with no value', () => {
  it('render without null metadata, sync to the API server, and compare Synced with zero differences', async () => {
    const rendered = await renderSource({ repoRoot: repo, path: '.' });
    const desired = rendered.objects.map((o) => o.object);
    expect(desired.map((o) => o.metadata)).toEqual([
      { name: 'placeholder' },
      { name: 'web' },
      { name: 'web', labels: { 'app.kubernetes.io/name': 'web' }, annotations: { 'argocd.argoproj.io/sync-wave': null, 'argocd.argoproj.io/sync-options': null } },
      { name: 'web', labels: { tier: null } },
    ]);

    const ns = await fx.namespace('nulls');
    const app: SyncApp = { name: `${ns}-nulls`, destinationNamespace: ns, desired };
    expect(fx.engine.compare(app).sync).toBe('OutOfSync');
    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    expect(resultsOf(record)).toEqual({ 'ConfigMap/placeholder': 'Synced', 'ServiceAccount/web': 'Synced', 'Deployment/web': 'Synced', 'Service/web': 'Synced' });
    await syncedAndHealthy(app);

    // A second sync changes nothing and stays in sync.
    const again = await sync(fx.engine, app);
    expect(again.phase, again.message).toBe('Succeeded');
    expect(fx.engine.compare(app).sync).toBe('Synced');

    const core = fx.kc.makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ name: 'placeholder', namespace: ns });
    expect([cm.data, cm.metadata?.labels, Object.keys(cm.metadata?.annotations ?? {})]).toEqual([undefined, undefined, ['argocd.argoproj.io/tracking-id']]);
    // A label written with no value is stored as "" by the API server, and compares equal to it.
    expect((await core.readNamespacedService({ name: 'web', namespace: ns })).metadata?.labels).toEqual({ tier: '' });

    // The template's `annotations:` with no value made kawa own that (empty) field. `kubectl rollout
    // restart` adds an annotation there, which a sync keeps: no drift, before or after the sync.
    const apps = fx.kc.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: ns, fieldManager: 'kubectl-rollout', body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitUntil('restart seen', () => Promise.resolve(fx.cache.getByRef({ group: 'apps', kind: 'Deployment', namespace: ns, name: 'web' })), (d) => JSON.stringify(d).includes('restartedAt'));
    expect(fx.engine.compare(app).sync).toBe('Synced');
    const afterRestart = await sync(fx.engine, app);
    expect(afterRestart.phase, afterRestart.message).toBe('Succeeded');
    const restarted = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(restarted.spec?.template.metadata?.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' });
    await syncedAndHealthy(app);
  });

  it('sync the same objects handed to the engine unrendered, nulls in metadata included', async () => {
    const desired = parseAllDocuments(MANIFESTS).map((doc) => doc.toJS() as KubeObject);
    expect(desired[0]?.metadata).toEqual({ name: 'placeholder', labels: null, annotations: null });
    const ns = await fx.namespace('nulls-raw');
    const app: SyncApp = { name: `${ns}-nulls`, destinationNamespace: ns, desired };
    const record = await sync(fx.engine, app);
    expect(record.phase, record.message).toBe('Succeeded');
    await syncedAndHealthy(app);
  });
});
