// The CLI's sync loop against a real kawa API server and a real controller on the real kube-apiserver,
// with a real git repository: the seed's walk-through (initial password, login, create, diff, sync with
// live progress, a failing sync, history, rollback, manifests, cascade delete).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliRun } from '../../src/cli/run.js';
import { kawaCommand } from '../../src/cli/services/kawa-command.js';
import type { Application } from '../../src/model/index.js';
import { assembleServer, type AssembledServer } from '../../src/server/index.js';
import { useController } from '../harness/controller.js';
import { waitFor } from '../harness/kube.js';

const deployment = (replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: guestbook}
  template:
    metadata:
      labels: {app: guestbook}
    spec:
      containers:
        - name: main
          image: nginx:1.27
`;
const service = `apiVersion: v1
kind: Service
metadata:
  name: guestbook
spec:
  selector: {app: guestbook}
  ports:
    - port: 80
`;

const fx = useController({ files: { 'guestbook/deploy.yaml': deployment(1), 'guestbook/service.yaml': service } });
let tmp: string;
let assembled: AssembledServer;
let server: string;

const kawa = (...args: string[]): Promise<CliRun> => runCli(args, { KAWA_CONFIG: path.join(tmp, 'config'), NO_COLOR: '1' });

/** Runs `kawa app get NAME -o json` until `done` holds. */
const appState = (name: string, what: string, done: (app: Application) => boolean): Promise<Application> =>
  waitFor(`${name}: ${what}`, async () => {
    const run = await kawa('app', 'get', name, '-o', 'json');
    if (run.code !== 0) throw new Error(run.stderr);
    const app = JSON.parse(run.stdout) as Application;
    return done(app) ? app : undefined;
  }, { timeoutMs: 60_000 });

const replicas = async (): Promise<number | undefined> =>
  (await fx.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'guestbook', namespace: fx.dest })).spec?.replicas;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'kawa-cli-sync-'));
  assembled = await assembleServer({ kubeConfig: fx.kc, namespace: fx.ns, logger: pino({ level: 'silent' }), repoCacheRoot: path.join(tmp, 'repos') });
  server = (await assembled.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http:\/\//, '');
});

afterAll(async () => {
  await assembled.app.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('kawa app sync and friends, with a controller', () => {
  it('logs in with the initial admin password', async () => {
    const initial = await kawa('admin', 'initial-password', '-n', fx.ns, '--kubeconfig', inject('kubeconfig'));
    expect(initial.code).toBe(0);
    const password = initial.stdout.trim();
    expect(password).toMatch(/^\S{8,}$/);
    expect(initial.stderr).toContain(`\`${kawaCommand('account update-password')}\``);
    const login = await kawa('login', `http://${server}`, '--username', 'admin', '--password', password);
    expect(login.code).toBe(0);
  });

  it('creates an app, shows it OutOfSync, and diffs it', async () => {
    const created = await kawa('app', 'create', 'guestbook', '--repo', fx.repoURL, '--path', 'guestbook', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', fx.dest);
    expect(created.code).toBe(0);
    await appState('guestbook', 'OutOfSync', (a) => a.status?.sync?.status === 'OutOfSync');
    const get = await kawa('app', 'get', 'guestbook');
    expect(get.stdout).toMatch(/^Sync Status:\s+OutOfSync from HEAD \([0-9a-f]{7}\)$/m);
    expect(get.stdout).toMatch(new RegExp(`^apps\\s+Deployment\\s+${fx.dest}\\s+guestbook\\s+OutOfSync\\s+Missing`, 'm'));

    const diff = await kawa('app', 'diff', 'guestbook');
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`===== apps/Deployment ${fx.dest}/guestbook ======`);
    expect(diff.stdout).toContain('+  replicas: 1');
    expect(diff.stdout).toContain(`===== Service ${fx.dest}/guestbook ======`);
  });

  it('fails clearly when the sync fails, and succeeds with live progress', async () => {
    const broken = await kawa('app', 'create', 'nowhere', '--repo', fx.repoURL, '--path', 'guestbook', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'no-such-namespace-kawa');
    expect(broken.code).toBe(0);
    const failed = await kawa('app', 'sync', 'nowhere', '--timeout', '90');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/the operation on nowhere ended (Failed|Error): .*no-such-namespace-kawa.*KAWA_CLI_OPERATION_FAILED/s);
    expect((await kawa('app', 'delete', 'nowhere', '-y', '--cascade=false')).code).toBe(0);

    const sync = await kawa('app', 'sync', 'guestbook', '--timeout', '90');
    expect(sync.stderr).toContain("sync of 'guestbook' started");
    expect(sync.stderr).toMatch(/^── Sync wave 0$/m);
    expect(sync.stderr).toMatch(new RegExp(`^ +Synced +apps/Deployment ${fx.dest}/guestbook`, 'm'));
    expect(sync.stderr).toMatch(/^operation Succeeded/m);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/^Phase:\s+Succeeded$/m);
    expect(sync.stdout).toMatch(new RegExp(`^apps\\s+Deployment\\s+${fx.dest}\\s+guestbook\\s+Synced\\s+`, 'm'));
    expect(await replicas()).toBe(1);

    const wait = await kawa('app', 'wait', 'guestbook', '--sync', '--health', '--timeout', '60');
    expect(wait.code).toBe(0);
    const clean = await kawa('app', 'diff', 'guestbook');
    expect(clean.stdout).toBe('');
    expect(clean.code).toBe(0);
  });

  it('diffs a local directory before pushing it', async () => {
    const local = path.join(tmp, 'local');
    await rm(local, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(local, { recursive: true }));
    await writeFile(path.join(local, 'deploy.yaml'), deployment(3));
    await writeFile(path.join(local, 'service.yaml'), service);
    const diff = await kawa('app', 'diff', 'guestbook', '--local', local);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`===== apps/Deployment ${fx.dest}/guestbook ======`);
    expect(diff.stdout).toContain('-  replicas: 1\n+  replicas: 3\n');
    expect(diff.stdout).not.toContain('Service');
  });

  it('syncs a new commit, keeps history and rolls back', async () => {
    await fx.push('two replicas', { 'guestbook/deploy.yaml': deployment(2) });
    const refreshed = await kawa('app', 'get', 'guestbook', '--hard-refresh');
    expect(refreshed.code).toBe(0);
    await appState('guestbook', 'OutOfSync on the new commit', (a) => a.status?.sync?.status === 'OutOfSync');
    expect((await kawa('app', 'sync', 'guestbook', '--timeout', '90')).code).toBe(0);
    expect(await replicas()).toBe(2);

    const history = await kawa('app', 'history', 'guestbook');
    expect(history.stdout).toMatch(/^SOURCE {2}http:\/\/127\.0\.0\.1:\d+\//);
    expect(history.stdout).toMatch(/^ID +DATE +REVISION$/m);
    expect(history.stdout).toMatch(/^0 +\S+ +[0-9a-f]{40}$/m);
    expect(history.stdout).toMatch(/^1 +\S+ +[0-9a-f]{40}$/m);

    const rollback = await kawa('app', 'rollback', 'guestbook', '0', '--timeout', '90');
    expect(rollback.stderr).toContain("rollback of 'guestbook' to history entry 0 started");
    expect(rollback.code).toBe(0);
    expect(await replicas()).toBe(1);
  });

  it('prints manifests and resources', async () => {
    const git = await kawa('app', 'manifests', 'guestbook');
    expect(git.code).toBe(0);
    expect(git.stdout).toMatch(/^kind: Deployment$/m);
    expect(git.stdout).toMatch(/^kind: Service$/m);
    // The server's live cache follows the cluster through a watch: allow it a moment.
    const live = await waitFor('live manifests with 1 replica', async () => {
      const run = await kawa('app', 'manifests', 'guestbook', '--source', 'live');
      return /kind: Deployment\n[\s\S]*replicas: 1\n/.test(run.stdout) ? run : undefined;
    }, { timeoutMs: 20_000 });
    expect(live.stdout).not.toContain('managedFields');
    const resources = await kawa('app', 'resources', 'guestbook');
    expect(resources.stdout).toMatch(new RegExp(`^apps\\s+Deployment\\s+${fx.dest}\\s+guestbook\\s+No$`, 'm'));
    const tree = await kawa('app', 'get', 'guestbook', '-o', 'tree');
    expect(tree.stdout).toMatch(/^Deployment\/guestbook\s+/m);
  });

  it('deletes the app and its resources', async () => {
    const del = await kawa('app', 'delete', 'guestbook', '-y', '--wait', '--timeout', '60');
    expect(del.stderr).toContain("application 'guestbook' is gone");
    expect(del.code).toBe(0);
    await waitFor('the Deployment to be deleted', async () => ((await replicas().catch(() => 'gone')) === 'gone' ? true : undefined));
  });
});
