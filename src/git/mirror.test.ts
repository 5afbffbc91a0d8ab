// The mirror cache against real git over real smart HTTP (startGitHttpServer), no mocks. The runner
// is wrapped only to observe (and in one test, hold) the git commands the cache runs.
import { readFile, readdir } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TempDirs, createRepo, runGit } from '../../test/harness/git.js';
import { UserError, errorCodes } from '../errors.js';
import type { GitCredentials } from './credentials.js';
import { startGitHttpServer, type GitHttpServer } from './http-server.js';
import { GitMirrorCache, type GitMirrorCacheOptions } from './mirror.js';
import { execGitRunner, subcommand, type GitInvocation, type GitRunner } from './run.js';

const tmp = new TempDirs();
const password = 'correct-horse-battery-staple';
const wrongPassword = 'Tr0ub4dor-and-3';
const good: GitCredentials = { username: 'alice', password };
const sha = { first: '', second: '', feature: '', v2Tag: '' };
let root: string;
let open: GitHttpServer;
let authed: GitHttpServer;
let url: string;

beforeAll(async () => {
  root = await tmp.make('kawa-git-root-');
  const work = await createRepo(path.join(await tmp.make('kawa-git-work-'), 'app'));
  sha.first = await work.commit('first', { files: { 'README.md': '# app\n', 'deploy/app.yaml': 'name: one\n' }, date: '2024-01-02T03:04:05Z' });
  await work.tag('v1');
  await work.branch('feature');
  sha.second = await work.commit('second\n\nWith a body.', { files: { 'deploy/app.yaml': 'name: two\n', 'deploy/new.yaml': 'new\n' }, date: '2024-02-03T04:05:06Z' });
  await work.tag('v2', { annotated: true, message: 'release 2' });
  sha.v2Tag = await work.revParse('refs/tags/v2');
  await work.checkout('feature');
  sha.feature = await work.commit('on feature', { files: { 'feature.txt': 'feature\n' } });
  await work.checkout('main');
  await work.publishBare(root, 'app');
  open = await startGitHttpServer({ root });
  authed = await startGitHttpServer({ root, auth: { username: 'alice', password } });
  url = open.urlFor('app');
});

afterAll(async () => {
  await Promise.all([open.close(), authed.close()]);
  await tmp.cleanup();
});

interface Harness {
  cache: GitMirrorCache;
  calls: GitInvocation[];
  tempRoot: string;
  count(sub: string): number;
}

/** A cache in fresh directories whose git commands are recorded. */
async function harness(options: Partial<GitMirrorCacheOptions> = {}, inner: GitRunner = execGitRunner()): Promise<Harness> {
  const calls: GitInvocation[] = [];
  const tempRoot = await tmp.make('kawa-git-tmp-');
  const cache = new GitMirrorCache({
    cacheRoot: await tmp.make('kawa-git-cache-'),
    tempRoot,
    ...options,
    runGit: (invocation) => {
      calls.push(invocation);
      return inner(invocation);
    },
  });
  return { cache, calls, tempRoot, count: (sub) => calls.filter((c) => subcommand(c.args) === sub).length };
}

/** What `promise` rejects with, checked to be a UserError with `code`. */
async function rejection(promise: Promise<unknown>, code: string): Promise<UserError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as UserError).code).toBe(code);
  return err as UserError;
}

describe('lsRemote', () => {
  it('lists branches, tags (peeled too) and HEAD’s target without fetching', async () => {
    const h = await harness();
    const remote = await h.cache.lsRemote(url);
    expect(remote.headTarget).toBe('refs/heads/main');
    expect(Object.fromEntries(remote.refs)).toEqual({
      HEAD: sha.second,
      'refs/heads/main': sha.second,
      'refs/heads/feature': sha.feature,
      'refs/tags/v1': sha.first,
      'refs/tags/v2': sha.v2Tag,
      'refs/tags/v2^{}': sha.second,
    });
    expect(h.count('fetch')).toBe(0);
  });

  it('sees a new commit after a push, and fetch prunes deleted branches', async () => {
    const repo = await createRepo(path.join(await tmp.make('kawa-git-work-'), 'moving'));
    const one = await repo.commit('one', { files: { 'a.txt': '1\n' } });
    await repo.branch('short-lived');
    await repo.publishBare(root, 'moving');
    const movingUrl = open.urlFor('moving');
    const h = await harness();

    expect((await h.cache.lsRemote(movingUrl)).refs.get('refs/heads/main')).toBe(one);
    await h.cache.fetch(movingUrl);
    const two = await repo.commit('two', { files: { 'a.txt': '2\n' } });
    await repo.git(['branch', '-D', 'short-lived']);
    await repo.publishBare(root, 'moving');

    const after = await h.cache.lsRemote(movingUrl);
    expect(after.refs.get('refs/heads/main')).toBe(two);
    expect(after.refs.has('refs/heads/short-lived')).toBe(false);
    expect(await h.cache.resolveRevision(movingUrl, 'main')).toBe(two);

    await h.cache.fetch(movingUrl);
    const mirrored = await runGit(['--git-dir', h.cache.mirrorDir(movingUrl), 'for-each-ref', '--format=%(refname) %(objectname)']);
    expect(mirrored.stdout.trim().split('\n')).toEqual([`refs/heads/main ${two}`]);
    expect(h.count('fetch')).toBe(2);
  });

  it('names a missing repository', async () => {
    const h = await harness();
    const err = await rejection(h.cache.lsRemote(open.urlFor('missing')), errorCodes.GIT_REPO_NOT_FOUND);
    expect(err.message).toContain(`git ls-remote of ${open.urlFor('missing')}: repository not found`);
  });

  it('times out with the repository named', async () => {
    const h = await harness({ timeouts: { lsRemoteMs: 1 } });
    const err = await rejection(h.cache.lsRemote(url), errorCodes.GIT_FAILED);
    expect(err.message).toMatch(new RegExp(`^git ls-remote of ${url}: git ls-remote: timed out after 1ms`));
  });
});

describe('resolveRevision', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it.each([
    ['HEAD', () => sha.second],
    ['main', () => sha.second],
    ['refs/heads/main', () => sha.second],
    ['feature', () => sha.feature],
    ['v1 (lightweight tag)', () => sha.first],
    ['v2 (annotated tag, peeled)', () => sha.second],
    ['refs/tags/v2', () => sha.second],
    ['<full sha>', () => sha.first],
    ['<FULL SHA>', () => sha.feature],
    ['<short sha>', () => sha.first],
    ['<annotated tag object sha>', () => sha.second],
  ])('%s', async (label, expected) => {
    const revision =
      label === '<full sha>'
        ? sha.first
        : label === '<FULL SHA>'
          ? sha.feature.toUpperCase()
          : label === '<short sha>'
            ? sha.first.slice(0, 7)
            : label === '<annotated tag object sha>'
              ? sha.v2Tag
              : (label.split(' ')[0] ?? '');
    expect(await h.cache.resolveRevision(url, revision)).toBe(expected());
  });

  it.each(['nope', '0'.repeat(40), 'abcdef0'])('unknown %s → GIT_REVISION_NOT_FOUND naming repo and revision', async (revision) => {
    const err = await rejection(h.cache.resolveRevision(url, revision), errorCodes.GIT_REVISION_NOT_FOUND);
    expect(err.message).toBe(`revision "${revision}" not found in ${url}: no branch, tag or commit matches it`);
  });

  it('refuses hostile input before running git', async () => {
    const fresh = await harness();
    await rejection(fresh.cache.resolveRevision(url, '--upload-pack=touch /tmp/pwned'), errorCodes.GIT_REVISION_INVALID);
    await rejection(fresh.cache.resolveRevision('ext::sh -c touch% /tmp/pwned', 'main'), errorCodes.GIT_URL_INVALID);
    await rejection(fresh.cache.lsRemote(`file://${root}/app.git`), errorCodes.GIT_URL_INVALID);
    expect(fresh.calls).toEqual([]);
  });

  it('file:// works when allowed, and only then is the file protocol enabled', async () => {
    const fileCache = await harness({ allowFileUrls: true });
    expect(await fileCache.cache.resolveRevision(`file://${root}/app.git`, 'v1')).toBe(sha.first);
    expect(fileCache.calls.at(-1)?.env).toMatchObject(configEnv('protocol.file.allow', 'always'));
    expect(h.calls.at(-1)?.env).toMatchObject(configEnv('protocol.file.allow', 'never'));
    expect(h.calls.at(-1)?.env).toMatchObject(configEnv('protocol.ext.allow', 'never'));
    expect(h.calls.at(-1)?.env).toMatchObject({ GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' });
  });
});

/** The GIT_CONFIG_KEY_n/VALUE_n pair of `key` in an invocation, as a matcher. */
function configEnv(key: string, value: string): object {
  return {
    asymmetricMatch: (env: Record<string, string>) =>
      Object.entries(env).some(([name, k]) => name.startsWith('GIT_CONFIG_KEY_') && k === key && env[name.replace('KEY', 'VALUE')] === value),
    toString: () => `${key}=${value}`,
  };
}

describe('single-flight', () => {
  it('concurrent fetches of one repository run one git fetch', async () => {
    const h = await harness();
    await Promise.all([h.cache.fetch(url), h.cache.fetch(url), h.cache.fetch(`${url}/`)]);
    expect(h.count('fetch')).toBe(1);
    await h.cache.fetch(url);
    expect(h.count('fetch')).toBe(2);
  });

  it('concurrent resolves share one ls-remote, and one fetch when both need the mirror', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const real = execGitRunner();
    // Hold every git fetch until both callers are waiting on it, so the test does not depend on timing.
    const h = await harness({}, async (invocation) => {
      if (subcommand(invocation.args) === 'fetch') await gate;
      return real(invocation);
    });
    const fetchCalls = vi.spyOn(h.cache, 'fetch');

    expect(await Promise.all([h.cache.resolveRevision(url, 'main'), h.cache.resolveRevision(url, 'HEAD'), h.cache.resolveRevision(url, 'v2')])).toEqual([
      sha.second,
      sha.second,
      sha.second,
    ]);
    expect(h.count('ls-remote')).toBe(1);

    const both = Promise.all([h.cache.resolveRevision(url, sha.feature), h.cache.resolveRevision(url, sha.feature)]);
    await vi.waitFor(() => {
      expect(fetchCalls).toHaveBeenCalledTimes(2);
    });
    release();
    expect(await both).toEqual([sha.feature, sha.feature]);
    expect(h.count('fetch')).toBe(1);
  });
});

describe('credentials', () => {
  it('Basic auth succeeds with the right password, which never appears in git’s arguments', async () => {
    const h = await harness();
    const authUrl = authed.urlFor('app');
    expect(await h.cache.resolveRevision(authUrl, 'main', good)).toBe(sha.second);
    expect(await h.cache.resolveRevision(authUrl, sha.first, good)).toBe(sha.first);
    expect(h.count('ls-remote')).toBe(1);
    expect(h.count('fetch')).toBe(1);
    for (const call of h.calls) expect(call.args.join(' ')).not.toContain(password);
    const askpass = h.calls.find((c) => subcommand(c.args) === 'fetch')?.env.GIT_ASKPASS ?? '';
    expect(askpass.startsWith(h.tempRoot)).toBe(true);
    // The askpass script and its private directory are gone.
    expect(await readdir(h.tempRoot)).toEqual([]);
  });

  it.each([
    ['a wrong password', { username: 'alice', password: wrongPassword }],
    ['no credentials', undefined],
  ])('%s → GIT_AUTH_FAILED, with no secret in the message', async (_label, creds) => {
    const h = await harness();
    const authUrl = authed.urlFor('app');
    for (const attempt of [() => h.cache.lsRemote(authUrl, creds), () => h.cache.fetch(authUrl, creds)]) {
      const err = await rejection(attempt(), errorCodes.GIT_AUTH_FAILED);
      expect(err.message).toMatch(new RegExp(`^git (ls-remote|fetch) of ${authUrl}: authentication failed \\(check the repository credentials\\)`));
      expect(err.message).not.toContain(wrongPassword);
      expect(err.message).not.toContain(password);
    }
    expect(await readdir(h.tempRoot)).toEqual([]);
  });

  it('fetches with other credentials do not join, and wait their turn: a wrong password does not spoil a right one', async () => {
    let running = 0;
    let most = 0;
    const real = execGitRunner();
    const h = await harness({}, async (invocation) => {
      const isFetch = subcommand(invocation.args) === 'fetch';
      if (isFetch) most = Math.max(most, ++running);
      try {
        return await real(invocation);
      } finally {
        if (isFetch) running--;
      }
    });
    const authUrl = authed.urlFor('app');
    const [bad, ok] = await Promise.allSettled([h.cache.fetch(authUrl, { username: 'alice', password: wrongPassword }), h.cache.fetch(authUrl, good)]);
    expect(bad.status).toBe('rejected');
    expect(ok.status).toBe('fulfilled');
    expect(h.count('fetch')).toBe(2);
    expect(most).toBe(1);
  });
});

describe('ssh', () => {
  // No SSH server here: the connection is refused, which still proves git ran our ssh command
  // through its shell with the quoted key and known_hosts paths (a broken quote would make ssh
  // complain about a missing identity file first).
  it('runs ssh with the private key file, and removes it afterwards', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      probe.close(() => {
        resolve();
      });
    });

    const h = await harness({ tempRoot: await tmp.make('kawa git tmp ') });
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-but-long-enough-to-scrub\n-----END OPENSSH PRIVATE KEY-----\n';
    const sshUrl = `ssh://git@127.0.0.1:${port}/app.git`;
    const err = await rejection(h.cache.lsRemote(sshUrl, { sshPrivateKey: key, knownHosts: '127.0.0.1 ssh-ed25519 AAAA' }), errorCodes.GIT_FAILED);
    expect(err.message).toContain(`git ls-remote of ${sshUrl}: failed`);
    expect(err.message).toContain('Connection refused');
    expect(err.message).not.toMatch(/not accessible|no such identity|No such file/i);
    expect(h.calls.find((c) => subcommand(c.args) === 'ls-remote')?.env.GIT_SSH_COMMAND).toMatch(/-o IdentitiesOnly=yes -o StrictHostKeyChecking=yes/);
    for (const call of h.calls) expect(call.args.join(' ')).not.toContain('not-a-real-key');
    expect(await readdir(h.tempRoot)).toEqual([]);
  });
});

describe('checkout and metadata', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it('writes the tree of an older commit, without .git', async () => {
    const dest = path.join(await tmp.make('kawa-git-out-'), 'tree');
    await h.cache.checkout(url, await h.cache.resolveRevision(url, 'v1'), dest);
    expect((await readdir(dest)).sort()).toEqual(['README.md', 'deploy']);
    expect(await readdir(path.join(dest, 'deploy'))).toEqual(['app.yaml']);
    expect(await readFile(path.join(dest, 'deploy/app.yaml'), 'utf8')).toBe('name: one\n');
    expect(await readdir(h.tempRoot)).toEqual([]);
  });

  it('refuses a non-empty destination, a non-SHA and an unknown commit', async () => {
    const dest = await tmp.make('kawa-git-out-');
    await h.cache.checkout(url, sha.second, dest);
    const err = await rejection(h.cache.checkout(url, sha.first, dest), errorCodes.GIT_FAILED);
    expect(err.message).toContain('is not empty');
    await rejection(h.cache.checkout(url, 'main', path.join(dest, 'x')), errorCodes.GIT_REVISION_INVALID);
    await rejection(h.cache.checkout(url, '0'.repeat(40), path.join(dest, 'y')), errorCodes.GIT_REVISION_NOT_FOUND);
  });

  it('returns author, date, message and tags', async () => {
    expect(await h.cache.revisionMetadata(url, sha.second)).toEqual({
      sha: sha.second,
      author: 'Kawa Test <kawa-test@example.com>',
      date: '2024-02-03T04:05:06.000Z',
      message: 'second\n\nWith a body.',
      tags: ['v2'],
    });
    expect((await h.cache.revisionMetadata(url, sha.first)).tags).toEqual(['v1']);
    expect((await h.cache.revisionMetadata(url, sha.feature)).tags).toEqual([]);
  });
});
