// `kawa admin migrate-from-argocd`, for real: an Argo CD installation as Argo CD leaves it (its CRDs
// without a status subresource, argocd-cm/argocd-rbac-cm/argocd-secret, a repository Secret, an
// AppProject, three automated Applications Synced and Healthy with their status written through the main
// resource, their live resources applied by field manager `argocd-controller` with tracking-id
// annotations, and the StatefulSet argocd-application-controller with a Ready Pod) is taken over: the
// command scales Argo CD's controller to 0 and waits for its Pod to go, swaps in kawa's CRDs, keeps every
// status, and kawa's controller then reconciles the apps as Synced and Healthy without re-applying or
// deleting anything. Running it again changes nothing; --rollback gives the namespace back.
//
// The CRD swap runs on a control plane of its own (`migrate-second`, test/harness/second-cluster.ts):
// other e2e files use kawa's CRDs on the `test` cluster at the same time, and while Argo CD's CRD is
// installed there their status writes would fail. The `test` cluster is not touched by this file.
// kwok runs no container: the Pods of the StatefulSet and Deployments become Ready without running.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { runCli } from '../../src/cli/run.js';
import { errorCodes, UserError } from '../../src/errors.js';
import { ensureCrds } from '../../src/server/index.js';
import { ApplicationController } from '../../src/controller/index.js';
import { GitMirrorCache } from '../../src/git/mirror.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { KubeRest } from '../../src/kube/rest.js';
import { kawaCrds } from '../../src/model/index.js';
import { RepoService } from '../../src/reposerver/index.js';
import { createRepo } from '../harness/git.js';
import { waitFor, waitUntil } from '../harness/kube.js';
import { SecondCluster } from '../harness/second-cluster.js';

type Json = Record<string, unknown>;
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; managedFields?: unknown[]; uid?: string };
  [field: string]: unknown;
}

const CRDS_FILE = fileURLToPath(new URL('../fixtures/argocd/crds.yaml', import.meta.url));
const ARGOCD_MANAGER = 'argocd-controller';
const hex = randomBytes(3).toString('hex');
const ns = `argocd-mig-${hex}`;
const dest = `mig-apps-${hex}`;
const second = new SecondCluster('migrate-second');
let rest: KubeRest;
let kubeconfig = '';
let tmp = '';
let git: GitHttpServer | undefined;
let repoURL = '';
let sha = '';
let controller: ApplicationController | undefined;
/** stdout of the run that completed the move. */
let lastRun = '';

// ---- the apps, as committed to git ---------------------------------------------------------------

const cm = (name: string, data: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const APPS: Record<string, { objects: Obj[]; syncPolicy: Json; serverSide?: boolean }> = {
  guestbook: {
    objects: [
      cm('guestbook-config', { greeting: 'hello' }),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'guestbook-ui' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'guestbook-ui' } },
          template: { metadata: { labels: { app: 'guestbook-ui' } }, spec: { containers: [{ name: 'ui', image: 'registry.kawa.example/guestbook:1.0', ports: [{ containerPort: 80 }] }] } },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'guestbook-ui' }, spec: { selector: { app: 'guestbook-ui' }, ports: [{ port: 80, targetPort: 80 }] } },
    ],
    syncPolicy: { automated: { selfHeal: true } },
  },
  // Synced by Argo CD with ServerSideApply=true: its live objects carry an Apply entry of argocd-controller.
  settings: {
    objects: [cm('settings-a', { level: 'info' }), cm('settings-b', { level: 'debug' })],
    syncPolicy: { automated: {}, syncOptions: ['ServerSideApply=true'] },
    serverSide: true,
  },
  tools: {
    objects: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tools-bot' } }, cm('tools-config', { mode: 'strict' })],
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  },
};

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');
const versionOf = (apiVersion: string): string => apiVersion.split('/').pop() ?? '';
const plural = (kind: string): string => `${kind.toLowerCase()}s`;
const objectPath = (o: Obj, name?: string): string =>
  `${groupOf(o.apiVersion) === '' ? '/api/v1' : `/apis/${o.apiVersion}`}/namespaces/${o.metadata.namespace ?? dest}/${plural(o.kind)}${name === undefined ? '' : `/${name}`}`;
const trackingId = (app: string, o: Obj): string => `${app}:${groupOf(o.apiVersion)}/${o.kind}:${dest}/${o.metadata.name}`;

/** The object as Argo CD applied it: destination namespace and the tracking-id annotation. */
function asArgoCdApplied(app: string, o: Obj): Obj {
  return { ...o, metadata: { ...o.metadata, namespace: dest, annotations: { ...o.metadata.annotations, 'argocd.argoproj.io/tracking-id': trackingId(app, o) } } };
}

// ---- cluster helpers --------------------------------------------------------------------------------

const get = <T = Obj>(p: string): Promise<T> => rest.getJson(p) as Promise<T>;
const getOr = (p: string): Promise<Obj | undefined> => get(p).catch(() => undefined);
const create = (p: string, body: unknown, manager: string): Promise<unknown> => rest.request('POST', p, { body, query: { fieldManager: manager } });
const apply = (p: string, body: unknown, manager: string): Promise<unknown> =>
  rest.request('PATCH', p, { body, contentType: 'application/apply-patch+yaml', query: { fieldManager: manager, force: true } });
const appPath = (name?: string): string => `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications${name === undefined ? '' : `/${name}`}`;
const crdPath = (name: string): string => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
const stsPath = `/apis/apps/v1/namespaces/${ns}/statefulsets/argocd-application-controller`;
const kawaDeployPath = `/apis/apps/v1/namespaces/${ns}/deployments/kawa-application-controller`;
const podsOf = async (selector: string): Promise<unknown[]> =>
  ((await rest.getJson(`/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: selector } })) as { items: unknown[] }).items;
const statusOf = async (name: string): Promise<Json> => (await get<{ status?: Json }>(appPath(name))).status ?? {};

const kawa = (...args: string[]): ReturnType<typeof runCli> => runCli(['admin', 'migrate-from-argocd', '--kubeconfig', kubeconfig, '-n', ns, ...args], { NO_COLOR: '1' });

async function crdFixtures(): Promise<Obj[]> {
  return parseAllDocuments(await readFile(CRDS_FILE, 'utf8')).map((d) => d.toJS() as Obj);
}

/** Installs Argo CD's CRDs the way `kubectl apply -f install.yaml` does (client-side, an Update by kubectl). */
async function installArgoCdCrds(): Promise<void> {
  for (const crd of await crdFixtures()) {
    // A reused control plane may still have kawa's: Argo CD's install finds its own.
    if ((await getOr(crdPath(crd.metadata.name))) !== undefined) {
      await rest.request('DELETE', crdPath(crd.metadata.name));
      await waitFor(`CRD ${crd.metadata.name} deleted`, async () => ((await getOr(crdPath(crd.metadata.name))) === undefined ? true : undefined));
    }
    await create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { ...crd, metadata: { ...crd.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(crd) } } }, 'kubectl-client-side-apply');
    await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await get<{ status?: { conditions?: { type: string; status: string }[] } }>(crdPath(crd.metadata.name));
      return live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true ? true : undefined;
    });
  }
}

const now = new Date();
const at = (secondsAgo: number): string => new Date(now.getTime() - secondsAgo * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** An Application as Argo CD leaves it after an automated sync: Synced, Healthy, one history entry. */
function argoCdApplication(name: string): Obj {
  const app = APPS[name];
  if (app === undefined) throw new Error(name);
  const source = { repoURL, path: name, targetRevision: 'HEAD' };
  const destination = { server: 'https://kubernetes.default.svc', namespace: dest };
  const healthOf = (o: Obj): Json => (o.kind === 'Deployment' || o.kind === 'Service' ? { health: { status: 'Healthy' } } : {});
  const refOf = (o: Obj): Json => ({ group: groupOf(o.apiVersion), version: versionOf(o.apiVersion), kind: o.kind, namespace: dest, name: o.metadata.name });
  const operation = {
    sync: { revision: sha, ...(app.syncPolicy['automated'] !== undefined && (app.syncPolicy['automated'] as Json)['prune'] === true ? { prune: true } : {}), ...(app.syncPolicy['syncOptions'] === undefined ? {} : { syncOptions: app.syncPolicy['syncOptions'] }) },
    initiatedBy: { automated: true },
    retry: {},
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: ns, finalizers: ['resources-finalizer.argocd.argoproj.io'] } as Obj['metadata'],
    spec: { project: 'team', source, destination, syncPolicy: app.syncPolicy },
    status: {
      sync: { status: 'Synced', revision: sha, comparedTo: { source, destination } },
      health: { status: 'Healthy', lastTransitionTime: at(280) },
      history: [{ id: 0, revision: sha, deployStartedAt: at(300), deployedAt: at(290), source, initiatedBy: { automated: true } }],
      operationState: {
        operation,
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: at(300),
        finishedAt: at(290),
        syncResult: {
          revision: sha,
          source,
          resources: app.objects.map((o) => ({ ...refOf(o), status: 'Synced', message: `${o.kind.toLowerCase()}/${o.metadata.name} created`, hookPhase: 'Running', syncPhase: 'Sync' })),
        },
      },
      resources: app.objects.map((o) => ({ ...refOf(o), status: 'Synced', ...healthOf(o) })),
      reconciledAt: at(60),
      sourceType: 'Directory',
      summary: {},
      controllerNamespace: ns,
    },
  };
}

interface LiveMark {
  resourceVersion: string | undefined;
  managedFields: unknown;
  uid: string | undefined;
}
async function liveMarks(): Promise<Record<string, LiveMark>> {
  const marks: Record<string, LiveMark> = {};
  for (const app of Object.values(APPS)) {
    for (const o of app.objects) {
      const live = await get(objectPath(o, o.metadata.name));
      marks[`${o.kind}/${o.metadata.name}`] = { resourceVersion: live.metadata.resourceVersion, managedFields: live.metadata.managedFields, uid: live.metadata.uid };
    }
  }
  return marks;
}

const KEPT = ['sync', 'health', 'history', 'operationState', 'resources', 'reconciledAt'] as const;
const kept = (status: Json): Json => Object.fromEntries(KEPT.filter((k) => status[k] !== undefined).map((k) => [k, status[k]]));

// ---- setup: Argo CD, as it runs before the move ----------------------------------------------------

let before: { live: Record<string, LiveMark>; status: Record<string, Json> };

beforeAll(async () => {
  const state = await second.up(1);
  kubeconfig = state.kubeconfig;
  rest = new KubeRest(second.kc);
  await installArgoCdCrds();
  for (const name of [ns, dest]) await create('/api/v1/namespaces', { metadata: { name } }, 'kubectl-create');

  tmp = await mkdtemp(path.join(tmpdir(), 'kawa-migrate-'));
  const repo = await createRepo(path.join(tmp, 'work'));
  const files: Record<string, string> = {};
  for (const [name, app] of Object.entries(APPS)) files[`${name}/manifests.yaml`] = app.objects.map((o) => stringify(o)).join('---\n');
  sha = await repo.commit('apps', { files });
  await repo.publishBare(path.join(tmp, 'served'), 'apps');
  git = await startGitHttpServer({ root: path.join(tmp, 'served') });
  repoURL = git.urlFor('apps');

  // Argo CD's declarative setup (docs: operator-manual/declarative-setup.md).
  const partOf = { 'app.kubernetes.io/part-of': 'argocd' };
  await create(`/api/v1/namespaces/${ns}/configmaps`, {
    metadata: { name: 'argocd-cm', labels: { 'app.kubernetes.io/name': 'argocd-cm', ...partOf } },
    data: {
      'application.resourceTrackingMethod': 'annotation',
      'timeout.reconciliation': '180s',
      'admin.enabled': 'true',
      'statusbadge.enabled': 'true',
      'ui.bannercontent': 'Moving to kawa',
    },
  }, 'kubectl-client-side-apply');
  await create(`/api/v1/namespaces/${ns}/configmaps`, {
    metadata: { name: 'argocd-rbac-cm', labels: { 'app.kubernetes.io/name': 'argocd-rbac-cm', ...partOf } },
    data: { 'policy.default': 'role:readonly', 'policy.csv': 'p, role:team, applications, *, team/*, allow\ng, dev-team, role:team\n' },
  }, 'kubectl-client-side-apply');
  await create(`/api/v1/namespaces/${ns}/secrets`, {
    metadata: { name: 'argocd-secret', labels: { 'app.kubernetes.io/name': 'argocd-secret', ...partOf } },
    type: 'Opaque',
    stringData: { 'server.secretkey': randomBytes(16).toString('hex') },
  }, 'kubectl-client-side-apply');
  await create(`/api/v1/namespaces/${ns}/secrets`, {
    metadata: { name: 'repo-apps', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
    type: 'Opaque',
    stringData: { type: 'git', url: repoURL },
  }, 'kubectl-client-side-apply');
  await create(`/apis/argoproj.io/v1alpha1/namespaces/${ns}/appprojects`, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'team', namespace: ns },
    spec: { description: 'the team', sourceRepos: [repoURL], destinations: [{ server: 'https://kubernetes.default.svc', namespace: dest }] },
  }, 'kubectl-client-side-apply');

  // The apps' live resources, as Argo CD's sync left them.
  for (const [name, app] of Object.entries(APPS)) {
    for (const o of app.objects) {
      const applied = asArgoCdApplied(name, o);
      if (app.serverSide === true) {
        await apply(objectPath(applied, o.metadata.name), applied, ARGOCD_MANAGER);
      } else {
        // Client-side apply (Argo CD's default): an Update by argocd-controller, with last-applied-configuration.
        const withLastApplied = { ...applied, metadata: { ...applied.metadata, annotations: { ...applied.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } } };
        await create(objectPath(applied), withLastApplied, ARGOCD_MANAGER);
      }
    }
  }
  // Argo CD's CRD has no status subresource: its controller writes status with the rest of the object.
  for (const name of Object.keys(APPS)) await create(appPath(), argoCdApplication(name), ARGOCD_MANAGER);

  // Argo CD's controller (a StatefulSet since 2.x), another Argo CD role, and kawa's controller Deployment
  // installed at 0 replicas next to them.
  const workload = (kind: 'StatefulSet' | 'Deployment', name: string, replicas: number, image: string): Json => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas,
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  });
  await create(`/apis/apps/v1/namespaces/${ns}/statefulsets`, workload('StatefulSet', 'argocd-application-controller', 1, 'quay.io/argoproj/argocd:v3.1.0'), 'kubectl-client-side-apply');
  await create(`/apis/apps/v1/namespaces/${ns}/deployments`, workload('Deployment', 'argocd-server', 1, 'quay.io/argoproj/argocd:v3.1.0'), 'kubectl-client-side-apply');
  await create(`/apis/apps/v1/namespaces/${ns}/deployments`, workload('Deployment', 'kawa-application-controller', 0, 'localhost/kawa:0.1.0'), 'kubectl-client-side-apply');

  // Settled before the snapshot: kwok made the Pods Ready, the workload controllers wrote their status.
  await waitFor('the Argo CD controller Pod Ready', async () => {
    const sts = await get<{ status?: { readyReplicas?: number } }>(stsPath);
    return sts.status?.readyReplicas === 1 ? true : undefined;
  }, { timeoutMs: 120_000 });
  await waitFor('guestbook-ui available', async () => {
    const d = await get<{ metadata: { generation?: number }; status?: { availableReplicas?: number; observedGeneration?: number } }>(`/apis/apps/v1/namespaces/${dest}/deployments/guestbook-ui`);
    return d.status?.availableReplicas === 1 && d.status.observedGeneration === d.metadata.generation ? true : undefined;
  }, { timeoutMs: 120_000 });

  const status: Record<string, Json> = {};
  for (const name of Object.keys(APPS)) status[name] = await statusOf(name);
  before = { live: await liveMarks(), status };
}, 400_000);

afterAll(async () => {
  await controller?.stop();
  await git?.close();
  rest.close();
  if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  await second.down();
}, 120_000);

describe('kawa admin migrate-from-argocd', () => {
  it('the setup is Argo CD as it runs: no status subresource, status stored, the controller Pod Ready', async () => {
    const crd = await get<{ spec: { versions: { subresources?: unknown }[] } }>(crdPath('applications.argoproj.io'));
    expect(crd.spec.versions[0]?.subresources).toBeUndefined();
    expect(before.status['guestbook']).toMatchObject({ sync: { status: 'Synced', revision: sha }, health: { status: 'Healthy' } });
    expect(await podsOf('app.kubernetes.io/name=argocd-application-controller')).toHaveLength(1);
  });

  it("kawa's own start (kawa up, --install-crds) refuses to swap Argo CD's CRDs under its running controller", async () => {
    const refused = await ensureCrds(second.kc.makeApiClient(ApiextensionsV1Api)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe(errorCodes.CRD_OWNED_BY_ARGOCD);
    expect((refused as UserError).message).toContain('kawa admin migrate-from-argocd');
    const crd = await get<{ spec: { versions: { subresources?: unknown }[] } }>(crdPath('applications.argoproj.io'));
    expect(crd.spec.versions[0]?.subresources).toBeUndefined();
  });

  it('--dry-run prints the checks and the plan and changes nothing', async () => {
    const run = await kawa('--dry-run');
    expect(run.stderr).toContain('argocd-cm keys kawa ignores: statusbadge.enabled, ui.bannercontent');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('scale StatefulSet argocd-application-controller from 1 to 0 replicas');
    expect(run.stdout).toContain("apply kawa's CRD applications.argoproj.io (server-side apply, field manager kawa): adds the status subresource");
    expect(run.stdout).toContain('scale Deployment kawa-application-controller to 1 replica(s)');
    expect(run.stdout).toContain('Left running (they work with kawa\'s objects too; remove them when ready): Deployment argocd-server');
    expect(run.stderr).toContain('dry run: nothing changed');
    expect((await get<{ spec: { replicas: number } }>(stsPath)).spec.replicas).toBe(1);
    const crd = await get<{ spec: { versions: { subresources?: unknown }[] } }>(crdPath('applications.argoproj.io'));
    expect(crd.spec.versions[0]?.subresources).toBeUndefined();
  });

  it("waits for Argo CD's controller Pod to go before it swaps the CRDs, and a stopped run is finished by the next", async () => {
    // A finalizer holds the Pod in Terminating, as a slow shutdown would.
    const [pod] = (await podsOf('app.kubernetes.io/name=argocd-application-controller')) as Obj[];
    const podPath = `/api/v1/namespaces/${ns}/pods/${pod?.metadata.name ?? ''}`;
    const merge = (p: string, body: unknown): Promise<unknown> => rest.request('PATCH', p, { body, contentType: 'application/merge-patch+json' });
    await merge(podPath, { metadata: { finalizers: ['kawa.dev/test-hold'] } });
    const stopped = await kawa('--yes', '--timeout', '2');
    expect(stopped.code).not.toBe(0);
    expect(stopped.stderr).toContain('timed out after 2s waiting for the Pods of StatefulSet argocd-application-controller to go away: 1 Pod(s) left; run the command again to continue');
    const sts = await get<Obj & { spec: { replicas: number } }>(stsPath);
    expect(sts.spec.replicas).toBe(0);
    expect(sts.metadata.annotations?.['kawa.dev/migrated-from-replicas']).toBe('1');
    // Argo CD's controller may still write: its CRD stays, kawa's controller stays at 0.
    expect((await get<{ spec: { versions: { subresources?: unknown }[] } }>(crdPath('applications.argoproj.io'))).spec.versions[0]?.subresources).toBeUndefined();
    expect((await get<{ spec: { replicas: number } }>(kawaDeployPath)).spec.replicas).toBe(0);

    await merge(podPath, { metadata: { finalizers: null } });
    await waitFor('the held Pod gone', async () => ((await podsOf('app.kubernetes.io/name=argocd-application-controller')).length === 0 ? true : undefined));
    const run = await kawa('--yes');
    lastRun = run.stdout;
    expect(run.code, run.stderr).toBe(0);
    // Resumed where the first run stopped (the Pod is gone now): no second scale-down, the recorded replicas kept.
    expect(run.stdout).toContain("  1. apply kawa's CRD applications.argoproj.io");
    expect(run.stdout).not.toContain('scale StatefulSet');
  });

  it("has stopped Argo CD's controller, installed kawa's CRDs and kept every status", async () => {
    expect(lastRun).toContain("is kawa's: status of 3 Application(s) checked, unchanged");

    const sts = await get<Obj & { spec: { replicas: number } }>(stsPath);
    expect(sts.spec.replicas).toBe(0);
    expect(sts.metadata.annotations?.['kawa.dev/migrated-from-replicas']).toBe('1');
    expect(await podsOf('app.kubernetes.io/name=argocd-application-controller')).toEqual([]);
    expect((await get<{ spec: { replicas: number } }>(kawaDeployPath)).spec.replicas).toBe(1);
    // argocd-server is left alone.
    expect((await get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/argocd-server`)).spec.replicas).toBe(1);

    // The CRDs are kawa's, exactly as src/model/crds.ts builds them.
    for (const crd of kawaCrds()) {
      const live = await get<{ spec: Json; metadata: { labels: Record<string, string> } }>(crdPath(crd.metadata.name));
      expect(live.spec['versions']).toEqual(crd.spec.versions);
      expect(live.spec['names']).toEqual(crd.spec.names);
      expect(live.metadata.labels).toMatchObject(crd.metadata.labels);
    }
    // Stored status survives the new status subresource, field for field.
    for (const name of Object.keys(APPS)) expect(kept(await statusOf(name))).toEqual(kept(before.status[name] ?? {}));
  });

  it("kawa's controller finds every app Synced and Healthy and re-applies or deletes nothing", async () => {
    const repo = new RepoService({ mirrors: new GitMirrorCache({ cacheRoot: path.join(tmp, 'mirrors') }), workRoot: path.join(tmp, 'render') });
    controller = new ApplicationController({
      kubeConfig: second.kc,
      namespace: ns,
      repo,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
      reconciliationMs: 60_000,
      reconciliationJitterMs: 0,
      waveDelayMs: 50,
    });
    await controller.start();
    for (const name of Object.keys(APPS)) {
      const previous = before.status[name]?.['reconciledAt'];
      await waitUntil(`${name} reconciled by kawa`, () => statusOf(name), (s) => s['reconciledAt'] !== previous && (s['sync'] as Json | undefined)?.['status'] === 'Synced' && (s['health'] as Json | undefined)?.['status'] === 'Healthy', { timeoutMs: 90_000 });
    }
    await controller.idle();
    for (const name of Object.keys(APPS)) {
      const status = await statusOf(name);
      expect(status['sync']).toMatchObject({ status: 'Synced', revision: sha });
      expect(status['health']).toMatchObject({ status: 'Healthy' });
      // No sync ran: the history and the last operation are Argo CD's.
      expect(status['history']).toEqual(before.status[name]?.['history']);
      expect(status['operationState']).toEqual(before.status[name]?.['operationState']);
      expect((await get<{ operation?: unknown }>(appPath(name))).operation).toBeUndefined();
    }
    // Nothing re-applied (same resourceVersion, same managers) and nothing deleted or re-created (same uid).
    expect(await liveMarks()).toEqual(before.live);
  });

  it('a second run changes nothing', async () => {
    const watched = [stsPath, kawaDeployPath, crdPath('applications.argoproj.io'), crdPath('appprojects.argoproj.io')];
    const versions = await Promise.all(watched.map(async (p) => (await get(p)).metadata.resourceVersion));
    const run = await kawa('--yes');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${ns}: already migrated, nothing to do`);
    expect(await Promise.all(watched.map(async (p) => (await get(p)).metadata.resourceVersion))).toEqual(versions);
    expect(await liveMarks()).toEqual(before.live);
  });

  it("--rollback restores Argo CD's controller and CRDs; the status stays readable", async () => {
    // The user stops every `kawa controller` first; the rollback waits for their Leases.
    await controller?.stop();
    controller = undefined;
    const run = await kawa('--rollback', '--argocd-crds', CRDS_FILE, '--yes');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('is Argo CD\'s again');
    const sts = await get<Obj & { spec: { replicas: number } }>(stsPath);
    expect(sts.spec.replicas).toBe(1);
    expect(sts.metadata.annotations?.['kawa.dev/migrated-from-replicas']).toBeUndefined();
    expect((await get<{ spec: { replicas: number } }>(kawaDeployPath)).spec.replicas).toBe(0);
    await waitFor('the Argo CD controller Pod back', async () => ((await podsOf('app.kubernetes.io/name=argocd-application-controller')).length === 1 ? true : undefined));
    const crd = await get<{ spec: { versions: { subresources?: unknown }[] } }>(crdPath('applications.argoproj.io'));
    expect(crd.spec.versions[0]?.subresources).toBeUndefined();
    for (const name of Object.keys(APPS)) {
      const status = await statusOf(name);
      expect(status['sync']).toMatchObject({ status: 'Synced', revision: sha });
      expect(status['history']).toEqual(before.status[name]?.['history']);
    }
    expect(await liveMarks()).toEqual(before.live);
  });
});
