// Every example app of examples/ all the way through kawa on the real control plane: rendered by
// renderSource from this repository (directory, Helm, Kustomize, Jsonnet with a TLA), synced by the
// engine, then Synced and Healthy with zero differences on an immediate re-compare and again once the
// controllers have written status (Deployments Available, Pods Ready via kwok, Jobs complete).
import { AppsV1Api, BatchV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AppComparison, OperationRecord, SyncApp } from '../../src/engine/index.js';
import { projectRoot } from '../../src/tools/pins.js';
import { renderSource, type RenderRequest, type SourceType } from '../../src/render/index.js';
import { resultsOf, sync, taskOf, useEngine } from '../harness/engine.js';
import { waitUntil } from '../harness/kube.js';

const fx = useEngine();

/** `Kind/name` of every difference the comparison reports (empty: no drift). */
function differences(c: AppComparison): string[] {
  return c.resources.flatMap((r) => (r.diff?.differences ?? []).map((d) => `${r.kind}/${r.name} ${d.path}`));
}

/** `Kind/name status` of the comparison's resources, hooks marked. */
function statuses(c: AppComparison): string[] {
  return c.resources.map((r) => `${r.kind}/${r.name}${r.hook === true ? ' (hook)' : ''} ${r.status}`).sort();
}

interface Synced {
  app: SyncApp;
  record: OperationRecord;
  /** The comparison once every Deployment is Available and the app Healthy. */
  settled: AppComparison;
}

/**
 * Renders `path` as an Application `<ns>-<name>` in a fresh namespace would, syncs it, checks the
 * immediate re-compare, then waits for the controllers and checks again.
 */
async function renderAndSync(prefix: string, path: string, type: SourceType, source?: RenderRequest['source']): Promise<Synced> {
  const ns = await fx.namespace(prefix);
  const appName = `${ns}-app`;
  const rendered = await renderSource({ repoRoot: projectRoot(), path, appName, namespace: ns, ...(source === undefined ? {} : { source }) });
  expect(rendered.sourceType).toBe(type);
  expect(rendered.warnings).toEqual([]);
  const app: SyncApp = { name: appName, destinationNamespace: ns, desired: rendered.objects.map((o) => o.object) };
  expect(fx.engine.compare(app).sync).toBe('OutOfSync');

  const record = await sync(fx.engine, app);
  expect(record.phase, record.message).toBe('Succeeded');
  expect(Object.values(resultsOf(record)).every((status) => status.startsWith('Synced')), JSON.stringify(resultsOf(record))).toBe(true);

  // Immediately after the operation, as soon as the watch has brought every applied object into the
  // cache (the operation does not wait for the last wave's events): nothing drifted.
  const immediate = await waitUntil(
    'the applied objects in the cache',
    () => Promise.resolve(fx.engine.compare(app)),
    (c) => c.resources.every((r) => r.hook === true || r.live !== undefined),
    { timeoutMs: 5_000, intervalMs: 10 },
  );
  expect(differences(immediate)).toEqual([]);
  expect(immediate.sync).toBe('Synced');

  // Until the controller-manager and kwok have made every Deployment Available: never a difference.
  const apps = fx.kc.makeApiClient(AppsV1Api);
  const drift: string[] = [];
  const settled = await waitUntil(
    'Deployments Available and the app Healthy',
    async () => {
      const list = await apps.listNamespacedDeployment({ namespace: ns });
      const c = fx.engine.compare(app);
      drift.push(...differences(c));
      if (c.sync !== 'Synced') drift.push(`sync ${c.sync}`);
      const available = list.items.every((d) => d.status?.conditions?.some((cond) => cond.type === 'Available' && cond.status === 'True') === true);
      // The cache may trail the API server by a moment: compare once more after both agree.
      return { available, c: available ? fx.engine.compare(app) : c };
    },
    ({ available, c }) => available && c.health.status === 'Healthy',
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  expect(drift).toEqual([]);
  expect(differences(settled.c)).toEqual([]);
  expect(settled.c.sync).toBe('Synced');
  expect(settled.c.health.status).toBe('Healthy');
  expect(settled.c.resources.filter((r) => r.hook !== true && r.status !== 'Synced')).toEqual([]);
  expect(settled.c.prune).toEqual([]);
  expect(settled.c.conditions).toEqual([]);
  return { app, record, settled: settled.c };
}

/** A Deployment's ready replicas, read from the API server. */
async function readyReplicas(ns: string, name: string): Promise<number | undefined> {
  return (await fx.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns })).status?.readyReplicas;
}

describe('example apps rendered and synced', () => {
  it('guestbook/ (directory)', async () => {
    const { app, settled } = await renderAndSync('ex-gb', 'examples/guestbook', 'Directory');
    expect(statuses(settled)).toEqual(['Deployment/guestbook-ui Synced', 'Service/guestbook-ui Synced']);
    expect(await readyReplicas(app.destinationNamespace ?? '', 'guestbook-ui')).toBe(2);
  });

  it('helm-guestbook/ (Helm): the pre-install hook runs as PreSync before the Deployment, outside the sync status', async () => {
    const { app, record, settled } = await renderAndSync('ex-helm', 'examples/helm-guestbook', 'Helm');
    const ns = app.destinationNamespace ?? '';
    const release = `${app.name}-helm-guestbook`;
    expect(resultsOf(record)).toEqual({
      [`Job/${release}-migrate@PreSync`]: 'Synced Succeeded',
      [`Deployment/${release}`]: 'Synced',
      [`Service/${release}`]: 'Synced',
    });
    // The engine's own timestamps: the hook finished before the Deployment's apply started.
    const hook = taskOf(record, `batch/Job:${ns}/${release}-migrate`);
    const deployment = taskOf(record, `apps/Deployment:${ns}/${release}`);
    expect(hook?.finishedAt).toBeDefined();
    expect(Date.parse(deployment?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(hook?.finishedAt ?? ''));
    // The cluster agrees (second resolution): the Job had completed when the Deployment was created.
    const job = await fx.kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: `${release}-migrate`, namespace: ns });
    const live = await fx.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: release, namespace: ns });
    expect(job.status?.succeeded).toBe(1);
    const completed = job.status?.completionTime;
    const created = live.metadata?.creationTimestamp;
    expect(completed).toBeDefined();
    expect(created).toBeDefined();
    expect(new Date(created ?? 0).getTime()).toBeGreaterThanOrEqual(new Date(completed ?? Date.now()).getTime());
    // The hook (kept: before-hook-creation) never counts in the app's sync status.
    expect(statuses(settled)).toEqual([`Deployment/${release} Synced`, `Job/${release}-migrate (hook) Synced`, `Service/${release} Synced`]);
    expect(settled.resources.find((r) => r.kind === 'Job')?.diff).toBeUndefined();
    expect(await readyReplicas(ns, release)).toBe(1);
  });

  it('kustomize-guestbook/overlays/dev (Kustomize): prefix, replicas, labels and image of the overlay', async () => {
    const { app, settled } = await renderAndSync('ex-kust', 'examples/kustomize-guestbook/overlays/dev', 'Kustomize');
    expect(statuses(settled)).toEqual(['Deployment/dev-guestbook-ui Synced', 'Service/dev-guestbook-ui Synced']);
    const ns = app.destinationNamespace ?? '';
    const live = await fx.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'dev-guestbook-ui', namespace: ns });
    expect(live.metadata?.labels?.['app.kubernetes.io/part-of']).toBe('guestbook');
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('registry.kawa.example/guestbook-ui:0.3');
    expect(await readyReplicas(ns, 'dev-guestbook-ui')).toBe(1);
  });

  it('jsonnet-guestbook/ (Jsonnet) with the defaults and with the TLA replicas=2', async () => {
    const defaults = await renderAndSync('ex-jsonnet', 'examples/jsonnet-guestbook', 'Directory');
    expect(statuses(defaults.settled)).toEqual(['Deployment/jsonnet-guestbook Synced', 'Service/jsonnet-guestbook Synced']);
    expect(await readyReplicas(defaults.app.destinationNamespace ?? '', 'jsonnet-guestbook')).toBe(1);

    const source = { directory: { jsonnet: { tlas: [{ name: 'replicas', value: '2', code: true }] } } };
    const tla = await renderAndSync('ex-tla', 'examples/jsonnet-guestbook', 'Directory', source);
    expect(statuses(tla.settled)).toEqual(['Deployment/jsonnet-guestbook Synced', 'Service/jsonnet-guestbook Synced']);
    expect(await readyReplicas(tla.app.destinationNamespace ?? '', 'jsonnet-guestbook')).toBe(2);
  });

  it('hooks-waves/ (directory): PostSync completes, the HookSucceeded PreSync hook is deleted, SyncFail not run', async () => {
    const { app, record, settled } = await renderAndSync('ex-hw', 'examples/hooks-waves', 'Directory');
    const ns = app.destinationNamespace ?? '';
    expect(resultsOf(record)).toMatchObject({
      'ConfigMap/app-config': 'Synced',
      'Deployment/backend': 'Synced',
      'Deployment/frontend': 'Synced',
      'Job/smoke-test@PostSync': 'Synced Succeeded',
    });
    const results = record.syncResult?.resources ?? [];
    expect(results.find((r) => r.hookType === 'PreSync')).toMatchObject({ status: 'Synced', hookPhase: 'Succeeded' });
    expect(results.some((r) => r.hookType === 'SyncFail')).toBe(false);
    expect(statuses(settled)).toEqual(['ConfigMap/app-config Synced', 'Deployment/backend Synced', 'Deployment/frontend Synced', 'Job/smoke-test (hook) Synced']);

    const batch = fx.kc.makeApiClient(BatchV1Api);
    const smoke = await batch.readNamespacedJob({ name: 'smoke-test', namespace: ns });
    expect(smoke.status?.succeeded).toBe(1);
    expect(smoke.status?.completionTime).toBeDefined();
    await waitUntil(
      'the PreSync hook deleted (HookSucceeded)',
      async () => (await batch.listNamespacedJob({ namespace: ns })).items.map((j) => j.metadata?.name ?? ''),
      (names) => names.length === 1 && names[0] === 'smoke-test',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(await readyReplicas(ns, 'backend')).toBe(1);
    expect(await readyReplicas(ns, 'frontend')).toBe(1);
  });
});
