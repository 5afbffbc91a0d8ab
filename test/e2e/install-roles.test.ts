// The install, for real: the chart rendered with `helm template` and server-side applied to the local API
// server, then the built image run with podman (host network, loopback API server) as each role, each
// authenticated ONLY with the ServiceAccount token of its role from the install (test/harness/in-cluster.ts
// mounts it where a kubelet would), so the tests prove the install's RBAC is sufficient — the controller
// syncs an example app, the server logs in and lists apps, the repo server (no token at all) renders — and
// insufficient where it must be (the server's token cannot create a Deployment).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type V1PolicyRule, type V1Role } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeErrorStatus } from '../../src/kube/errors.js';
import type { Application } from '../../src/model/index.js';
import { runOnce } from '../harness/podman.js';
import { podIdentity, useInstall, type RoleContainer } from '../harness/in-cluster.js';
import { waitUntil } from '../harness/kube.js';

const examples = path.resolve(import.meta.dirname, '../../examples');

/** examples/<dir> as repository files under <dir>/ (the real examples a user starts from). */
function exampleFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(examples, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else files[child] = readFileSync(path.join(examples, child), 'utf8');
    }
  };
  walk(dir);
  return files;
}

const fx = useInstall({ files: { ...exampleFiles('guestbook'), ...exampleFiles('helm-guestbook') } });
// An app name no other test file uses: tracking ids name the app, not its namespace, and other files'
// controllers watch the whole shared cluster (their `guestbook` would count this one's objects as its own).
const APP = 'install-guestbook';

let repoServer: RoleContainer;
let controller: RoleContainer;
let server: RoleContainer;

beforeAll(async () => {
  // The repo server first: the controller and the server are given its URL.
  repoServer = await fx.startRole('repo-server');
  [controller, server] = await Promise.all([fx.startRole('application-controller'), fx.startRole('server')]);
  await Promise.all([fx.waitHealthy(repoServer), fx.waitHealthy(server), fx.waitHealthy(controller)]);
}, 300_000);

describe('the install, run as each role with its ServiceAccount token', () => {
  it("the Deployments' Pods become Ready (kwok's fake nodes run no container: the podman runs below are the proof the image works)", async () => {
    const apps = fx.kc.makeApiClient(AppsV1Api);
    for (const role of ['application-controller', 'server', 'repo-server'] as const) {
      const ready = await waitUntil(
        `Deployment ${fx.nameOf(role)} Ready`,
        () => apps.readNamespacedDeployment({ name: fx.nameOf(role), namespace: fx.ns }),
        (d) => (d.status?.readyReplicas ?? 0) === (d.spec?.replicas ?? 1),
        { timeoutMs: 60_000 },
      );
      expect(ready.spec?.template.spec?.containers[0]?.image).toMatch(/kawa/);
    }
  });

  it("the image's client takes the in-cluster path: the mounted token, CA and namespace, the loopback API server", async () => {
    const identity = await podIdentity(fx.kc, { namespace: fx.ns, serviceAccount: fx.nameOf('server') });
    try {
      // What every role calls (loadFromDefault), in the image, with no kubeconfig anywhere in the container.
      const script = `const { KubeConfig } = await import('/opt/kawa/node_modules/@kubernetes/client-node/dist/index.js');
        const kc = new KubeConfig(); kc.loadFromDefault();
        console.log(JSON.stringify({ context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server, user: kc.getCurrentUser()?.name, ns: kc.getContextObject(kc.getCurrentContext())?.namespace }));`;
      const run = await runOnce({ image: fx.image, entrypoint: '/usr/local/bin/node', args: ['--input-type=module', '-e', script], env: identity.env, mounts: [identity.mount], readOnly: true });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim())).toEqual({ context: 'inClusterContext', server: identity.server, user: 'inClusterUser', ns: fx.ns });
    } finally {
      await identity.cleanup();
    }
  });

  it('the repo server, with no Kubernetes credentials at all, renders an app through its HTTP API', async () => {
    const pod = fx.deployment('repo-server') as unknown as { spec: { template: { spec: { automountServiceAccountToken?: boolean } } } };
    expect(pod.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(repoServer.identity).toBeUndefined();
    const response = await fetch(`${repoServer.url}/api/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: { repoURL: fx.gitUrl, path: 'helm-guestbook', targetRevision: 'HEAD' }, appName: 'helm-guestbook', namespace: fx.dest }),
    });
    const body = (await response.json()) as { objects?: { object: { kind?: string; metadata?: { name?: string } } }[]; sourceType?: string; revision?: string };
    expect(response.status, JSON.stringify(body)).toBe(200);
    // Rendered by the image's pinned helm: the chart's Deployment and Service (and its pre-install hook Job when enabled).
    expect(body.sourceType).toBe('Helm');
    expect(body.revision).toMatch(/^[0-9a-f]{40}$/);
    expect((body.objects ?? []).map((o) => o.object.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service']));
  });

  it('the controller, with the controller token and --repo-server, syncs an example app to Synced/Healthy', async () => {
    const custom = fx.kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: fx.ns,
      plural: 'applications',
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: APP, namespace: fx.ns },
        spec: {
          project: 'default',
          source: { repoURL: fx.gitUrl, path: 'guestbook', targetRevision: 'HEAD' },
          destination: { server: 'https://kubernetes.default.svc', namespace: fx.dest },
          syncPolicy: { automated: {} },
        },
      },
    });
    const app = await waitUntil(
      'guestbook Synced/Healthy',
      () => custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: fx.ns, plural: 'applications', name: APP }) as Promise<Application>,
      (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy',
      { timeoutMs: 120_000, intervalMs: 500 },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- controller log ---\n${controller.logs().slice(-4000)}`);
    });
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    // It rendered through the repo server container, not in its own process.
    expect(controller.logs()).toContain(`"repoServer":"${repoServer.url}"`);
    const deployment = await fx.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'guestbook-ui', namespace: fx.dest });
    expect(deployment.metadata?.annotations?.['argocd.argoproj.io/tracking-id']).toMatch(/^install-guestbook:/);
  });

  it('the server, with the server token, serves login (the initial admin password it created) and the app list', async () => {
    const secret = await fx.kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: fx.ns });
    const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
    expect(password).not.toBe('');
    const login = await fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    const session = (await login.json()) as { token?: string };
    expect(login.status, JSON.stringify(session)).toBe(200);
    expect(session.token).toBeTruthy();
    const list = await waitUntil(
      `the app list naming ${APP}`,
      async () => {
        const res = await fetch(`${server.url}/api/v1/applications`, { headers: { authorization: `Bearer ${session.token ?? ''}` } });
        return { status: res.status, body: (await res.json()) as { items?: { metadata: { name: string } }[] } };
      },
      (r) => r.status === 200 && (r.body.items ?? []).some((a) => a.metadata.name === APP),
      { timeoutMs: 30_000 },
    );
    expect(list.body.items?.map((a) => a.metadata.name)).toContain(APP);
  });

  it("the server's token cannot create a Deployment (403), in its namespace or the apps'", async () => {
    const identity = server.identity;
    if (identity === undefined) throw new Error('the server runs with no identity');
    const apps = identity.kubeConfig().makeApiClient(AppsV1Api);
    const body = {
      metadata: { name: 'not-allowed' },
      spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'registry.kawa.example/x:1' }] } } },
    };
    for (const namespace of [fx.dest, fx.ns]) {
      const status = await apps.createNamespacedDeployment({ namespace, body }).then(() => 201, (err: unknown) => kubeErrorStatus(err));
      expect(status, `create Deployment in ${namespace}`).toBe(403);
    }
    // The same client reads (the server shows live state), so the 403 is about the verb, not a broken token.
    const read = await apps.readNamespacedDeployment({ name: 'guestbook-ui', namespace: fx.dest });
    expect(read.metadata?.name).toBe('guestbook-ui');
  });
});

describe('a role whose RBAC lacks something', () => {
  const admin = (): RbacAuthorizationV1Api => fx.kc.makeApiClient(RbacAuthorizationV1Api);
  const clusterBindings: string[] = [];

  afterAll(async () => {
    for (const name of clusterBindings) await admin().deleteClusterRoleBinding({ name }).catch(() => undefined);
  });

  /**
   * A ServiceAccount `<release>-<role>-lacking` holding the install's RBAC of the role with something taken
   * away: its Role without `drop` (a verb on a resource), and its ClusterRole unless `clusterRole` is false
   * (an install rendered with createClusterRoles=false whose administrator has not bound them yet).
   */
  async function lacking(role: 'application-controller' | 'server', options: { drop?: { resource: string; verb: string }; clusterRole: boolean }): Promise<string> {
    const name = `${fx.nameOf(role)}-lacking`;
    const rendered = fx.objects.find((o) => o.kind === 'Role' && o.metadata?.name === fx.nameOf(role)) as unknown as V1Role | undefined;
    if (rendered === undefined) throw new Error(`the chart rendered no Role ${fx.nameOf(role)}`);
    const { drop } = options;
    const rules = (rendered.rules ?? []).flatMap((rule): V1PolicyRule[] => {
      if (drop === undefined || !(rule.resources ?? []).includes(drop.resource) || !(rule.verbs.includes(drop.verb) || rule.verbs.includes('*'))) return [rule];
      if (rule.verbs.includes('*')) throw new Error(`Role ${fx.nameOf(role)} grants every verb on ${drop.resource}: name them to take one away`);
      const others = (rule.resources ?? []).filter((r) => r !== drop.resource);
      const copy = (resources: string[], verbs: string[]): V1PolicyRule => ({ apiGroups: rule.apiGroups ?? [], resources, verbs, ...(rule.resourceNames === undefined ? {} : { resourceNames: rule.resourceNames }) });
      return [...(others.length > 0 ? [copy(others, rule.verbs)] : []), copy([drop.resource], rule.verbs.filter((v) => v !== drop.verb))];
    });
    const namespace = fx.ns;
    const subjects = [{ kind: 'ServiceAccount', name, namespace }];
    await fx.kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    await admin().createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
    await admin().createNamespacedRoleBinding({ namespace, body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects } });
    if (!options.clusterRole) return name;
    clusterBindings.push(name);
    await admin().createClusterRoleBinding({ body: { metadata: { name, labels: { 'kawa.dev/test': 'true' } }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: fx.nameOf(role) }, subjects } });
    return name;
  }

  it('reports the exact missing verb and resource in its log and /healthz (503), and stays up instead of crash-looping', async () => {
    // The controller's ClusterRole grants every verb on every resource, so it only lacks something without
    // it; the server's ClusterRole grants reads, patch and delete, not creating Events.
    const cases = [
      { role: 'application-controller' as const, options: { clusterRole: false }, line: 'missing permission: cannot list configmaps in all namespaces' },
      { role: 'server' as const, options: { drop: { resource: 'events', verb: 'create' }, clusterRole: true }, line: `missing permission: cannot create events in namespace ${fx.ns}` },
    ];
    const started = await Promise.all(cases.map(async (c) => ({ ...c, container: await fx.startRole(c.role, { name: 'lacking', serviceAccount: await lacking(c.role, c.options) }) })));
    try {
      for (const { container, line } of started) {
        await container.waitForLog(line, 60_000);
        const health = await waitUntil(
          `${container.role} /healthz 503`,
          () => fetch(`${container.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(async (r) => ({ status: r.status, body: await r.text() })),
          (h) => h.status === 503,
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        expect(health.body).toContain(line);
      }
      // Still running a while later: it waits for the permission (re-checking), it does not exit to be restarted.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const { container } of started) expect(container.done, container.logs().slice(-2000)).toBe(false);
    } finally {
      await Promise.all(started.map(({ container }) => container.kill()));
    }
  });
});
