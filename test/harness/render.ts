// Shared setup for the render tests (src/render/*.test.ts): a private copy of src/render/testdata per
// test file, so a test can add files next to the fixtures without touching the checkout, and helpers to
// check what a render gave. Outside src/, so the build never includes it.
import bcrypt from 'bcryptjs';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { createPki } from '../../src/localcluster/certs.js';

/** Test certificates (a CA and a serving certificate) for TLS servers in render tests. */
export { createPki };
import { ociEnvironment } from '../../src/render/charts/oci.js';
import type { RenderedObject } from '../../src/render/index.js';
import { toolBinary } from '../../src/render/tools.js';
import { exec } from '../../src/util/exec.js';

const testdata = fileURLToPath(new URL('../../src/render/testdata', import.meta.url));

/**
 * Copies src/render/testdata to a fresh temp directory (named `kawa-render-<name>-…`) before the test
 * file's tests and removes it after them. `ready` gets the directory once it exists.
 */
export function useTestdataCopy(name: string, ready: (dir: string) => void): void {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `kawa-render-${name}-`));
    await cp(testdata, dir, { recursive: true });
    ready(dir);
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
}

/** Writes `contents` (file name → text, names may hold `/`) under `root/dir`; returns `dir`. */
export async function writeFiles(root: string, dir: string, contents: Record<string, string>): Promise<string> {
  const abs = path.join(root, dir);
  await mkdir(abs, { recursive: true });
  for (const [name, text] of Object.entries(contents)) {
    await mkdir(path.dirname(path.join(abs, name)), { recursive: true });
    await writeFile(path.join(abs, name), text);
  }
  return dir;
}

/** Expects a render to fail with `code` and, when given, a message equal to or matching `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    await promise;
  } catch (err) {
    error = err as { code?: unknown; message?: unknown };
  }
  expect(error, 'the render should fail').toBeDefined();
  expect(error?.code).toBe(code);
  if (typeof message === 'string') expect(error?.message).toBe(message);
  else if (message) expect(error?.message).toMatch(message);
}

/** `Kind/name` of each object, in order. */
export const names = (objects: readonly RenderedObject[]): string[] => objects.map(({ object }) => `${object.kind}/${String(object.metadata?.['name'])}`);

/** The first object of `kind`; throws when there is none. */
export const find = (objects: readonly RenderedObject[], kind: string): Record<string, unknown> => {
  const found = objects.find((o) => o.object.kind === kind);
  if (!found) throw new Error(`no ${kind}`);
  return found.object;
};

// ---- Helm chart repositories and OCI registries on loopback ------------------------------------------

export interface StaticServer {
  /** `http://127.0.0.1:<port>` (or https), no trailing slash. */
  url: string;
  /** Paths requested so far, in order (`/index.yaml`, `/charts/app-1.0.0.tgz`). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves the files under `root` read-only on 127.0.0.1, with an ETag per file (304 on a match) and,
 * when `auth` is given, Basic auth on every request.
 */
export async function startStaticServer(root: string, options: { auth?: { username: string; password: string }; tls?: { cert: string; key: string } } = {}): Promise<StaticServer> {
  const requests: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(pathname);
    if (options.auth) {
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
        return;
      }
    }
    const file = path.join(root, pathname);
    if (!file.startsWith(`${root}${path.sep}`)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag }).end();
          return;
        }
        res.writeHead(200, { etag, 'content-length': body.length }).end(body);
      },
      () => res.writeHead(404).end(),
    );
  };
  const server = options.tls ? https.createServer({ cert: await readFile(options.tls.cert), key: await readFile(options.tls.key) }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}

/** The pinned helm binary. */
export const helmBinary = (): Promise<string> => toolBinary('helm');

/** Writes a small chart `name` at `version` (one ConfigMap showing its name, version and `.Values.message`) under `dir/name`; returns its directory. */
export async function writeChart(dir: string, name: string, version: string, extra: Record<string, string> = {}): Promise<string> {
  const chartDir = path.join(dir, name);
  await writeFiles(dir, name, {
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
    'values.yaml': 'message: hello\n',
    'templates/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-{{ .Chart.Name }}',
      'data:',
      '  chart: {{ .Chart.Name }}-{{ .Chart.Version }}',
      '  message: {{ .Values.message | quote }}',
      '',
    ].join('\n'),
    ...extra,
  });
  return chartDir;
}

/** `helm package` of `chartDir` into `destDir`; returns the archive path. */
export async function helmPackage(chartDir: string, destDir: string): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'kawa-helm-home-'));
  try {
    const { stdout } = await exec(await helmBinary(), ['package', chartDir, '--destination', destDir], { env: { PATH: process.env['PATH'] ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home } });
    const archive = /saved it to: (.+\.tgz)/.exec(stdout)?.[1];
    if (archive === undefined) throw new Error(`helm package printed no archive: ${stdout}`);
    return archive.trim();
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * A static Helm chart repository: each `[name, version]` is written, `helm package`d into
 * `root/charts/`, and `helm repo index` writes the real index.yaml (chart URLs relative). Returns root.
 */
export async function buildChartRepo(root: string, charts: readonly (readonly [string, string])[]): Promise<string> {
  const src = path.join(root, 'src');
  await mkdir(path.join(root, 'charts'), { recursive: true });
  for (const [name, version] of charts) {
    const dir = await writeChart(path.join(src, `${name}-${version}`), name, version);
    await helmPackage(dir, path.join(root, 'charts'));
  }
  await rm(src, { recursive: true, force: true });
  const home = await mkdtemp(path.join(tmpdir(), 'kawa-helm-home-'));
  try {
    await exec(await helmBinary(), ['repo', 'index', root], { env: { PATH: process.env['PATH'] ?? '', HOME: home, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home } });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  return root;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** PEM of the CA that signed the registry's certificate. */
  caData: string;
  username: string;
  password: string;
  /** `helm push` an archive to `oci://<host>/<repoPath>`. */
  push(archive: string, repoPath: string): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/**
 * Debian's real registry (`/usr/bin/docker-registry`, distribution 2.8) on a random loopback port,
 * with TLS from a fresh CA and htpasswd (bcrypt) auth, its data in `dir`.
 */
export async function startTestRegistry(dir: string): Promise<TestRegistry> {
  const pki = await createPki(path.join(dir, 'pki'), [], '127.0.0.1');
  const username = 'charts';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  await writeFile(path.join(dir, 'htpasswd'), `${username}:${bcrypt.hashSync(password, 5)}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${path.join(dir, 'data')}}}`,
    `http: {addr: "127.0.0.1:${port}", tls: {certificate: ${pki.serverCert}, key: ${pki.serverKey}}}`,
    `auth: {htpasswd: {realm: kawa-test, path: ${path.join(dir, 'htpasswd')}}}`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'config.yml'), config);
  const child = spawn('/usr/bin/docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const caData = await readFile(pki.caCert, 'utf8');
  const host = `127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  // Up when /v2/ asks for credentials.
  for (let i = 0; ; i++) {
    const status = await new Promise<number>((resolve) => {
      https.get(`https://${host}/v2/`, { ca: caData }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', () => { resolve(0); });
    });
    if (status === 401) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    host,
    caData,
    username,
    password,
    async push(archive, repoPath) {
      const { dir: helmDir, env, tlsArgs } = await ociEnvironment({ registries: new Map([[host, { username, password, caData }]]) });
      try {
        await exec(await helmBinary(), ['push', ...tlsArgs, archive, `oci://${host}/${repoPath}`], { env });
      } finally {
        await rm(helmDir, { recursive: true, force: true });
      }
    },
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
