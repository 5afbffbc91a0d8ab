// A bare mirror per repository under a cache root, so one fetch serves every app that uses the
// repository. Concurrent fetches of a repository share one running `git fetch` (single-flight), and
// everything that writes a mirror is serialised per repository within this process.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { UserError, errorCodes } from '../errors.js';
import type { ExecResult } from '../util/exec.js';
import { withGitAuth, type GitAuth, type GitCredentials } from './credentials.js';
import { isolatedGitEnv, protocolConfig, withGitConfig, type GitConfigEntry } from './env.js';
import { parseLsRemote, resolveFromRefs, type RemoteRefs } from './refs.js';
import { execGitRunner, gitFailure, gitRunError, type GitRunner } from './run.js';
import { isFullSha, isShortShaCandidate, parseRepoUrl, validateRevision, type RepoUrl } from './url.js';

export interface GitTimeouts {
  /** `git ls-remote` (default 60 s). */
  lsRemoteMs: number;
  /** `git fetch`, the first one being a full clone (default 10 min). */
  fetchMs: number;
  /** Local commands: init, rev-parse, checkout, log (default 2 min). */
  localMs: number;
}

export const defaultGitTimeouts: Readonly<GitTimeouts> = { lsRemoteMs: 60_000, fetchMs: 600_000, localMs: 120_000 };

export interface GitMirrorCacheOptions {
  /** Directory holding one bare mirror per repository (default `~/.cache/kawa/repos`). */
  cacheRoot?: string;
  /** Accept `file://` repository URLs (tests). */
  allowFileUrls?: boolean;
  /** Runs git; tests inject one to count or hold calls (default: the git CLI from PATH). */
  runGit?: GitRunner;
  /** Where private helper directories (askpass, keys, temporary index) go (default: OS temp dir). */
  tempRoot?: string;
  timeouts?: Partial<GitTimeouts>;
  /** Environment git starts from, minus git's own variables (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
}

export interface RevisionMetadata {
  /** Full commit SHA. */
  sha: string;
  /** `Name <email>` of the author. */
  author: string;
  /** Author date, ISO 8601 in UTC. */
  date: string;
  /** Full commit message without trailing newlines. */
  message: string;
  /** Tags pointing at the commit (annotated ones too), sorted. */
  tags: string[];
}

/** `$XDG_CACHE_HOME/kawa/repos`, else `~/.cache/kawa/repos`. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(homedir(), '.cache'), 'kawa', 'repos');
}

interface GitCall {
  auth?: GitAuth;
  timeoutMs: number;
  env?: Record<string, string>;
  config?: readonly GitConfigEntry[];
}

export class GitMirrorCache {
  readonly cacheRoot: string;
  private readonly runner: GitRunner;
  private readonly allowFile: boolean;
  private readonly tempRoot: string | undefined;
  private readonly timeouts: GitTimeouts;
  private readonly baseEnv: Record<string, string>;
  /** In-flight fetches and listings by repository + credentials: callers join instead of starting another. */
  private readonly fetches = new Map<string, Promise<void>>();
  private readonly listings = new Map<string, Promise<RemoteRefs>>();
  /** Tail of each repository's queue of mirror writers. */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(options: GitMirrorCacheOptions = {}) {
    this.cacheRoot = path.resolve(options.cacheRoot ?? defaultCacheRoot());
    this.runner = options.runGit ?? execGitRunner();
    this.allowFile = options.allowFileUrls ?? false;
    this.tempRoot = options.tempRoot;
    this.timeouts = { ...defaultGitTimeouts, ...options.timeouts };
    this.baseEnv = isolatedGitEnv(options.parentEnv);
  }

  /** Validate a repository URL with this cache's rules; throws GIT_URL_INVALID. */
  parseUrl(url: string): RepoUrl {
    return parseRepoUrl(url, { allowFile: this.allowFile });
  }

  /** The mirror directory of a repository: `<cacheRoot>/<sha256 of the normalised URL>`. */
  mirrorDir(url: string): string {
    return this.dirOf(this.parseUrl(url));
  }

  /**
   * The refs the remote advertises, without fetching: enough to tell whether anything changed.
   * Concurrent calls for the same repository and credentials share one `git ls-remote`.
   */
  async lsRemote(url: string, creds?: GitCredentials): Promise<RemoteRefs> {
    // Nothing is awaited before shared(): joining happens synchronously, so no two calls can both start.
    const repo = this.parseUrl(url);
    return await shared(this.listings, flightKey(repo, creds), async () => {
      const dir = await this.ensureMirror(repo);
      return withGitAuth(repo, creds, this.authOptions(), async (auth) => {
        const { stdout } = await this.git(repo, 'git ls-remote of', [`--git-dir=${dir}`, 'ls-remote', '--symref', '--end-of-options', repo.url], {
          auth,
          timeoutMs: this.timeouts.lsRemoteMs,
        });
        return parseLsRemote(stdout);
      });
    });
  }

  /**
   * Bring the mirror up to date with all branches and tags (deleted ones are pruned). Joins a fetch
   * of the same repository already running; otherwise waits for the repository's other writers.
   */
  async fetch(url: string, creds?: GitCredentials): Promise<void> {
    const repo = this.parseUrl(url);
    await shared(this.fetches, flightKey(repo, creds), () =>
      this.withRepoLock(repo, async () => {
        const dir = await this.initMirror(repo);
        await withGitAuth(repo, creds, this.authOptions(), async (auth) => {
          const args = [
            `--git-dir=${dir}`,
            'fetch',
            '--quiet',
            '--prune',
            '--no-tags',
            '--update-head-ok',
            '--no-write-fetch-head',
            '--end-of-options',
            repo.url,
            '+refs/heads/*:refs/heads/*',
            '+refs/tags/*:refs/tags/*',
          ];
          // A detached auto-gc would outlive the lock and race the next fetch.
          await this.git(repo, 'git fetch of', args, { auth, timeoutMs: this.timeouts.fetchMs, config: [['gc.autoDetach', 'false']] });
        });
      }),
    );
  }

  /**
   * The full commit SHA a revision names: `HEAD` (the remote's default branch), a branch, a tag
   * (annotated tags peeled to their commit), `refs/…`, or a full or abbreviated (≥ 7 hex) commit SHA.
   * Names are answered by ls-remote alone; SHAs from the mirror, fetching only when it lacks them.
   */
  async resolveRevision(url: string, revision: string, creds?: GitCredentials): Promise<string> {
    const repo = this.parseUrl(url);
    validateRevision(revision);
    if (isFullSha(revision)) return this.ensureCommit(repo, revision.toLowerCase(), creds);

    const fromRefs = resolveFromRefs(await this.lsRemote(url, creds), revision);
    if (fromRefs !== undefined) return fromRefs;

    if (isShortShaCandidate(revision)) {
      const short = revision.toLowerCase();
      const local = await this.findCommit(repo, short);
      if (local !== undefined) return local;
      await this.fetch(url, creds);
      const fetched = await this.findCommit(repo, short);
      if (fetched !== undefined) return fetched;
    }
    throw revisionNotFound(repo, revision);
  }

  /**
   * Write the tree of commit `sha` into `destDir` (created; must be empty), without a `.git`.
   * git's own checkout code writes the files, so tree entries such as `.git` or `..` and paths
   * through symlinks are refused as in any clone. Symlinks are kept: callers check where they lead.
   * On failure `destDir` is removed, so no partial tree is left behind.
   */
  async checkout(url: string, sha: string, destDir: string, creds?: GitCredentials): Promise<void> {
    const repo = this.parseUrl(url);
    if (!isFullSha(sha)) {
      throw new UserError(errorCodes.GIT_REVISION_INVALID, `checkout of ${repo.url}: ${JSON.stringify(sha)} is not a full commit SHA`);
    }
    const commit = await this.ensureCommit(repo, sha.toLowerCase(), creds);
    const dest = path.resolve(destDir);
    await mkdir(dest, { recursive: true });
    if ((await readdir(dest)).length > 0) {
      throw new UserError(errorCodes.GIT_FAILED, `checkout of ${commit} from ${repo.url}: destination ${dest} is not empty`);
    }
    // A private index, so the shared mirror is only read.
    const scratch = await mkdtemp(path.join(this.tempRoot ?? tmpdir(), 'kawa-git-index-'));
    try {
      const args = [`--git-dir=${this.dirOf(repo)}`, `--work-tree=${dest}`, 'read-tree', '--reset', '-u', '--end-of-options', commit];
      await this.git(repo, `checkout of ${commit} from`, args, {
        timeoutMs: this.timeouts.localMs,
        env: { GIT_INDEX_FILE: path.join(scratch, 'index') },
        config: [
          ['core.protectNTFS', 'true'],
          ['core.protectHFS', 'true'],
        ],
      });
    } catch (err) {
      await rm(dest, { recursive: true, force: true });
      throw err;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Author, date, message and tags of commit `sha`, for history display. */
  async revisionMetadata(url: string, sha: string, creds?: GitCredentials): Promise<RevisionMetadata> {
    const repo = this.parseUrl(url);
    if (!isFullSha(sha)) {
      throw new UserError(errorCodes.GIT_REVISION_INVALID, `metadata of ${repo.url}: ${JSON.stringify(sha)} is not a full commit SHA`);
    }
    const commit = await this.ensureCommit(repo, sha.toLowerCase(), creds);
    const args = [
      `--git-dir=${this.dirOf(repo)}`,
      'log',
      '-1',
      '--no-color',
      '--decorate-refs=refs/tags/',
      '--format=%an%x00%ae%x00%aI%x00%D%x00%B',
      '--end-of-options',
      commit,
      '--',
    ];
    const { stdout } = await this.git(repo, `metadata of ${commit} from`, args, { timeoutMs: this.timeouts.localMs });
    const [name = '', email = '', date = '', decorations = '', ...body] = stdout.split('\0');
    const tags = decorations
      .split(', ')
      .filter((d) => d.startsWith('tag: '))
      .map((d) => d.slice('tag: '.length))
      .sort();
    return { sha: commit, author: `${name} <${email}>`, date: new Date(date).toISOString(), message: body.join('\0').replace(/\n+$/, ''), tags };
  }

  private dirOf(repo: RepoUrl): string {
    return path.join(this.cacheRoot, createHash('sha256').update(repo.normalized).digest('hex'));
  }

  private authOptions(): { tempRoot?: string } {
    return this.tempRoot === undefined ? {} : { tempRoot: this.tempRoot };
  }

  /** The commit `revision` names in the mirror, or undefined; an ambiguous short SHA is an error. */
  private async findCommit(repo: RepoUrl, revision: string): Promise<string | undefined> {
    const dir = this.dirOf(repo);
    if (!(await exists(path.join(dir, 'HEAD')))) return undefined;
    const result = await this.git(repo, 'git rev-parse in', [`--git-dir=${dir}`, 'rev-parse', '--verify', '--end-of-options', `${revision}^{commit}`], {
      timeoutMs: this.timeouts.localMs,
      allowFailure: true,
    });
    if (result.code === 0) return result.stdout.trim();
    if (/ambiguous/i.test(result.stderr)) {
      throw new UserError(
        errorCodes.GIT_REVISION_NOT_FOUND,
        `revision ${JSON.stringify(revision)} of ${repo.url} is ambiguous: more than one object starts with it; use more characters`,
      );
    }
    return undefined;
  }

  /** The commit, fetching once when the mirror does not have it yet. */
  private async ensureCommit(repo: RepoUrl, sha: string, creds: GitCredentials | undefined): Promise<string> {
    const local = await this.findCommit(repo, sha);
    if (local !== undefined) return local;
    await this.fetch(repo.url, creds);
    const fetched = await this.findCommit(repo, sha);
    if (fetched === undefined) throw revisionNotFound(repo, sha);
    return fetched;
  }

  /** The mirror directory, created for reads (ls-remote) that must not wait behind a fetch. */
  private async ensureMirror(repo: RepoUrl): Promise<string> {
    const dir = this.dirOf(repo);
    if (await exists(path.join(dir, 'HEAD'))) return dir;
    return this.withRepoLock(repo, () => this.initMirror(repo));
  }

  /** Create the bare mirror if missing; call with the repository lock held. */
  private async initMirror(repo: RepoUrl): Promise<string> {
    const dir = this.dirOf(repo);
    if (await exists(path.join(dir, 'HEAD'))) return dir;
    await mkdir(this.cacheRoot, { recursive: true, mode: 0o700 });
    await this.git(repo, 'creating the mirror of', ['init', '--quiet', '--bare', '--', dir], { timeoutMs: this.timeouts.localMs });
    return dir;
  }

  /** Run `fn` after every earlier writer of the same repository has finished. */
  private async withRepoLock<T>(repo: RepoUrl, fn: () => Promise<T>): Promise<T> {
    const key = repo.normalized;
    const previous = this.locks.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.locks.set(key, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /** Run git with the isolated environment, `call`'s auth and config; throws a scrubbed UserError. */
  private async git(repo: RepoUrl, what: string, args: readonly string[], call: GitCall & { allowFailure?: boolean }): Promise<ExecResult> {
    const secrets = call.auth?.secrets ?? [];
    const env = withGitConfig({ ...this.baseEnv, ...call.auth?.env, ...call.env }, [
      ...protocolConfig(this.allowFile),
      ...(call.auth?.config ?? []),
      ...(call.config ?? []),
    ]);
    let result: ExecResult;
    try {
      result = await this.runner({ args, env, timeoutMs: call.timeoutMs });
    } catch (err) {
      throw gitRunError(what, repo.url, err, secrets);
    }
    if (result.code !== 0 && !call.allowFailure) throw gitFailure(what, repo.url, result, secrets);
    return result;
  }
}

/** Start `fn` unless the same key is already running, in which case join that run. */
function shared<T>(running: Map<string, Promise<T>>, key: string, fn: () => Promise<T>): Promise<T> {
  const current = running.get(key);
  if (current !== undefined) return current;
  const started = fn().finally(() => {
    running.delete(key);
  });
  running.set(key, started);
  return started;
}

/** Repository + a digest of the credentials: a call with other credentials must not join (it may succeed where this one fails). */
function flightKey(repo: RepoUrl, creds: GitCredentials | undefined): string {
  const c = creds ?? {};
  const material = JSON.stringify([
    c.username,
    c.password,
    c.bearerToken,
    c.tlsClientCertData,
    c.tlsClientCertKey,
    c.caData,
    c.sshPrivateKey,
    c.knownHosts,
    c.insecure,
  ]);
  return `${repo.normalized}\n${createHash('sha256').update(material).digest('hex')}`;
}

function revisionNotFound(repo: RepoUrl, revision: string): UserError {
  return new UserError(
    errorCodes.GIT_REVISION_NOT_FOUND,
    `revision ${JSON.stringify(revision)} not found in ${repo.url}: no branch, tag or commit matches it`,
  );
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
