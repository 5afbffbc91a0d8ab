// Smoke test across the real boundary: the local control plane is a working Kubernetes.
// A Deployment becomes Available through the real controller-manager, scheduler and kwok;
// a Job completes, and a Job labelled to fail fails; RBAC and service-account tokens are on.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  VersionApi,
  type V1Deployment,
  type V1Job,
} from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { serverSideApply, testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';

const ns = useNamespace('smoke');

function deployment(name: string, namespace: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

function job(name: string, namespace: string, outcome?: 'fail'): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: outcome ? { 'kawa.dev/kwok-outcome': outcome } : {} },
        spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'registry.example/task:1.0' }] },
      },
    },
  };
}

describe('local control plane', () => {
  const kc = testKubeConfig();

  it('reports the pinned Kubernetes release', async () => {
    const info = await kc.makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toBe(inject('kubernetesVersion'));
  });

  it('has Ready kwok nodes', async () => {
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    const ready = nodes.items.filter(
      (n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake' && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    expect(ready.length).toBeGreaterThanOrEqual(2);
  });

  it('server-side applies a Deployment that becomes Available with ready replicas', async () => {
    const applied = await serverSideApply(kc, deployment('web', ns.name, 2));
    expect(applied.metadata?.managedFields?.some((f) => f.manager === 'kawa-e2e' && f.operation === 'Apply')).toBe(true);
    const apps = kc.makeApiClient(AppsV1Api);
    const live = await waitUntil(
      'Deployment web to become Available',
      () => apps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
      (d) => d.status?.readyReplicas === 2 && (d.status.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True'),
    );
    expect(live.status?.availableReplicas).toBe(2);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
    }
  });

  it('runs a Job to completion', async () => {
    await serverSideApply(kc, job('task-ok', ns.name));
    const batch = kc.makeApiClient(BatchV1Api);
    const done = await waitUntil(
      'Job task-ok to complete',
      () => batch.readNamespacedJob({ name: 'task-ok', namespace: ns.name }),
      (j) => (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True'),
    );
    expect(done.status?.succeeded).toBe(1);
  });

  it('fails a Job whose Pods are labelled kawa.dev/kwok-outcome=fail', async () => {
    await serverSideApply(kc, job('task-bad', ns.name, 'fail'));
    const batch = kc.makeApiClient(BatchV1Api);
    const failed = await waitUntil(
      'Job task-bad to fail',
      () => batch.readNamespacedJob({ name: 'task-bad', namespace: ns.name }),
      (j) => (j.status?.conditions ?? []).some((c) => c.type === 'Failed' && c.status === 'True'),
    );
    expect(failed.status?.failed).toBe(1);
    expect((failed.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True')).toBe(false);
  });

  it('enforces RBAC on a signed service-account token', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'nobody' } } });
    const token = await core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    expect(token.status?.token.split('.')).toHaveLength(3);
    const asNobody = new KubeConfig();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    asNobody.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'nobody', token: token.status?.token ?? '' }],
      contexts: [{ name: 'nobody', cluster: cluster.name, user: 'nobody' }],
      currentContext: 'nobody',
    });
    const denied = await asNobody
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace: ns.name })
      .then(() => 0, (err: unknown) => (err as { code?: number }).code ?? -1);
    expect(denied).toBe(403);
  });
});
