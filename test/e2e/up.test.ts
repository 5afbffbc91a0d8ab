// The README's main command: `kawa up` starts the API server and the controller in one process, serves the
// example repository over git, creates the example Application and waits until it is Synced and Healthy;
// Ctrl-C stops it cleanly, and a second start reuses everything. The test runs the same command the README
// shows (`npm run up` = build + `kawa up`), from source and against the test cluster instead of a new one.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
