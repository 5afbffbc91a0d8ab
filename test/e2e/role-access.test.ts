// Each role checks its Kubernetes permissions at start (issue 15: "missing RBAC is reported by the role at
// start with the exact missing verb and resource, not as a crash loop"). Against the real API server, as
// ServiceAccounts holding exactly a role's declared permissions (from its permissions.ts, as Role and
// ClusterRole rules) minus one, authenticated with a token from the TokenRequest API: the check names that
// one permission, /healthz answers 503 with it, and granting it (editing the Role) lets the wait resolve.
// Then the role really starts with its declared permissions only, which shows the lists are sufficient.
import { ApiextensionsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerMetrics, runController } from '../../src/controller/index.js';
import { CONTROLLER_PERMISSIONS, controllerPermissions, waitForControllerAccess } from '../../src/controller/permissions.js';
import { formatMissing, missingPermissions, policyRulesOf, type AccessState, type RolePermission } from '../../src/kube/access-review.js';
import { SERVER_PERMISSIONS, serverPermissions, waitForServerAccess } from '../../src/server/permissions.js';
import { ensureCrds, startServer } from '../../src/server/index.js';
import { testKubeConfig, useNamespace, waitFor } from '../harness/kube.js';

const ns = useNamespace('access');
const admin = testKubeConfig();
const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
const core = admin.makeApiClient(CoreV1Api);
const clusterObjects: string[] = [];

/**
 * A ServiceAccount `sa` in the test namespace holding `permissions`: the namespace-scoped ones through a Role
 * `sa`, the cluster-scoped ones through a ClusterRole; a kubeconfig with a TokenRequest token for it.
 */
async function serviceAccountWith(sa: string, permissions: readonly RolePermission[]): Promise<KubeConfig> {
  const namespace = ns.name;
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: sa } } });
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: sa }, rules: policyRulesOf(permissions.filter((p) => p.scope === 'namespace')) } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name: sa }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace }] },
  });
  const clusterName = `${namespace}-${sa}`;
  clusterObjects.push(clusterName);
  const labels = { 'kawa.dev/test': 'true' };
  await rbac.createClusterRole({ body: { metadata: { name: clusterName, labels }, rules: policyRulesOf(permissions.filter((p) => p.scope === 'cluster')) } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({ name: sa, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = admin.getCurrentCluster();
  if (cluster === null || token.status?.token === undefined) throw new Error('no cluster or token');
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: [{ name: sa, token: token.status.token }], contexts: [{ name: sa, cluster: cluster.name, user: sa }], currentContext: sa });
  return kc;
}

/** Replaces the Role `sa`'s rules with those of `permissions` (its namespace-scoped ones). */
async function setRole(sa: string, permissions: readonly RolePermission[]): Promise<void> {
  await rbac.replaceNamespacedRole({ name: sa, namespace: ns.name, body: { metadata: { name: sa }, rules: policyRulesOf(permissions.filter((p) => p.scope === 'namespace')) } });
}

function recordingLog(): { errors: string[]; infos: string[]; log: { info(o: object, m: string): void; error(o: object, m: string): void } } {
  const errors: string[] = [];
  const infos: string[] = [];
  return { errors, infos, log: { info: (_o, m) => infos.push(m), error: (_o, m) => errors.push(m) } };
}

const isListSecrets = (p: RolePermission): boolean => p.verb === 'list' && p.group === '' && p.resource === 'secrets';
const isUpdateLeases = (p: RolePermission): boolean => p.verb === 'update' && p.resource === 'leases';

beforeAll(async () => {
  // The roles' identities cannot install CRDs; the admin does, as the install would.
  await ensureCrds(admin.makeApiClient(ApiextensionsV1Api));
});

afterAll(async () => {
  for (const name of clusterObjects) {
    await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
    await rbac.deleteClusterRole({ name }).catch(() => undefined);
  }
});

describe('the API server', () => {
  it('names the one missing permission, answers 503 with it, and starts once the Role grants it', async () => {
    const kc = await serviceAccountWith('server', SERVER_PERMISSIONS.filter((p) => !isListSecrets(p)));
    const expected = `missing permission: cannot list secrets in namespace ${ns.name} (needed to read repository credentials, argocd-secret and logged-out sessions)`;
    // RBAC changes reach the authorizer through an informer: wait until the new binding is seen.
    await waitFor('the Role to take effect', async () => ((await missingPermissions(kc, serverPermissions(ns.name))).length === 1 ? true : undefined));
    expect((await missingPermissions(kc, serverPermissions(ns.name))).map(formatMissing)).toEqual([expected]);

    const { errors, infos, log } = recordingLog();
    const states: AccessState[] = [];
    let standIn: string | undefined;
    const waiting = waitForServerAccess(kc, ns.name, log, undefined, {
      intervalMs: 200,
      listen: { host: '127.0.0.1', port: 0 },
      onState: (s) => states.push(s),
      onStandIn: (address) => {
        standIn = address;
      },
    });
    const address = await waitFor('the stand-in to listen', () => Promise.resolve(standIn));
    const health = await fetch(`${address}/healthz`);
    expect([health.status, await health.text()]).toEqual([503, `not ready: 1 required Kubernetes permission missing\n${expected}\n`]);
    // Several checks, one error line: it is logged again only when the list changes.
    await waitFor('a few re-checks', () => Promise.resolve(states.length >= 3 ? true : undefined));
    expect(errors).toEqual([expect.stringContaining(`the API server is missing 1 Kubernetes permission and waits for them (checking again every 200ms; grant them in its Role/ClusterRole): ${expected}`)]);

    await setRole('server', SERVER_PERMISSIONS);
    await waiting;
    expect(infos).toEqual(['the API server now has every Kubernetes permission it needs; starting']);
    expect(states.at(-1)).toEqual({ ready: true, missing: [] });
    // The stand-in gave the port back.
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();

    // The declared permissions are enough to run: the server starts with them, lets the admin log in, lists.
    // Its warnings and errors go into the failure message: a 403 there means a permission the list lacks.
    const serverLog: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => serverLog.push(line) });
    const server = await startServer({ kubeConfig: kc, namespace: ns.name, host: '127.0.0.1', port: 0, logger });
    try {
      expect((await fetch(`${server.address}/healthz`)).status).toBe(200);
      const secret = await core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: ns.name });
      const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
      const login = await fetch(`${server.address}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const apps = await fetch(`${server.address}/api/v1/applications`, { headers: { authorization: `Bearer ${token}` } });
      expect([apps.status, apps.status === 200 ? '' : await apps.text()], serverLog.join('')).toEqual([200, '']);
      expect(serverLog.filter((line) => /forbidden|403/i.test(line))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('reports a namespace-scoped install\'s checks in its namespace only', () => {
    const checks = serverPermissions('team', { namespaced: true });
    expect(new Set(checks.map((p) => p.namespace))).toEqual(new Set(['team']));
  });
});

describe('the application controller', () => {
  it('is not ready on /healthz while a Lease right is missing, and starts once granted', async () => {
    const kc = await serviceAccountWith('controller', CONTROLLER_PERMISSIONS.filter((p) => !isUpdateLeases(p)));
    const expected = `missing permission: cannot update leases.coordination.k8s.io in namespace ${ns.name} (needed to renew and release the controller Leases)`;
    await waitFor('the Role to take effect', async () => ((await missingPermissions(kc, controllerPermissions(ns.name))).length === 1 ? true : undefined));

    const metrics = new ControllerMetrics();
    const endpoint = await metrics.serve('127.0.0.1', 0);
    try {
      const { errors, log } = recordingLog();
      const states: AccessState[] = [];
      const waiting = waitForControllerAccess(kc, ns.name, log, undefined, { intervalMs: 200, readiness: metrics, onState: (s) => states.push(s) });
      await waitFor('the first check', () => Promise.resolve(states.length >= 1 ? true : undefined));
      const health = await fetch(`${endpoint.address}/healthz`);
      expect([health.status, await health.text()]).toEqual([503, `not ready: 1 required Kubernetes permission missing\n${expected}\n`]);
      expect(errors).toEqual([expect.stringContaining(expected)]);

      await setRole('controller', CONTROLLER_PERMISSIONS);
      await waiting;
      const ready = await fetch(`${endpoint.address}/healthz`);
      expect([ready.status, await ready.text()]).toEqual([200, 'ok']);

      // The declared permissions are enough to run: it starts, watching and holding its Lease.
      const cacheDir = await mkdtemp(path.join(tmpdir(), 'kawa-access-'));
      const running = await runController({ kubeConfig: kc, namespace: ns.name, log: pino({ level: 'silent' }), cacheDir });
      try {
        await waitFor('the leader Lease', async () => {
          const leases = await admin.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: ns.name });
          return leases.items.find((l) => l.spec?.holderIdentity !== undefined && l.spec.holderIdentity !== '');
        });
      } finally {
        await running.stop();
        await rm(cacheDir, { recursive: true, force: true });
      }
    } finally {
      await endpoint.close();
    }
  });

  it('keeps waiting while the API server refuses, and stops waiting when the role shuts down', async () => {
    const kc = await serviceAccountWith('nothing', []);
    const { errors, log } = recordingLog();
    const stop = new AbortController();
    const waiting = waitForControllerAccess(kc, ns.name, log, stop.signal, { intervalMs: 200 });
    await waitFor('the error line', () => Promise.resolve(errors.length > 0 ? true : undefined));
    // Everything the controller needs is listed, in one line.
    expect(errors[0]).toContain(`is missing ${CONTROLLER_PERMISSIONS.length} Kubernetes permissions`);
    expect(errors[0]).toContain('missing permission: cannot patch applications.argoproj.io/status in namespace');
    expect(errors[0]).toContain('missing permission: cannot create deployments.apps in all namespaces (needed to create the objects apps declare)');
    stop.abort(new Error('SIGTERM'));
    await expect(waiting).rejects.toThrow('SIGTERM');
  });
});
