// Issue 13 item 12: plugins and git children get the least. Real processes throughout.
//
// (a) A config management plugin, configured by the operator but fed by a tenant's repository, tries
// what an attacker would: print its environment, read kawa's cache dir (where the mirrors and a file
// holding the repository password are), the kubeconfig of the real control plane, other processes'
// environments, and the askpass files of a git fetch. The repository is served over HTTP with Basic
// auth, the mirror lives in kawa's real cache dir, and kawa's own environment holds KUBECONFIG and a
// token. The plugin's output is a ConfigMap, applied to the real API server and read back from it: no
// password, token, kubeconfig content or KUBECONFIG variable in it, and every read failed.
//
// (b) A `git fetch` with Basic auth (and one with a bearer token) against an HTTP server that holds the
// authenticated request open: while git waits, /proc/<pid>/environ and /proc/<pid>/cmdline of every git
// process of that fetch hold no secret; the server did receive the right credentials; the error after
// the server drops the connection names no secret either.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messageOf } from '../../src/errors.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { GitMirrorCache } from '../../src/git/mirror.js';
import { cacheDir } from '../../src/tools/pins.js';
import { pluginSandbox } from '../../src/render/sandbox.js';
import { RepoService } from '../../src/reposerver/index.js';
import { TempDirs, createRepo } from '../harness/git.js';
import { serverSideApply, testKubeConfig, useNamespace } from '../harness/kube.js';

const PASSWORD = `children-repo-password-${randomBytes(6).toString('hex')}`;
const TOKEN = `children-parent-token-${randomBytes(6).toString('hex')}`;
const USER = 'alice';
const ns = useNamespace('children');
const tmp = new TempDirs();

const saved = new Map<string, string | undefined>();
function setEnv(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  process.env[name] = value;
}

beforeAll(() => {
  // kawa's own environment, as an operator would run it: a kubeconfig and a token.
  setEnv('KUBECONFIG', inject('kubeconfig'));
  setEnv('ARGOCD_AUTH_TOKEN', TOKEN);
});

afterAll(async () => {
  for (const [name, value] of saved) {
    // process.env turns undefined into the string "undefined": remove what was not set before.
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  await tmp.cleanup();
});

/** The plugin: every attempt's output and exit status as one field of a ConfigMap (block scalars, printable text only). */
const attackScript = String.raw`
field() { printf '  %s: |\n' "$1"; tr -cd '[:print:]\n' | sed 's/^/    /'; printf '    end\n'; }
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n' "$ARGOCD_APP_NAME"
{ env | sort; } | field env
{ cat "$ARGOCD_ENV_CACHE/password-file" 2>&1; echo "rc=$?"; } | field cacheFile
{ ls -R "$ARGOCD_ENV_CACHE" 2>&1; echo "rc=$?"; } | field cacheList
{ cat "$ARGOCD_ENV_CACHE"/repos/*/config 2>&1; echo "rc=$?"; } | field mirrorConfig
{ cat "$ARGOCD_ENV_KCFG" 2>&1; echo "rc=$?"; } | field kubeconfig
{ cat /proc/[0-9]*/environ 2>&1 | tr '\000' '\n'; echo "rc=$?"; } | field procEnviron
{ cat /tmp/kawa-git-auth-*/* "$ARGOCD_ENV_TMP"/kawa-git-auth-*/* 2>&1; echo "rc=$?"; } | field gitAuthFiles
{ id -u; } | field uid
`;

describe('a config management plugin reaches nothing of kawa\'s', () => {
  let git: GitHttpServer;
  let cacheRoot = '';

  beforeAll(async () => {
    const root = await tmp.make('kawa-children-git-');
    const work = await createRepo(path.join(await tmp.make('kawa-children-work-'), 'app'));
    await work.commit('first', { files: { 'app/README': 'rendered by a plugin\n' } });
    await work.publishBare(root, 'app');
    git = await startGitHttpServer({ root, auth: { username: USER, password: PASSWORD } });
    // kawa's real cache dir (~/.cache/kawa or $KAWA_CACHE_DIR), as in production; removed afterwards.
    cacheRoot = path.join(cacheDir(), `e2e-children-${randomBytes(4).toString('hex')}`);
    await mkdir(cacheRoot, { recursive: true, mode: 0o700 });
    await writeFile(path.join(cacheRoot, 'password-file'), `${PASSWORD}\n`, { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    await git.close();
    await rm(cacheRoot, { recursive: true, force: true });
  });

  it('prints no credential, no KUBECONFIG, and every read fails; the ConfigMap round-trips through the API server', async () => {
    const sandbox = await pluginSandbox();
    // This machine (root, util-linux) must get the strongest kind: the test is about what it hides.
    expect(sandbox.kind).toBe('namespaces');
    const kubeconfigPath = inject('kubeconfig');
    const kubeconfigText = await readFile(kubeconfigPath, 'utf8');
    const service = new RepoService({
      mirrors: new GitMirrorCache({ cacheRoot: path.join(cacheRoot, 'repos') }),
      workRoot: path.join(cacheRoot, 'checkouts'),
      credentials: () => ({ username: USER, password: PASSWORD }),
      plugins: () => [{ name: 'attacker', generate: { command: ['sh', '-c', attackScript] } }],
    });
    const url = git.urlFor('app');
    const result = await service.generateManifests({
      source: {
        repoURL: url,
        path: 'app',
        plugin: {
          name: 'attacker',
          env: [
            { name: 'CACHE', value: cacheRoot },
            { name: 'KCFG', value: kubeconfigPath },
            { name: 'TMP', value: process.env['TMPDIR'] ?? '/tmp' },
          ],
        },
      },
      appName: 'attacker-output',
      namespace: ns.name,
    });
    // The mirror really is in the cache dir the plugin was pointed at.
    expect((await readdir(path.join(cacheRoot, 'repos'))).length).toBe(1);
    const [rendered] = result.objects.map((o) => o.object);
    expect(rendered).toBeDefined();
    const applied = await serverSideApply(testKubeConfig(), { ...rendered, metadata: { name: 'attacker-output', namespace: ns.name } });
    expect(applied.metadata.name).toBe('attacker-output');
    const live = await testKubeConfig().makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'attacker-output', namespace: ns.name });
    const data = live.data ?? {};
    const everything = JSON.stringify(data);

    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
    expect(everything).not.toContain(TOKEN);
    expect(data['env']).not.toMatch(/^KUBECONFIG=/m);
    expect(data['procEnviron']).not.toMatch(/^KUBECONFIG=/m);
    // Nothing of the kubeconfig: its certificates, keys or tokens are its long lines.
    for (const line of kubeconfigText.split('\n').filter((l) => l.trim().length > 40)) expect(everything).not.toContain(line.trim());

    // The environment: the documented variables, PATH and a private HOME only.
    const names = (data['env'] ?? '').split('\n').map((l) => l.split('=')[0] ?? '').filter((n) => n !== '' && n !== 'end');
    for (const name of names) expect(name).toMatch(/^(PATH|HOME|TMPDIR|PWD|SHLVL|_|OLDPWD|KUBE_VERSION|KUBE_API_VERSIONS|ARGOCD_APP_\w+|ARGOCD_ENV_\w+)$/);
    expect(names).toEqual(expect.arrayContaining(['ARGOCD_APP_NAME', 'ARGOCD_ENV_CACHE', 'HOME', 'PATH']));

    // Every read failed.
    for (const field of ['cacheFile', 'cacheList', 'mirrorConfig', 'kubeconfig', 'gitAuthFiles']) {
      expect(data[field], field).toMatch(/No such file or directory|Permission denied/);
      expect(data[field], field).toMatch(/rc=[1-9]/);
    }
    // No other process is visible: the only environments are the sandbox's own (its PID namespace).
    expect(data['procEnviron']).not.toContain('ARGOCD_AUTH_TOKEN');
    expect(data['uid']).toBe('65534\nend\n');
  }, 120_000);
});

interface HoldingServer {
  url: string;
  /** Authorization headers received, in order. */
  authorizations: string[];
  /** Resolves when a request with credentials arrives (and is being held). */
  held: Promise<void>;
  close(): Promise<void>;
}

/** Answers 401 to a request without credentials; holds one with credentials open until close(). */
async function holdingServer(): Promise<HoldingServer> {
  const authorizations: string[] = [];
  const open = new Set<http.ServerResponse>();
  let markHeld = (): void => undefined;
  const held = new Promise<void>((resolve) => {
    markHeld = resolve;
  });
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization;
    if (auth === undefined) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="hold"' }).end();
      return;
    }
    authorizations.push(auth);
    open.add(res);
    markHeld();
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/blocked/repo.git`,
    authorizations,
    held,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

interface ProcessView {
  pid: number;
  cmdline: string;
  environ: string;
}

/** Every process whose command line mentions `needle`, with its environment. */
async function processesMentioning(needle: string): Promise<ProcessView[]> {
  const found: ProcessView[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      if (!cmdline.includes(needle)) continue;
      found.push({ pid: Number(entry), cmdline, environ: (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0').join('\n') });
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

describe('git children carry no credential in their environment or arguments', () => {
  it.each([
    ['Basic auth (askpass)', { username: USER, password: PASSWORD }, PASSWORD, `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`],
    ['a bearer token (included config file)', { bearerToken: TOKEN }, TOKEN, `Bearer ${TOKEN}`],
  ])('%s: /proc/<pid>/environ and cmdline of the blocked git fetch hold no secret', async (_what, creds, secret, header) => {
    const server = await holdingServer();
    const mirrors = new GitMirrorCache({ cacheRoot: await tmp.make('kawa-children-mirrors-') });
    const fetching = mirrors.fetch(server.url, creds).then(
      () => undefined,
      (err: unknown) => err,
    );
    try {
      await server.held;
      // git sent the right credentials, so they did reach it.
      expect(server.authorizations.at(-1)).toBe(header);
      const processes = await processesMentioning(server.url);
      // `git fetch` and its `git remote-http` helper.
      expect(processes.length).toBeGreaterThanOrEqual(2);
      for (const p of processes) {
        expect(p.environ, `environ of ${p.cmdline}`).not.toContain(secret);
        expect(p.environ, `environ of ${p.cmdline}`).not.toContain(Buffer.from(secret).toString('base64'));
        expect(p.environ, `environ of ${p.cmdline}`).not.toContain('KUBECONFIG');
        expect(p.environ, `environ of ${p.cmdline}`).not.toContain('ARGOCD_AUTH_TOKEN');
        expect(p.cmdline).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
    const err = await fetching;
    expect(err).toBeInstanceOf(Error);
    expect(messageOf(err)).toContain(server.url);
    expect(messageOf(err)).not.toContain(secret);
  }, 60_000);
});
