// An upgrade of the install while a sync runs: the controller container (the install's image, run with
// podman as the controller's ServiceAccount) is killed in the middle of an operation — a Sync hook Job in
// wave 1 is held (created suspended, so the job controller starts no Pod until the test resumes it) — the
// controller Deployment is rolled to a new image tag, and a container of the new image takes over. The
// operation resumes from status.operationState and ends Succeeded: every resource applied once (a
// ConfigMap of wave 0 that the test changes after it was applied keeps the change), the hook not run twice
// (the same Job, one Pod).
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Application } from '../../src/model/index.js';
import { serverSideApply, waitUntil } from '../harness/kube.js';
import { useInstall, type RoleContainer } from '../harness/in-cluster.js';
import { podman } from '../harness/podman.js';
import { KubeRest } from '../../src/kube/rest.js';

const wave = (name: string, n: number): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  annotations:\n    argocd.argoproj.io/sync-wave: "${n}"\ndata:\n  wave: "${n}"\n`;

/** A Sync hook in wave 1 that holds the sync: suspended, it runs no Pod (the test resumes it). */
const heldHook = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: Sync
    argocd.argoproj.io/sync-wave: "1"
spec:
  suspend: true
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.kawa.example/migrate:1.0
`;

const fx = useInstall({
  files: { 'waves/a.yaml': wave('wave-a', 0), 'waves/job.yaml': heldHook, 'waves/b.yaml': wave('wave-b', 1), 'waves/c.yaml': wave('wave-c', 2) },
});

const plural = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
// A name no other test file uses: tracking ids name the app, not its namespace, and the controllers of other
// files watch the whole shared cluster — another file's app `waves` would see this one's objects as its own.
const APP = 'upgrade-waves';

describe('upgrade while a sync runs', () => {
  it('a controller killed mid-sync and replaced by the new image resumes the operation: Succeeded, each resource applied once, the hook not run twice', async () => {
    const custom = fx.kc.makeApiClient(CustomObjectsApi);
    const core = fx.kc.makeApiClient(CoreV1Api);
    const batch = fx.kc.makeApiClient(BatchV1Api);
    const getApp = async (): Promise<Application> => (await custom.getNamespacedCustomObject({ ...plural, namespace: fx.ns, name: APP })) as Application;
    const withLog = (c: RoleContainer) => (err: unknown): never => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- ${c.name} log ---\n${c.logs().slice(-4000)}`);
    };

    await fx.waitHealthy(await fx.startRole('repo-server'));
    // The server too, as installed: it creates the `default` AppProject at its first start.
    const [old, server] = await Promise.all([fx.startRole('application-controller', { name: 'old' }), fx.startRole('server')]);
    await Promise.all([fx.waitHealthy(old), fx.waitHealthy(server)]);

    await custom.createNamespacedCustomObject({
      ...plural,
      namespace: fx.ns,
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: APP, namespace: fx.ns },
        spec: { project: 'default', source: { repoURL: fx.gitUrl, path: 'waves', targetRevision: 'HEAD' }, destination: { server: 'https://kubernetes.default.svc', namespace: fx.dest } },
        operation: { sync: {}, initiatedBy: { username: 'admin' } },
      },
    });
    // Mid-sync: wave 0 applied, the hook of wave 1 created and held, wave 2 not started.
    const midway = await waitUntil('wave 0 applied and the hook running', getApp, (a) => {
      const names = a.status?.operationState?.syncResult?.resources?.map((r) => r.name) ?? [];
      return names.includes('wave-a') && names.includes('migrate');
    }, { timeoutMs: 90_000, intervalMs: 250 }).catch(withLog(old));
    expect(midway.status?.operationState?.phase).toBe('Running');
    const jobBefore = await batch.readNamespacedJob({ name: 'migrate', namespace: fx.dest });
    expect(jobBefore.spec?.suspend).toBe(true);
    // A change to a resource the first controller already applied: a second apply of it would undo this.
    await serverSideApply(fx.kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wave-a', namespace: fx.dest }, data: { wave: 'changed after apply' } });

    // The old controller dies at once (SIGKILL: no step boundary, its Lease left to expire).
    await old.kill('SIGKILL');
    const stopped = await getApp();
    expect(stopped.status?.operationState?.phase).toBe('Running');
    expect(stopped.status?.operationState?.syncResult?.resources?.some((r) => r.name === 'wave-c')).toBe(false);

    // The upgrade: a new image tag (the same archive under a second name), rolled out to the Deployment;
    // kwok replaces its Pod (kwok runs no container: the podman container below is the controller).
    const newImage = `${fx.image.replace(/:[^:/]*$/, '')}:upgrade-${fx.release}`;
    await podman(['tag', fx.image, newImage]);
    try {
      const deployment = structuredClone(fx.deployment('application-controller')) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
      const container = deployment.spec.template.spec.containers[0];
      if (container === undefined) throw new Error('the controller Deployment has no container');
      container.image = newImage;
      await serverSideApply(fx.kc, deployment as never);
      const apps = fx.kc.makeApiClient(AppsV1Api);
      await waitUntil('the controller Deployment rolled out', () => apps.readNamespacedDeployment({ name: fx.nameOf('application-controller'), namespace: fx.ns }), (d) =>
        d.spec?.template.spec?.containers[0]?.image === newImage && (d.status?.updatedReplicas ?? 0) === 1 && (d.status?.readyReplicas ?? 0) === 1 && (d.status?.replicas ?? 0) === 1,
      { timeoutMs: 60_000 });

      const next = await fx.startRole('application-controller', { name: 'new', image: newImage });
      // Ready once it holds the Lease the old one left (it expires after the lease duration).
      await fx.waitHealthy(next, 90_000);
      // Let the hook run: the job controller starts its Pod, kwok completes it.
      const rest = new KubeRest(fx.kc);
      try {
        await rest.request('PATCH', `/apis/batch/v1/namespaces/${fx.dest}/jobs/migrate`, { body: { spec: { suspend: false } }, contentType: 'application/merge-patch+json' });
      } finally {
        rest.close();
      }

      const done = await waitUntil('the operation Succeeded', getApp, (a) => a.status?.operationState?.phase === 'Succeeded' && a.operation === undefined, { timeoutMs: 90_000, intervalMs: 500 }).catch(withLog(next));
      const names = done.status?.operationState?.syncResult?.resources?.map((r) => r.name) ?? [];
      expect(names.sort()).toEqual(['migrate', 'wave-a', 'wave-b', 'wave-c']);
      expect(done.status?.history).toHaveLength(1);
      // The hook ran once: the same Job, one Pod.
      const jobAfter = await batch.readNamespacedJob({ name: 'migrate', namespace: fx.dest });
      expect(jobAfter.metadata?.uid).toBe(jobBefore.metadata?.uid);
      const pods = await core.listNamespacedPod({ namespace: fx.dest, labelSelector: `batch.kubernetes.io/job-name=migrate` });
      expect(pods.items).toHaveLength(1);
      // wave-a was not applied again by the new controller.
      const a = await core.readNamespacedConfigMap({ name: 'wave-a', namespace: fx.dest });
      expect(a.data?.['wave']).toBe('changed after apply');
      expect((await core.readNamespacedConfigMap({ name: 'wave-c', namespace: fx.dest })).data?.['wave']).toBe('2');
    } finally {
      await podman(['untag', newImage, newImage], { allowFailure: true });
    }
  });
});
