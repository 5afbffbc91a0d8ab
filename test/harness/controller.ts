// An application controller against the real API server, for test/e2e/controller-*.test.ts: a fresh
// namespace plays `argocd` (CRDs applied, the default AppProject), a real git repository is served over
// smart HTTP, and the controller runs in-process with a repo service of its own (mirrors in a temp dir).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { ApplicationController, ControllerMetrics, type ControllerOptions } from '../../src/controller/index.js';
import { GitMirrorCache } from '../../src/git/mirror.js';
import { KubeRest } from '../../src/kube/index.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { defaultProject, type Application } from '../../src/model/index.js';
import { RepoService } from '../../src/reposerver/index.js';
import { ensureCrds } from '../../src/server/index.js';
import { createRepo, type TestRepo } from './git.js';
import { testKubeConfig, useNamespace, waitFor, waitUntil, type WaitOptions } from './kube.js';

export type Json = Record<string, unknown>;

export interface ControllerFixture {
  /** The namespace playing `argocd`. */
  readonly ns: string;
  /** The destination namespace apps deploy into. */
  readonly dest: string;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  repo: TestRepo;
  /** Clone URL of the served repository. */
  repoURL: string;
  controller: ApplicationController;
  /** The metrics of the current controller (a new registry after each restart). */
  metrics: ControllerMetrics;
  repoService: RepoService;
  /** Commits the files and publishes them to the served repository; returns the sha. */
  push(message: string, files: Record<string, string>, remove?: string[]): Promise<string>;
  createApp(name: string, spec: Json, extra?: { finalizers?: string[]; operation?: Json }): Promise<void>;
  /** An AppProject allowing every source and destination, plus `extra` spec fields. */
  createProject(name: string, extra?: Json): Promise<void>;
  getApp(name: string): Promise<Application & { metadata: { finalizers?: string[]; deletionTimestamp?: string } }>;
  patchApp(name: string, patch: Json): Promise<void>;
  waitApp(name: string, what: string, done: (app: Application) => boolean, options?: WaitOptions): Promise<Application>;
  /** Stops the running controller and starts a fresh one (a restart). */
  restart(options?: Partial<ControllerOptions>): Promise<void>;
  /** Stops the controller without starting another (`crash`: leave its Leases to expire). */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts another controller on the same namespace (a second replica); the caller stops it. */
  spawn(options?: Partial<ControllerOptions>): Promise<ApplicationController>;
  /** Stops the git HTTP server (clones and ls-remote fail with "connection refused"). */
  stopGit(): Promise<void>;
  /** Serves the repository again, on the same port (the apps' repoURL stays valid). */
  startGit(): Promise<void>;
  /** Creates or replaces `argocd-cm` in the fixture's namespace (the controller watches it). */
  setArgoCdCm(data: Record<string, string>): Promise<void>;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const print = (obj: object, msg: string): void => {
  console.log(msg, obj);
};
/** KAWA_TEST_LOG=1 prints what the controller logs. */
const verbose = { info: print, warn: print, error: print, debug: () => undefined };

export function appSpec(repoURL: string, dest: string, path: string, extra: Json = {}): Json {
  return {
    project: 'default',
    source: { repoURL, path, targetRevision: 'HEAD' },
    destination: { server: 'https://kubernetes.default.svc', namespace: dest },
    ...extra,
  };
}

export function useController(options: Partial<ControllerOptions> & { files?: Record<string, string> } = {}): ControllerFixture {
  const ns = useNamespace('ctl');
  const dest = useNamespace('ctl-dest');
  let tmp = '';
  let gitServer: GitHttpServer | undefined;
  const fx = { ns: '', dest: '' } as { -readonly [K in keyof ControllerFixture]: ControllerFixture[K] };
  let gitRoot = '';

  const makeController = (overrides: Partial<ControllerOptions> = {}): ApplicationController => {
    // A fresh repo service too: a restarted process has no memory.
    fx.repoService = new RepoService({
      mirrors: new GitMirrorCache({ cacheRoot: path.join(tmp, `mirrors-${Date.now()}`) }),
      workRoot: path.join(tmp, `work-${Date.now()}`),
      refsTtlMs: 0,
    });
    fx.metrics = new ControllerMetrics();
    return new ApplicationController({
      kubeConfig: fx.kc,
      metrics: fx.metrics,
      namespace: fx.ns,
      repo: fx.repoService,
      log: process.env['KAWA_TEST_LOG'] === '1' ? verbose : silent,
      reconciliationMs: 60_000,
      reconciliationJitterMs: 0,
      waveDelayMs: 50,
      selfHealBackoffMs: 200,
      ...options,
      ...overrides,
    });
  };

  beforeAll(async () => {
    fx.ns = ns.name;
    fx.dest = dest.name;
    fx.kc = testKubeConfig();
    fx.custom = fx.kc.makeApiClient(CustomObjectsApi);
    fx.core = fx.kc.makeApiClient(CoreV1Api);
    await ensureCrds(fx.kc.makeApiClient(ApiextensionsV1Api));
    await fx.custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: fx.ns, plural: 'appprojects', body: defaultProject(fx.ns) });
    tmp = await mkdtemp(path.join(tmpdir(), 'kawa-ctl-'));
    gitRoot = path.join(tmp, 'served');
    fx.repo = await createRepo(path.join(tmp, 'work'));
    await fx.repo.commit('initial', { files: options.files ?? { 'README.md': 'test\n' } });
    await fx.repo.publishBare(gitRoot, 'apps');
    gitServer = await startGitHttpServer({ root: gitRoot });
    fx.repoURL = gitServer.urlFor('apps');
    const gitPort = Number(new URL(gitServer.url).port);
    fx.stopGit = async () => {
      await gitServer?.close();
      gitServer = undefined;
    };
    fx.startGit = async () => {
      if (gitServer !== undefined) return;
      // The port was ours a moment ago; another process may grab it meanwhile, so retry briefly.
      const started = await waitFor(`git server back on port ${gitPort}`, () => startGitHttpServer({ root: gitRoot, port: gitPort }).catch(() => undefined), { timeoutMs: 10_000, intervalMs: 200 });
      gitServer = started;
    };
    fx.setArgoCdCm = async (data) => {
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: fx.ns, labels: { 'app.kubernetes.io/part-of': 'argocd' } }, data };
      try {
        await fx.core.replaceNamespacedConfigMap({ name: 'argocd-cm', namespace: fx.ns, body });
      } catch {
        await fx.core.createNamespacedConfigMap({ namespace: fx.ns, body });
      }
    };
    fx.push = async (message, files, remove = []) => {
      if (remove.length > 0) await fx.repo.removeFiles(remove);
      const sha = await fx.repo.commit(message, { files });
      await fx.repo.publishBare(gitRoot, 'apps');
      return sha;
    };
    const plural = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
    fx.createApp = async (name, spec, extra = {}) => {
      await fx.custom.createNamespacedCustomObject({
        ...plural,
        namespace: fx.ns,
        body: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name, namespace: fx.ns, ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
          spec,
          ...(extra.operation ? { operation: extra.operation } : {}),
        },
      });
    };
    fx.createProject = async (name, extra = {}) => {
      await fx.custom.createNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: fx.ns,
        plural: 'appprojects',
        body: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'AppProject',
          metadata: { name, namespace: fx.ns },
          spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], ...extra },
        },
      });
    };
    fx.getApp = async (name) => (await fx.custom.getNamespacedCustomObject({ ...plural, namespace: fx.ns, name })) as Awaited<ReturnType<ControllerFixture['getApp']>>;
    fx.patchApp = async (name, patch) => {
      await new KubeRest(fx.kc).request('PATCH', `/apis/argoproj.io/v1alpha1/namespaces/${fx.ns}/applications/${name}`, {
        body: patch,
        contentType: 'application/merge-patch+json',
      });
    };
    fx.waitApp = (name, what, done, waitOptions = {}) => waitUntil(`${name}: ${what}`, () => fx.getApp(name), done, { timeoutMs: 60_000, ...waitOptions });
    fx.controller = makeController();
    await fx.controller.start();
    fx.restart = async (overrides = {}) => {
      await fx.controller.stop();
      fx.controller = makeController(overrides);
      await fx.controller.start();
    };
    fx.stop = (stopOptions) => fx.controller.stop(stopOptions);
    fx.spawn = async (overrides = {}) => {
      const metrics = fx.metrics;
      const repoService = fx.repoService;
      const other = makeController(overrides);
      // makeController replaced the fixture's metrics and repo service: give them back to the main controller.
      fx.metrics = metrics;
      fx.repoService = repoService;
      await other.start();
      return other;
    };
  });

  afterAll(async () => {
    await fx.controller.stop();
    await gitServer?.close();
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  });

  return fx;
}

export function syncOf(app: Application): string | undefined {
  return app.status?.sync?.status;
}

export function healthOf(app: Application): string | undefined {
  return app.status?.health?.status;
}

// ---- manifests the controller tests commit -----------------------------------------------------------

export const configMapYaml = (name: string, value: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${value}"
`;

/** A ConfigMap in sync wave `wave`. */
export const waveConfigMapYaml = (name: string, wave: number): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/sync-wave: "${wave}"
data:
  wave: "${wave}"
`;

/** A PreSync hook Job named `migrate` (the cluster's kwok stages complete it). */
export const presyncJobYaml = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.kawa.example/migrate:1.0
`;
