// Real git over real HTTP: the git CLI talks to startGitHttpServer, which runs `git http-backend`.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TempDirs, TestRepo, createRepo, runGit } from '../../test/harness/git.js';
import { startGitHttpServer, type GitHttpServer, type GitHttpServerOptions } from './http-server.js';

const tmp = new TempDirs();
const servers: GitHttpServer[] = [];
let root: string;
let work: TestRepo;
const sha = { first: '', second: '', feature: '', v2Tag: '' };

async function serve(options: Partial<GitHttpServerOptions> = {}): Promise<GitHttpServer> {
  const server = await startGitHttpServer({ root, ...options });
  servers.push(server);
  return server;
}

function withCredentials(url: string, username: string, password: string): string {
  const u = new URL(url);
  u.username = username;
  u.password = password;
  return u.toString();
}

/** `git ls-remote` output as ref → sha. */
async function lsRemote(url: string, extra: string[] = []): Promise<Map<string, string>> {
  const { stdout } = await runGit([...extra, 'ls-remote', url]);
  return new Map(stdout.trim().split('\n').map((line) => line.split('\t').reverse() as [string, string]));
}

beforeAll(async () => {
  root = await tmp.make('kawa-git-root-');
  work = await createRepo(path.join(await tmp.make('kawa-git-work-'), 'app'));
  sha.first = await work.commit('first', { files: { 'README.md': '# app\n', 'deploy/app.yaml': 'kind: ConfigMap\n' } });
  await work.tag('v1');
  await work.branch('feature');
  sha.second = await work.commit('second', { files: { 'deploy/app.yaml': 'kind: ConfigMap\nname: two\n' } });
  await work.tag('v2', { annotated: true, message: 'release 2' });
  sha.v2Tag = await work.revParse('refs/tags/v2');
  await work.checkout('feature');
  sha.feature = await work.commit('on feature', { files: { 'feature.txt': 'feature\n' } });
  await work.checkout('main');
  await work.publishBare(root, 'app');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await tmp.cleanup();
});

describe('startGitHttpServer', () => {
  it('serves a clone over smart HTTP with the files and HEAD of the default branch', async () => {
    const server = await serve();
    const clone = await TestRepo.clone(server.urlFor('app'), path.join(await tmp.make(), 'clone'));
    expect(await clone.head()).toBe(sha.second);
    expect(await clone.git(['symbolic-ref', '--short', 'HEAD'])).toBe('main');
    expect(await readFile(path.join(clone.dir, 'README.md'), 'utf8')).toBe('# app\n');
    expect(await readFile(path.join(clone.dir, 'deploy/app.yaml'), 'utf8')).toBe('kind: ConfigMap\nname: two\n');
  });

  it('lists branches and both tags, the annotated one peeled', async () => {
    const server = await serve();
    const refs = await lsRemote(server.urlFor('app'));
    expect(sha.v2Tag).not.toBe(sha.second);
    expect(Object.fromEntries(refs)).toEqual({
      HEAD: sha.second,
      'refs/heads/main': sha.second,
      'refs/heads/feature': sha.feature,
      'refs/tags/v1': sha.first,
      'refs/tags/v2': sha.v2Tag,
      'refs/tags/v2^{}': sha.second,
    });
  });

  it('speaks protocol v0 as well as v2', async () => {
    const server = await serve();
    const refs = await lsRemote(server.urlFor('app'), ['-c', 'protocol.version=0']);
    expect(refs.get('refs/heads/feature')).toBe(sha.feature);
    expect(refs.get('refs/tags/v2^{}')).toBe(sha.second);
  });

  it('passes gzip request bodies and the Git-Protocol header to http-backend', async () => {
    const server = await serve();
    const body = gzipSync(Buffer.from('0014command=ls-refs\n00010000'));
    const res = await fetch(`${server.urlFor('app')}/git-upload-pack`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-git-upload-pack-request',
        'Content-Encoding': 'gzip',
        'Git-Protocol': 'version=2',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(await res.text()).toContain(`${sha.feature} refs/heads/feature`);
  });

  it('accepts a push when allowPush is on', async () => {
    const bare = await work.publishBare(root, 'push-on');
    const server = await serve({ allowPush: true });
    const clone = await TestRepo.clone(server.urlFor('push-on'), path.join(await tmp.make(), 'clone'));
    const pushed = await clone.commit('pushed', { files: { 'new.txt': 'new\n' } });
    await clone.git(['push', '--quiet', 'origin', 'main']);
    const { stdout } = await runGit(['rev-parse', 'refs/heads/main'], { cwd: bare });
    expect(stdout.trim()).toBe(pushed);
  });

  it('refuses a push when allowPush is off', async () => {
    const bare = await work.publishBare(root, 'push-off');
    const server = await serve();
    const clone = await TestRepo.clone(server.urlFor('push-off'), path.join(await tmp.make(), 'clone'));
    await clone.commit('rejected', { files: { 'new.txt': 'new\n' } });
    const push = await runGit(['push', 'origin', 'main'], { cwd: clone.dir, allowFailure: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/403/);
    const { stdout } = await runGit(['rev-parse', 'refs/heads/main'], { cwd: bare });
    expect(stdout.trim()).toBe(sha.second);
  });

  describe('with Basic auth', () => {
    const auth = { username: 'kawa', password: 's3cret-pw' };

    it('clones with the right credentials', async () => {
      const server = await serve({ auth });
      const url = withCredentials(server.urlFor('app'), auth.username, auth.password);
      const clone = await TestRepo.clone(url, path.join(await tmp.make(), 'clone'));
      expect(await clone.head()).toBe(sha.second);
    });

    it('fails a clone with the wrong password', async () => {
      const server = await serve({ auth });
      const url = withCredentials(server.urlFor('app'), auth.username, 'wrong');
      const clone = await runGit(['clone', url, path.join(await tmp.make(), 'clone')], { allowFailure: true });
      expect(clone.code).not.toBe(0);
      expect(clone.stderr).toMatch(/Authentication failed|401/);
    });

    it('answers 401 with a Basic challenge without credentials, 200 with them', async () => {
      const server = await serve({ auth });
      const refsUrl = `${server.urlFor('app')}/info/refs?service=git-upload-pack`;
      const anonymous = await fetch(refsUrl);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="kawa-test"');
      const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      const authed = await fetch(refsUrl, { headers: { Authorization: basic } });
      expect(authed.status).toBe(200);
      expect(await authed.text()).toContain('refs/heads/main');
    });
  });

  it('rejects paths with .. segments with 400', async () => {
    const server = await serve();
    const encoded = await fetch(`${server.url}/app.git%2F..%2F..%2Fetc/info/refs?service=git-upload-pack`);
    expect(encoded.status).toBe(400);
    // fetch() normalizes a literal `/../`, so send that one raw.
    const raw = await new Promise<number | undefined>((resolve, reject) => {
      http.get(`${server.url}/x/../app.git/info/refs`, { path: '/x/../app.git/info/refs' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(raw).toBe(400);
  });

  it('answers 404 for a repository that does not exist', async () => {
    const server = await serve();
    const res = await fetch(`${server.urlFor('missing')}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
  });
});
