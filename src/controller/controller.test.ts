// The controller's own logic, fast: its watches are fed through the informer's ListWatch interface (the
// way informer.test.ts drives an informer), and its writes go through the real KubeRest to a local HTTP
// server that records each request and answers 200. No cluster is reached: the apps here never get as
// far as a destination (a missing project, skip-reconcile, deletion). Comparing, syncing and deleting
// against a real API server is test/e2e/controller-*.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitMirrorCache } from '../git/mirror.js';
import { KubeRest, type ApiResource, type KubeObject, type ListPage, type ListWatch, type WatchHandle } from '../kube/index.js';
import { defaultProject } from '../model/index.js';
import { RESOURCES_FINALIZER, REFRESH_ANNOTATION, SKIP_RECONCILE_ANNOTATION } from '../model/names.js';
import { RepoService } from '../reposerver/index.js';
import { SettingsReader } from '../settings/index.js';
import { ApplicationController } from './controller.js';

const NS = 'argocd';
const APPS_PATH = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/applications`;

/** One resource's list (the objects given) and its watch, through which the test sends events. */
class FedSource implements ListWatch {
  private listener: ((type: string, object: unknown) => void) | undefined;
  private opened: (() => void) | undefined;
  private readonly watching = new Promise<void>((resolve) => (this.opened = resolve));
  private version = 1;

  constructor(private readonly items: KubeObject[] = []) {}

  list(): Promise<ListPage> {
    return Promise.resolve({ items: structuredClone(this.items), resourceVersion: String(this.version) });
  }

  watch(_options: { resourceVersion: string; timeoutSeconds: number }, onEvent: (type: string, object: unknown) => void): WatchHandle {
    this.listener = onEvent;
    this.opened?.();
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    return {
      done,
      abort: () => {
        this.listener = undefined;
        end();
      },
    };
  }

  /** Delivers a watch event (once the informer watches), with a fresh resourceVersion as the API server would. */
  async send(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): Promise<void> {
    await this.watching;
    this.version++;
    this.listener?.(type, structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.version) } }));
  }
}

interface Recorded {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/** An API server that accepts every request and remembers it. */
async function recordingServer(): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body: text === '' ? undefined : JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Plain HTTP to the local recorder (client-node allows http only with this set).
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'unused' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

function app(name: string, extra: { project?: string; annotations?: Record<string, string>; finalizers?: string[]; deleting?: boolean; server?: string } = {}): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: NS,
      resourceVersion: '1',
      ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
      ...(extra.finalizers === undefined ? {} : { finalizers: extra.finalizers }),
      ...(extra.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      // No such AppProject is watched: the reconcile stops at the spec check, before any cluster.
      project: extra.project ?? 'missing',
      source: { repoURL: 'https://git.example/r.git', path: 'p', targetRevision: 'HEAD' },
      destination: { server: extra.server ?? 'https://kubernetes.default.svc', namespace: 'd' },
    },
  };
}


describe('ApplicationController', () => {
  let api: Awaited<ReturnType<typeof recordingServer>>;
  let controller: ApplicationController | undefined;
  let sources: Record<string, FedSource>;
  /** What the controller logged as an error: a failed reconcile is retried silently otherwise. */
  let errors: string[];
  /** What the controller warned of (a malformed Secret, an argocd-cm key ignored). */
  let warnings: string[];
  const log = {
    info: () => undefined,
    warn: (obj: object, msg: string) => {
      warnings.push(`${msg} ${JSON.stringify(obj)}`);
    },
    debug: () => undefined,
    error: (obj: object, msg: string) => {
      errors.push(`${msg} ${JSON.stringify(obj)}`);
    },
  };

  beforeEach(async () => {
    api = await recordingServer();
    sources = {};
    errors = [];
    warnings = [];
  });

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await api.close();
    expect(errors).toEqual([]);
  });

  /** A started controller watching the given Applications, Secrets and AppProjects (nothing else exists). */
  async function start(apps: KubeObject[], secrets: KubeObject[] = [], projects: KubeObject[] = [], settingsReader?: SettingsReader): Promise<ApplicationController> {
    sources = { Application: new FedSource(apps), Secret: new FedSource(secrets), AppProject: new FedSource(projects), ConfigMap: new FedSource() };
    const kubeConfig = kubeConfigFor(api.url);
    const cache = path.join(tmpdir(), 'kawa-controller-unit');
    controller = new ApplicationController({
      kubeConfig,
      namespace: NS,
      repo: new RepoService({ mirrors: new GitMirrorCache({ cacheRoot: path.join(cache, 'mirrors') }), workRoot: path.join(cache, 'work') }),
      log,
      rest: new KubeRest(kubeConfig),
      listWatch: (resource: ApiResource) => sources[resource.kind] ?? new FedSource(),
      reconciliationMs: 0,
      ...(settingsReader === undefined ? {} : { settingsReader }),
    });
    await controller.start();
    await controller.idle();
    return controller;
  }

  const appWrites = (): Recorded[] => api.requests.filter((r) => r.path.startsWith(APPS_PATH));

  it('reconciles an app the watch adds: its status says what is wrong with its spec', async () => {
    const started = await start([]);
    expect(api.requests).toEqual([]);

    await sources['Application']?.send('ADDED', app('a'));
    await started.idle();

    expect(appWrites()).toEqual([
      {
        method: 'PATCH',
        path: `${APPS_PATH}/a/status`,
        contentType: 'application/merge-patch+json',
        body: {
          status: expect.objectContaining({
            conditions: [expect.objectContaining({ type: 'InvalidSpecError', message: 'Application referencing project missing which does not exist' })],
          }) as unknown,
        },
      },
    ]);
    expect(started.writes()).toBe(1);
  });

  it('does not reconcile again for a change of status only (its own writes come back that way)', async () => {
    const started = await start([app('a')]);
    const before = appWrites().length;

    await sources['Application']?.send('MODIFIED', { ...app('a'), status: { reconciledAt: '2026-01-01T00:00:00Z' } });
    await started.idle();

    expect(appWrites()).toHaveLength(before);
  });

  it('clears the refresh annotation it answered, with a merge patch on the Application', async () => {
    await start([app('a', { annotations: { [REFRESH_ANNOTATION]: 'hard' } })]);

    expect(appWrites().filter((r) => r.path === `${APPS_PATH}/a`)).toEqual([
      { method: 'PATCH', path: `${APPS_PATH}/a`, contentType: 'application/merge-patch+json', body: { metadata: { annotations: { [REFRESH_ANNOTATION]: null } } } },
    ]);
  });

  it('leaves an app with skip-reconcile alone, even when a refresh is asked', async () => {
    const started = await start([app('a', { annotations: { [SKIP_RECONCILE_ANNOTATION]: 'true', [REFRESH_ANNOTATION]: 'normal' } })]);
    started.refresh(NS, 'a', 'hard');
    await started.idle();

    expect(api.requests).toEqual([]);
  });

  it('leaves the deletion of an app without a cascade finalizer to Kubernetes: no write at all', async () => {
    await start([app('a', { project: 'default', deleting: true, finalizers: ['example.com/keep'] })]);

    expect(api.requests).toEqual([]);
  });

  it('removes only the cascade finalizer of an app whose destination cluster is gone, guarded by a test of the list it saw', async () => {
    const finalizers = ['example.com/keep', RESOURCES_FINALIZER];
    await start([app('a', { project: 'default', deleting: true, finalizers, server: 'https://gone.example:6443' })]);

    expect(api.requests).toEqual([
      {
        method: 'PATCH',
        path: `${APPS_PATH}/a`,
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/metadata/finalizers', value: finalizers },
          { op: 'replace', path: '/metadata/finalizers', value: ['example.com/keep'] },
        ],
      },
    ]);
  });

  it('serves the credentials of a watched repository Secret to its project only', async () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'repo', namespace: NS, resourceVersion: '1', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: { url: 'https://git.example/r.git', username: 'u', password: 'p', project: 'team' },
    };
    const started = await start([], [secret]);

    expect(started.repoCredentials.credentials('https://git.example/r.git', 'team')).toMatchObject({ username: 'u', password: 'p' });
    expect(started.repoCredentials.credentials('https://git.example/r.git', 'other')).toBeUndefined();
  });

  it('reads through a settings reader passed in, and leaves it running when it stops', async () => {
    const repo = (name: string, project: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NS, resourceVersion: '1', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: { url: `https://git.example/${name}.git`, username: 'u', password: 'p', project },
    });
    const shared = { configMaps: new FedSource(), secrets: new FedSource([repo('r', 'team')]) };
    // start() gives the controller no Secret of its own: what it knows comes from the shared reader.
    const reader = new SettingsReader({ namespace: NS, sources: shared });
    reader.start();
    try {
      const started = await start([], [], [], reader);
      expect(started.repoCredentials.credentials('https://git.example/r.git', 'team')).toMatchObject({ username: 'u', password: 'p' });

      await shared.secrets.send('ADDED', repo('s', 'team'));
      expect(started.repoCredentials.credentials('https://git.example/s.git', 'team')).toMatchObject({ username: 'u' });

      // The shared reader also holds argocd-secret (the server's): its changes are no reload here.
      const malformed: KubeObject = { ...repo('bad', 'team'), stringData: { username: 'no url' } };
      await shared.secrets.send('ADDED', malformed);
      expect(warnings.filter((w) => w.startsWith('secret ignored'))).toHaveLength(1);
      await shared.secrets.send('ADDED', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argocd-secret', namespace: NS }, data: {} });
      expect(reader.secret('argocd-secret')).toBeDefined();
      expect(warnings.filter((w) => w.startsWith('secret ignored'))).toHaveLength(1);

      await started.stop();
      controller = undefined;
      await shared.secrets.send('ADDED', repo('t', 'team'));
      expect(reader.secret('t')).toBeDefined();
    } finally {
      await reader.close();
    }
  });

  describe('a finished sync whose request is still there', () => {
    const operation = { sync: { revision: 'HEAD' }, retry: { limit: 3 } };
    /** The app as the engine left it: the request, and its record Failed just now. */
    const finished = (kawa: Record<string, unknown>): KubeObject => {
      const base = app('a', { project: 'default' });
      // A file:// source is refused at once (no network): the render fails, the operation logic still runs.
      const spec = { ...(base['spec'] as Record<string, unknown>), source: { repoURL: 'file:///nowhere', path: 'p', targetRevision: 'HEAD' } };
      const now = new Date().toISOString();
      const operationState = { operation, phase: 'Failed', message: 'Operation terminated', startedAt: now, finishedAt: now, kawa: { operationId: 'op-1', ...kawa } };
      return { ...base, spec, operation, status: { operationState } };
    };
    const project = defaultProject(NS) as unknown as KubeObject;

    it('is cleared, not retried, when the engine ended it by termination (its persisted marker)', async () => {
      await start([finished({ terminated: true })], [], [project]);

      const clear = {
        method: 'PATCH',
        path: `${APPS_PATH}/a`,
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/operation', value: operation },
          { op: 'remove', path: '/operation' },
        ],
      };
      // The recorder never removes the request, so each reconcile (the cluster turning reachable queues another) clears it again.
      const writes = appWrites().filter((r) => r.path === `${APPS_PATH}/a`);
      expect(writes.length).toBeGreaterThan(0);
      for (const write of writes) expect(write).toEqual(clear);
    });

    it('stays for a retry after its backoff when its timeout ended it (a failure, as before)', async () => {
      await start([finished({ terminated: true, terminationReason: 'operation timed out after 1m0s' })], [], [project]);

      expect(appWrites().filter((r) => r.path === `${APPS_PATH}/a`)).toEqual([]);
    });

    it('stays for a retry after its backoff when it failed otherwise, whatever its message says', async () => {
      await start([finished({})], [], [project]);

      expect(appWrites().filter((r) => r.path === `${APPS_PATH}/a`)).toEqual([]);
    });
  });
});
