// The CLI's hints against a real kawa API server and controller on the real kube-apiserver: a refusal
// says what to do for its own cause (the server names it in the error body), and the command a hint
// prints runs as typed in a real shell without `kawa` on PATH (as after `npm ci`).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliRun } from '../../src/cli/run.js';
import { kawaCommand, kawaRoot, onPath } from '../../src/cli/services/kawa-command.js';
import type { Application } from '../../src/model/index.js';
import { assembleServer, type AssembledServer } from '../../src/server/index.js';
import { useController } from '../harness/controller.js';
import { waitFor } from '../harness/kube.js';

const run = promisify(execFile);

const deployment = (replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: main
          image: nginx:1.27
`;

const fx = useController({ files: { 'web/deploy.yaml': deployment(1) } });
let tmp: string;
let assembled: AssembledServer;
let server: string;
/** PATH without kawa: node, npx and a shell only. */
const bare = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);

const env = (): Record<string, string> => ({ KAWA_CONFIG: path.join(tmp, 'config'), NO_COLOR: '1', PATH: bare });
const kawa = (...args: string[]): Promise<CliRun> => runCli(args, env());

const appState = (name: string, what: string, done: (app: Application) => boolean): Promise<Application> =>
  waitFor(`${name}: ${what}`, async () => {
    const got = await kawa('app', 'get', name, '-o', 'json');
    if (got.code !== 0) throw new Error(got.stderr);
    const app = JSON.parse(got.stdout) as Application;
    return done(app) ? app : undefined;
  }, { timeoutMs: 90_000 });

const replicas = async (): Promise<number | undefined> => (await fx.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: fx.dest })).spec?.replicas;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'kawa-cli-hints-'));
  assembled = await assembleServer({ kubeConfig: fx.kc, namespace: fx.ns, logger: pino({ level: 'silent' }), repoCacheRoot: path.join(tmp, 'repos') });
  server = (await assembled.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http:\/\//, '');
  const initial = await kawa('admin', 'initial-password', '-n', fx.ns, '--kubeconfig', inject('kubeconfig'));
  expect(initial.code).toBe(0);
  expect((await kawa('login', `http://${server}`, '--username', 'admin', '--password', initial.stdout.trim())).code).toBe(0);
});

afterAll(async () => {
  await assembled.app.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('hints that fit the cause', () => {
  it('refuses a rollback of an auto-synced app, saying to turn automated sync off, with a command that runs', async () => {
    const created = await kawa('app', 'create', 'web', '--repo', fx.repoURL, '--path', 'web', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', fx.dest, '--sync-policy', 'automated');
    expect(created.code).toBe(0);
    await appState('web', 'auto-synced once', (a) => a.status?.sync?.status === 'Synced' && (a.status.history?.length ?? 0) === 1);
    // A second deployment, so there is an earlier one to roll back to.
    await fx.push('two replicas', { 'web/deploy.yaml': deployment(2) });
    expect((await kawa('app', 'get', 'web', '--hard-refresh')).code).toBe(0);
    await appState('web', 'auto-synced the new commit', (a) => a.status?.sync?.status === 'Synced' && (a.status.history?.length ?? 0) === 2 && a.status.operationState?.phase === 'Succeeded');
    expect(await replicas()).toBe(2);

    const refused = await kawa('app', 'rollback', 'web', '--timeout', '60');
    expect(refused.code).toBe(1);
    const turnOff = kawaCommand('app set web --sync-policy none');
    expect(refused.stderr).toContain(
      `rollback cannot be initiated when auto-sync is enabled (HTTP 409); web has automated sync, which would sync it straight back to git: turn it off first with \`${turnOff}\``,
    );
    expect(refused.stderr).not.toContain('--upsert');
    expect(refused.stderr).toContain('(KAWA_API_CONFLICT)');

    // The printed command, exactly as printed, in a shell where `kawa` is not on PATH.
    expect(onPath('kawa', bare)).toBe(false);
    const printed = /turn it off first with `([^`]+)`/.exec(refused.stderr)?.[1] ?? '';
    expect(printed).toBe(turnOff);
    await run('/bin/sh', ['-c', printed], { cwd: kawaRoot(), env: { ...process.env, ...env() }, timeout: 60_000 });
    await appState('web', 'manual sync policy', (a) => a.spec.syncPolicy?.automated === undefined);

    const rollback = await kawa('app', 'rollback', 'web', '--timeout', '90');
    expect(rollback.stderr).toContain("rollback of 'web' to history entry 0 started");
    expect(rollback.code).toBe(0);
    expect(await replicas()).toBe(1);
  });

  it('says --upsert only when the app exists with another spec', async () => {
    const again = await kawa('app', 'create', 'web', '--repo', fx.repoURL, '--path', 'web', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'elsewhere');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('existing application spec is different, use upsert flag to force update (HTTP 409); it exists with another spec: run the same command with --upsert to replace it');
    expect(again.stderr).not.toContain('terminate-op');
  });

  it('says a refused login is about the credentials (not "run kawa login")', async () => {
    const refused = await runCli(['login', `http://${server}`, '--username', 'admin', '--password', 'not the password'], { ...env(), KAWA_CONFIG: path.join(tmp, 'other-config') });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`127.0.0.1:${server.split(':')[1] ?? ''} refused the login of 'admin'`);
    expect(refused.stderr).toContain(`check the username and password (the first admin password: \`${kawaCommand('admin initial-password')}\`)`);
    expect(refused.stderr).not.toContain('you are not logged in');
    expect(refused.stderr).toContain('(KAWA_AUTH_LOGIN_FAILED)');
  });

  it('says which history IDs exist when the ID is unknown', async () => {
    const unknown = await kawa('app', 'rollback', 'web', '7');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`(HTTP 400); pick an ID that \`${kawaCommand('app history web')}\` lists`);
  });
});
