// The README's main command: `kawa up` starts the API server and the controller in one process, serves the
// example repository over git, creates the example Application and waits until it is Synced and Healthy;
// Ctrl-C stops it cleanly, and a second start reuses everything. The test runs the same command the README
// shows (`npm run up` = build + `kawa up`), from source and against the test cluster instead of a new one.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveExampleRepo } from '../../src/cli/commands/up/example.js';
import { findGroup, loadPins } from '../../src/tools/pins.js';
import { testKubeConfig, waitUntil } from '../harness/kube.js';

const root = path.resolve(import.meta.dirname, '../..');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startUp(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'up', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForLine(run: Run, pattern: RegExp, timeoutMs: number): Promise<string> {
  return waitUntil(`kawa up to print ${String(pattern)} (stderr: ${run.stderr().slice(-2000)})`, () => Promise.resolve(run.stdout()), (out) => pattern.test(out), { timeoutMs, intervalMs: 200 });
}

describe('kawa up (the README main command)', () => {
  const ns = `up-${Math.random().toString(16).slice(2, 10)}`;
  let cache = '';
  let env: NodeJS.ProcessEnv = {};
  const kc = testKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);

  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), 'kawa-up-'));
    env = { ...process.env, XDG_CACHE_HOME: cache, KAWA_LOG_LEVEL: 'warn' };
  });

  afterAll(async () => {
    // The example app carries the resources finalizer: deleting it needs a running controller, so drop the finalizer.
    await custom
      .patchNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: ns, plural: 'applications', name: 'guestbook', body: [{ op: 'remove', path: '/metadata/finalizers' }] })
      .catch(() => undefined);
    const core = kc.makeApiClient(CoreV1Api);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await core.deleteNamespace({ name: 'guestbook' }).catch(() => undefined);
    await rm(cache, { recursive: true, force: true });
  });

  it('the README shows `npm run up`, which builds and runs `kawa up`', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```sh\n([^`]*)```/g)].map((m) => (m[1] ?? '').trim());
    expect(blocks).toContain('npm ci && npm run up');
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['up']).toMatch(/node dist\/src\/cli\/main\.js up$/);
  });

  // Before the example test: the example's objects live in the shared `guestbook` namespace, which afterAll
  // removes, so other test files' apps named guestbook see them as briefly as possible.
  it('with no renderer built yet, a Helm app created right after `kawa up` syncs (the build runs in the background)', async () => {
    const kubeconfig = process.env['KAWA_TEST_KUBECONFIG'] ?? path.join(root, '.kawa', 'test.kubeconfig');
    const helmNs = `${ns}-helm`;
    const dest = `${ns}-helm-dest`;
    // An empty kawa cache: no helm, kustomize or jsonnet (Go's own caches stay warm, so each build is a relink).
    const emptyCache = await mkdtemp(path.join(tmpdir(), 'kawa-up-nobin-'));
    const repo = await serveExampleRepo(path.join(root, 'examples'), path.join(emptyCache, 'example-repo'), 0);
    const run = startUp(['--kubeconfig', kubeconfig, '--namespace', helmNs, '--port', '0', '--no-example'], { ...env, KAWA_CACHE_DIR: emptyCache });
    const core = kc.makeApiClient(CoreV1Api);
    try {
      await waitForLine(run, /kawa is up: http/, 150_000);
      await custom.createNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: helmNs,
        plural: 'applications',
        body: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: 'helm-guestbook', namespace: helmNs },
          spec: {
            project: 'default',
            source: { repoURL: repo.url, path: 'helm-guestbook', targetRevision: 'HEAD' },
            destination: { server: 'https://kubernetes.default.svc', namespace: dest },
            syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
          },
        },
      });
      type App = { status?: { sync?: { status?: string }; health?: { status?: string }; sourceType?: string } };
      const synced = await waitUntil(
        `the Helm app to be Synced and Healthy (kawa's stderr: ${run.stderr().slice(-1500)})`,
        async () => (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: helmNs, plural: 'applications', name: 'helm-guestbook' })) as App,
        (a) => a.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy',
        { timeoutMs: 300_000, intervalMs: 1_000 },
      );
      expect(synced.status?.sourceType).toBe('Helm');
      const version = findGroup(loadPins(root), 'helm').version;
      expect(run.stderr()).toContain(`helm ${version} is not built yet: building it from the Go module proxy on first use`);
      await access(path.join(emptyCache, 'bin', `helm-${version}`));
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await repo.server.close();
      await custom
        .patchNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: helmNs, plural: 'applications', name: 'helm-guestbook', body: [{ op: 'remove', path: '/metadata/finalizers' }] })
        .catch(() => undefined);
      await core.deleteNamespace({ name: helmNs }).catch(() => undefined);
      await core.deleteNamespace({ name: dest }).catch(() => undefined);
      await rm(emptyCache, { recursive: true, force: true });
    }
  }, 420_000);

  it('starts, syncs the example, stops on Ctrl-C, and reuses everything on the second start', async () => {
    const kubeconfig = process.env['KAWA_TEST_KUBECONFIG'] ?? path.join(root, '.kawa', 'test.kubeconfig');
    const args = ['--kubeconfig', kubeconfig, '--namespace', ns, '--port', '0', '--wait', '120'];
    const first = startUp(args, env);
    const out = await waitForLine(first, /kawa is up: (http:\/\/127\.0\.0\.1:\d+)[\s\S]*example: .*guestbook is (\w+) and (\w+)/, 150_000);
    expect(out).toMatch(/guestbook is Synced and Healthy/);
    expect(out).toContain('username: admin');
    expect(out).toContain(`Secret ${ns}/argocd-initial-admin-secret`);
    expect(first.stderr()).toContain(`created Application ${ns}/guestbook`);
    const url = /kawa is up: (\S+)/.exec(out)?.[1] ?? '';
    const version = (await (await fetch(`${url}/api/version`)).json()) as { Version?: string };
    expect(version.Version).toMatch(/^v\d/);
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: ns });
    expect(secret.data?.['password']).toBeTruthy();
    // The printed password command runs as printed (after `npm ci` there is no `kawa` on PATH) and answers for this cluster.
    const printed = /password: (.+?) {3}\(Secret/.exec(out)?.[1] ?? '';
    expect(printed).toContain(`admin initial-password --namespace ${ns} --kubeconfig ${kubeconfig}`);
    const shown = execFileSync('sh', ['-c', printed], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(shown.split('\n')[0]).toBe(Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8'));

    // The API server reads the controller's live cache: the tree goes down to the Pods kwok made Ready.
    const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
    const login = (await (await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token?: string };
    expect(login.token).toBeTruthy();
    const tree = (await (await fetch(`${url}/api/v1/applications/guestbook/resource-tree?appNamespace=${ns}`, { headers: { authorization: `Bearer ${login.token ?? ''}` } })).json()) as { nodes?: { kind: string }[] };
    expect(new Set(tree.nodes?.map((n) => n.kind))).toEqual(new Set(['Deployment', 'ReplicaSet', 'Pod', 'Service']));

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = startUp(args, env);
    const again = await waitForLine(second, /kawa is up[\s\S]*example: .*guestbook is (\w+) and (\w+)/, 150_000);
    expect(again).toMatch(/guestbook is Synced and Healthy/);
    expect(second.stderr()).not.toContain('created Application');
    const secretAgain = await core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: ns });
    expect(secretAgain.data?.['password']).toBe(secret.data?.['password']);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

});
