// startServer as `kawa server` runs it: real kubeconfig, bootstrap of a fresh namespace (CRDs, default
// project, admin password, server key), RBAC loaded, listening on a real socket.
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { testKubeConfig, useNamespace } from '../harness/kube.js';

const ns = useNamespace('srvstart');

describe('startServer', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('bootstraps a fresh namespace and serves the API over HTTP', async () => {
    const kc = testKubeConfig();
    server = await startServer({ kubeConfig: kc, namespace: ns.name, host: '127.0.0.1', port: 0, installCrds: true, logger: pino({ level: 'silent' }) });

    const health = await fetch(`${server.address}/healthz?full=true`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);

    const custom = kc.makeApiClient(CustomObjectsApi);
    const project = (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'appprojects', namespace: ns.name, name: 'default' })) as { spec: unknown };
    expect(project.spec).toEqual({ sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] });

    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: ns.name });
    const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
    const login = await fetch(`${server.address}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };

    const list = await fetch(`${server.address}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name)).toEqual(['default']);

    const metrics = await (await fetch(`${server.address}/metrics`)).text();
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);
  });
});
