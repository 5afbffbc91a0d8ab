// `kawa server` and `kawa repo-server` stopped by SIGTERM while clients hold connections open exit within
// --shutdown-timeout (or at once on a second signal): the API server with an SSE client and a client that
// never finishes its request; the repo server with a render stuck in a git fetch from a server that never
// answers (whose git process must not outlive it).
import { execFileSync } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { spawnKawa, type RoleProcess } from '../harness/roles.js';

const root = path.resolve(import.meta.dirname, '../..');
const kubeconfig = (): string => process.env['KAWA_TEST_KUBECONFIG'] ?? path.join(root, '.kawa', 'test.kubeconfig');

/** Opens a TCP connection and sends half a request: the server counts it as busy, not idle. */
async function halfRequest(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write('GET /api/version HTTP/1.1\r\nHost: kawa\r\n');
  return socket;
}

describe('kawa server and repo-server: SIGTERM with clients connected', () => {
  const ns = useNamespace('shut-srv');
  const running: RoleProcess[] = [];
  const sockets: Socket[] = [];
  let silent: Server | undefined;
  const hanging = new Set<Socket>();

  afterAll(async () => {
    for (const role of running) await role.kill();
    for (const s of [...sockets, ...hanging]) s.destroy();
    await new Promise<void>((resolve) => {
      if (silent === undefined) resolve();
      else silent.close(() => {
        resolve();
      });
    });
  });

  it('kawa server exits within the deadline with an SSE client and a half-sent request open', async () => {
    const server = spawnKawa(['server', '--kubeconfig', kubeconfig(), '--namespace', ns.name, '--address', '127.0.0.1', '--port', '0', '--install-crds', '--shutdown-timeout', '4s'], {
      ...process.env,
      KAWA_LOG_LEVEL: 'warn',
    });
    running.push(server);
    const url = /listening on (http:\S+)/.exec(await server.waitFor(/listening on http:\S+/, 60_000))?.[1] ?? '';
    const core = testKubeConfig().makeApiClient(CoreV1Api);
    const secret = await waitUntil('the initial admin Secret', () => core.readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: ns.name }), (s) => s.data?.['password'] !== undefined);
    const password = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
    const login = (await (await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token?: string };
    const stream = await fetch(`${url}/api/v1/stream/applications`, { headers: { authorization: `Bearer ${login.token ?? ''}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    const ended = (async () => {
      for (;;) if ((await reader?.read().catch(() => ({ done: true })))?.done !== false) return;
    })();
    sockets.push(await halfRequest(url));

    const { code, ms } = await server.signal('SIGTERM');
    expect(ms, server.output()).toBeLessThan(4_000 + 2_000);
    expect(server.output()).toMatch(/stopping \(SIGTERM\)/);
    // The half-sent request is cut once half the deadline has passed; then everything is stopped.
    expect(server.output()).toMatch(/API server: closing 1 connection still open/);
    expect(code, server.output()).toBe(0);
    await ended;
  });

  it('a second signal exits at once, naming what was not stopped', async () => {
    const server = spawnKawa(['server', '--kubeconfig', kubeconfig(), '--namespace', ns.name, '--address', '127.0.0.1', '--port', '0', '--shutdown-timeout', '60s'], { ...process.env, KAWA_LOG_LEVEL: 'warn' });
    running.push(server);
    const url = /listening on (http:\S+)/.exec(await server.waitFor(/listening on http:\S+/, 60_000))?.[1] ?? '';
    sockets.push(await halfRequest(url));
    server.child.kill('SIGTERM');
    await server.waitFor(/stopping \(SIGTERM\): waiting up to 60s/, 10_000);
    const { code, ms } = await server.signal('SIGINT');
    expect(ms).toBeLessThan(2_000);
    expect(code).toBe(130);
    expect(server.output()).toMatch(/SIGINT again: exiting now; not stopped: API server \(1 open connection\)/);
  });

  it('kawa repo-server exits within the deadline with a render stuck in git, and kills that git', async () => {
    silent = createServer((s) => {
      hanging.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const repoURL = `http://127.0.0.1:${port}/never-answers.git`;
    const repoServer = spawnKawa(['repo-server', '--port', '0', '--shutdown-timeout', '3s', '--cache-dir', path.join(root, '.kawa', `shut-rs-${port}`)], { ...process.env, KAWA_LOG_LEVEL: 'info' });
    running.push(repoServer);
    const url = /"url":"(http:[^"]+)"/.exec(await repoServer.waitFor(/repo server listening/, 60_000))?.[1] ?? '';
    const render = fetch(`${url}/api/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appName: 'stuck', source: { repoURL, path: '.', targetRevision: 'HEAD' } }),
    }).then(
      (r) => r.status,
      () => 'cut',
    );
    await waitUntil('git to be connected to the silent server', () => Promise.resolve(hanging.size), (n) => n > 0, { timeoutMs: 20_000, intervalMs: 100 });
    const gitProcesses = (): string => {
      try {
        return execFileSync('pgrep', ['-f', `127.0.0.1:${port}`], { encoding: 'utf8' });
      } catch {
        return ''; // pgrep exits 1 when nothing matches
      }
    };
    expect(gitProcesses()).not.toBe('');

    const { code, ms } = await repoServer.signal('SIGTERM');
    expect(ms, repoServer.output()).toBeLessThan(3_000 + 2_000);
    const output = repoServer.output();
    // Half the deadline for the render to finish, then its connection is cut; its git dies with the process.
    expect(output).toMatch(/repo server: closing 1 connection still open/);
    expect(output).toMatch(/killed \d+ child process/);
    expect(code, output).toBe(0);
    expect(await render).toBe('cut');
    await waitUntil('no git process left for the silent server', () => Promise.resolve(gitProcesses()), (p) => p === '', { timeoutMs: 5_000, intervalMs: 100 });
  });
});
