// The repo server over HTTP end to end: a real git repository served over real smart HTTP, a real
// RepoService behind the real HTTP API on 127.0.0.1, the fetch client against it, and `kawa repo-server`
// run through commander in-process. Slow renders are a real config management plugin that sleeps.
// Needs no cluster.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRepoServer } from '../../src/cli/commands/repo-server/repo-server.js';
import { errorCodes } from '../../src/errors.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { GitMirrorCache } from '../../src/git/mirror.js';
import type { ConfigManagementPlugin } from '../../src/render/index.js';
import { RepoServerClient, RepoService, startRepoServerHttp, type ManifestRequest, type ManifestSource, type RepoServerHttp, type RepoServiceOptions } from '../../src/reposerver/index.js';
import { TempDirs, createRepo, type TestRepo } from '../harness/git.js';
import { rejectsWith } from '../harness/render.js';

const tmp = new TempDirs();
let gitRoot: string;
let git: GitHttpServer;
let work: TestRepo;
let url: string;
let head: string;

const files = {
  'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\ndata:\n  version: "1"\n',
  'guestbook/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: guestbook\nspec:\n  ports:\n    - port: 80\n',
  'slow/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: slow\n',
};

/** A plugin that sleeps, then prints the directory's YAML: a render that takes `seconds`. */
const sleeper = (seconds: number): ConfigManagementPlugin => ({ name: 'sleeper', generate: { command: ['sh', '-c'], args: [`sleep ${seconds}; cat *.yaml`] } });

const sleeperYaml = (seconds: number): string =>
  `apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata:\n  name: sleeper\nspec:\n  generate:\n    command: [sh, -c]\n    args: ["sleep ${seconds}; cat *.yaml"]\n`;

async function newService(options: Partial<RepoServiceOptions> = {}): Promise<RepoService> {
  return new RepoService({ mirrors: new GitMirrorCache({ cacheRoot: await tmp.make('kawa-rshttp-cache-') }), workRoot: await tmp.make('kawa-rshttp-work-'), ...options });
}

const app = (appPath: string, appName = 'guestbook', extra: Partial<ManifestRequest> = {}): ManifestRequest => ({
  source: { repoURL: url, path: appPath, targetRevision: 'main' },
  appName,
  namespace: 'default',
  ...extra,
});

async function post(server: RepoServerHttp, route: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function health(server: RepoServerHttp): Promise<{ running: number; queued: number }> {
  const response = await fetch(`${server.url}/healthz`);
  return (await response.json()) as { running: number; queued: number };
}

beforeAll(async () => {
  gitRoot = await tmp.make('kawa-rshttp-root-');
  work = await createRepo(path.join(await tmp.make('kawa-rshttp-src-'), 'app'));
  head = await work.commit('first', { files });
  await work.publishBare(gitRoot, 'app');
  git = await startGitHttpServer({ root: gitRoot });
  url = git.urlFor('app');
}, 120_000);

afterAll(async () => {
  await git.close();
  await tmp.cleanup();
});

describe('repo server over HTTP', () => {
  it('renders a directory app through the client exactly as in-process', async () => {
    const server = await startRepoServerHttp({ service: await newService(), host: '127.0.0.1', port: 0 });
    try {
      const remote: ManifestSource = new RepoServerClient({ url: server.url });
      const local: ManifestSource = await newService();
      const [viaHttp, inProcess] = [await remote.generateManifests(app('guestbook')), await local.generateManifests(app('guestbook'))];
      expect(viaHttp.revision).toBe(head);
      expect(viaHttp.sourceType).toBe('Directory');
      expect(viaHttp.objects.map((o) => `${o.object.kind}/${String(o.object.metadata?.['name'])}`).sort()).toEqual(['ConfigMap/guestbook', 'Service/guestbook']);
      expect(viaHttp.objects).toEqual(inProcess.objects);
      expect(viaHttp.objects[0]?.origin).toBeDefined();
      expect({ ...viaHttp, cached: false }).toEqual({ ...inProcess, cached: false });
      // The second call is the server's render cache answering.
      expect((await remote.generateManifests(app('guestbook'))).cached).toBe(true);
      expect(await remote.resolveRevision({ repoURL: url, targetRevision: 'main' })).toBe(head);
      expect(await remote.resolveRevision({ repoURL: url }, { revision: head.slice(0, 10) })).toBe(head);
      const healthz = await fetch(`${server.url}/healthz`);
      expect(healthz.status).toBe(200);
      expect(await healthz.json()).toMatchObject({ status: 'ok', running: 0, queued: 0, maxConcurrent: 10 });
    } finally {
      await server.close();
    }
  });

  it('answers user errors with 400 and their code, the client throwing the same code', async () => {
    const server = await startRepoServerHttp({ service: await newService(), host: '127.0.0.1', port: 0 });
    try {
      const escape = await post(server, '/api/v1/manifests', app('../outside'));
      expect(escape.status).toBe(400);
      expect(escape.body).toEqual({ code: errorCodes.RENDER_PATH_ESCAPE, message: expect.stringMatching(/leads outside the repository/) as unknown });
      const client = new RepoServerClient({ url: server.url });
      await rejectsWith(client.generateManifests(app('../outside')), errorCodes.RENDER_PATH_ESCAPE, /leads outside the repository/);
      await rejectsWith(client.resolveRevision({ repoURL: url, targetRevision: 'no-such-branch' }), errorCodes.GIT_REVISION_NOT_FOUND);
      // Request validation (zod) and malformed JSON are user errors too.
      const invalid = await post(server, '/api/v1/manifests', { source: { path: 'guestbook' }, appName: '' });
      expect(invalid.status).toBe(400);
      expect(invalid.body['code']).toBe(errorCodes.API_INVALID_ARGUMENT);
      expect(invalid.body['message']).toMatch(/source\.repoURL/);
      const malformed = await fetch(`${server.url}/api/v1/manifests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"source":' });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ code: errorCodes.API_INVALID_ARGUMENT });
      const missing = await fetch(`${server.url}/api/v1/nothing`);
      expect(missing.status).toBe(404);
      // No server there: the client says so with a code.
      await server.close();
      await rejectsWith(client.generateManifests(app('guestbook')), errorCodes.RENDER_FAILED, /unreachable/);
    } finally {
      await server.close();
    }
  });

  it('runs at most maxConcurrent renders, queues the next ones and turns away the rest with 503', async () => {
    const server = await startRepoServerHttp({ service: await newService({ plugins: () => [sleeper(2)] }), host: '127.0.0.1', port: 0, maxConcurrent: 1, maxQueued: 1 });
    try {
      const client = new RepoServerClient({ url: server.url });
      const slow = (name: string): ManifestRequest => app('slow', name, { source: { repoURL: url, path: 'slow', targetRevision: 'main', plugin: { name: 'sleeper' } } });
      const started = Date.now();
      const first = client.generateManifests(slow('one'));
      await waitFor('the first render to run', async () => (await health(server)).running === 1);
      const second = client.generateManifests(slow('two'));
      await waitFor('the second render to queue', async () => (await health(server)).queued === 1);
      expect(await health(server)).toMatchObject({ running: 1, queued: 1 });
      const third = await post(server, '/api/v1/manifests', slow('three'));
      expect(third.status).toBe(503);
      expect(third.body).toMatchObject({ code: errorCodes.RENDER_FAILED, message: expect.stringMatching(/busy/) as unknown });
      const [a, b] = await Promise.all([first, second]);
      // One after the other: two 2-second renders take at least 4 seconds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
      expect([a.objects[0]?.object.metadata?.['name'], b.objects[0]?.object.metadata?.['name']]).toEqual(['slow', 'slow']);
      expect(await health(server)).toMatchObject({ running: 0, queued: 0 });
    } finally {
      await server.close();
    }
  });
});

describe('kawa repo-server', () => {
  async function runRole(args: string[]): Promise<{ server: RepoServerHttp; stop: () => Promise<void> }> {
    const program = new Command('kawa').exitOverride();
    const abort = new AbortController();
    let listening: (server: RepoServerHttp) => void = () => undefined;
    const ready = new Promise<RepoServerHttp>((resolve) => {
      listening = resolve;
    });
    registerRepoServer(program, { onListening: (s) => {
        listening(s);
      }, log: pino({ level: 'silent' }), stop: abort.signal });
    const done = program.parseAsync(['repo-server', ...args], { from: 'user' });
    const server = await Promise.race([ready, done.then(() => Promise.reject(new Error('repo-server returned before listening')))]);
    return {
      server,
      stop: async () => {
        abort.abort();
        await done;
      },
    };
  }

  it('serves the API with the flags given, a render over the timeout failing with its code', async () => {
    const pluginFile = path.join(await tmp.make('kawa-rshttp-plugin-'), 'plugin.yaml');
    await writeFile(pluginFile, sleeperYaml(5));
    const cacheDir = await tmp.make('kawa-rshttp-role-');
    const { server, stop } = await runRole(['--address', '127.0.0.1', '--port', '0', '--parallelism-limit', '3', '--render-timeout', '1s', '--cache-dir', cacheDir, '--plugin-config', pluginFile]);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.limiter.max).toBe(3);
      const client = new RepoServerClient({ url: server.url });
      const result = await client.generateManifests(app('guestbook'));
      expect(result.revision).toBe(head);
      expect(result.objects).toEqual((await (await newService()).generateManifests(app('guestbook'))).objects);
      const started = Date.now();
      await rejectsWith(client.generateManifests(app('slow', 'slow', { source: { repoURL: url, path: 'slow', plugin: { name: 'sleeper' } } })), errorCodes.RENDER_TIMEOUT);
      expect(Date.now() - started).toBeLessThan(4_500);
    } finally {
      await stop();
    }
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('rejects bad flags before listening', async () => {
    await rejectsWith(runRole(['--port', '0', '--render-timeout', 'soon']), errorCodes.CLI_INVALID_ARGUMENT, /--render-timeout/);
    await rejectsWith(runRole(['--port', '0', '--parallelism-limit', '0']), errorCodes.CLI_INVALID_ARGUMENT, /--parallelism-limit/);
  });

  it('prints an example in --help', () => {
    const program = new Command('kawa');
    registerRepoServer(program);
    const command = program.commands.find((c) => c.name() === 'repo-server');
    let help = '';
    command?.configureOutput({ writeOut: (text) => (help += text) }).outputHelp();
    expect(help).toMatch(/--parallelism-limit/);
    expect(help).toMatch(/--render-timeout <duration>/);
    expect(help).toMatch(/Examples:\n {2}kawa repo-server/);
  });
});
