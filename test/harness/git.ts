// Build real git repositories for tests with the git CLI. Every command runs with an isolated
// environment (no system or global config, no prompts, no askpass), so a developer's ~/.gitconfig
// (signing, hooks, credential helpers, url rewrites) cannot change what a test sees.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCodes } from '../../src/errors.js';
import { isolatedGitEnv } from '../../src/git/env.js';
import { exec, type ExecResult } from '../../src/util/exec.js';

const gitTimeoutMs = 60_000;

/** kawa's isolated git environment (no system/global config, no prompts), for test repositories too. */
export function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Test repositories are published to local paths, which kawa itself refuses (GIT_PROTOCOL_FROM_USER=0).
  const { GIT_PROTOCOL_FROM_USER: _fromUser, ...env } = isolatedGitEnv();
  return { ...env, GIT_ADVICE: '0', ...extra };
}

export interface GitRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Return a non-zero exit instead of throwing; check `code`. */
  allowFailure?: boolean;
}

/** Run `git <args>` in the isolated environment. Throws UserError (GIT_FAILED) on a non-zero exit. */
export async function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<ExecResult> {
  return exec('git', args, {
    cwd: options.cwd,
    env: gitEnv(options.env),
    input: options.input,
    allowFailure: options.allowFailure,
    timeoutMs: gitTimeoutMs,
    errorCode: errorCodes.GIT_FAILED,
  });
}

/** Temporary directories that one `cleanup()` removes (call it in afterEach/afterAll). */
export class TempDirs {
  private readonly dirs: string[] = [];

  async make(prefix = 'kawa-git-'): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    const dirs = this.dirs.splice(0);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

export interface CreateRepoOptions {
  /** Name of the first branch (default `main`). */
  defaultBranch?: string;
}

export interface CommitOptions {
  /** Files to write (relative path → content) before committing. */
  files?: Record<string, string>;
  /** Author and committer date, for reproducible shas. */
  date?: Date | string;
  /** Commit even when nothing changed. */
  allowEmpty?: boolean;
}

export interface TagOptions {
  /** Create an annotated tag object (default: lightweight). */
  annotated?: boolean;
  /** Message of an annotated tag (default: the tag name). */
  message?: string;
  /** What to tag (default HEAD). */
  ref?: string;
}

const identity = { name: 'Kawa Test', email: 'kawa-test@example.com' };

/** A non-bare working repository driven through the git CLI. */
export class TestRepo {
  private constructor(
    readonly dir: string,
    readonly defaultBranch: string,
  ) {}

  /** `git init` a new repository in `dir` (created if missing) with a local identity and no signing. */
  static async create(dir: string, options: CreateRepoOptions = {}): Promise<TestRepo> {
    const defaultBranch = options.defaultBranch ?? 'main';
    await mkdir(dir, { recursive: true });
    await runGit(['init', '--quiet', `--initial-branch=${defaultBranch}`, dir]);
    const repo = new TestRepo(dir, defaultBranch);
    await repo.configureIdentity();
    return repo;
  }

  /** Clone `url` into `dir` (e.g. from a GitHttpServer) and configure it like `create` does. */
  static async clone(url: string, dir: string): Promise<TestRepo> {
    await runGit(['clone', '--quiet', '--', url, dir]);
    const repo = new TestRepo(dir, await currentBranch(dir));
    await repo.configureIdentity();
    return repo;
  }

  /** Run git in this repository; returns stdout without the trailing newline. */
  async git(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const { stdout } = await runGit(args, { cwd: this.dir, env });
    return stdout.replace(/\n$/, '');
  }

  /** Write files (nested paths allowed; directories are created). Paths must stay inside the repo. */
  async writeFiles(files: Record<string, string>): Promise<void> {
    for (const [rel, content] of Object.entries(files)) {
      const file = this.inside(rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  }

  /** Delete files or directories from the work tree (staged by the next `commit`). */
  async removeFiles(paths: readonly string[]): Promise<void> {
    for (const rel of paths) await rm(this.inside(rel), { recursive: true, force: true });
  }

  /** Stage everything (`git add -A`) and commit; returns the new commit sha. */
  async commit(message: string, options: CommitOptions = {}): Promise<string> {
    if (options.files) await this.writeFiles(options.files);
    await this.git(['add', '--all']);
    const args = ['commit', '--quiet', '--no-verify', '-m', message];
    if (options.allowEmpty) args.push('--allow-empty');
    let env: NodeJS.ProcessEnv | undefined;
    if (options.date !== undefined) {
      const date = options.date instanceof Date ? options.date.toISOString() : options.date;
      env = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    }
    await this.git(args, env);
    return this.head();
  }

  /** Create branch `name` at `from` (default HEAD) without switching to it. */
  async branch(name: string, from?: string): Promise<void> {
    await this.git(from === undefined ? ['branch', name] : ['branch', name, from]);
  }

  /** Switch to a branch, tag or commit. */
  async checkout(ref: string): Promise<void> {
    await this.git(['checkout', '--quiet', ref, '--']);
  }

  /** Create a lightweight tag, or an annotated one with `annotated: true`. */
  async tag(name: string, options: TagOptions = {}): Promise<void> {
    const args = options.annotated ? ['tag', '--annotate', '--message', options.message ?? name, name] : ['tag', name];
    if (options.ref !== undefined) args.push(options.ref);
    await this.git(args);
  }

  /** The sha of HEAD. */
  async head(): Promise<string> {
    return this.revParse('HEAD');
  }

  /** The object sha a ref or revision names (tags are not peeled: use `v1^{commit}` for that). */
  async revParse(ref: string): Promise<string> {
    return this.git(['rev-parse', '--verify', '--end-of-options', ref]);
  }

  /**
   * Create or update the bare repository `<rootDir>/<name>.git` as a mirror of this one (all branches
   * and tags; refs deleted here are deleted there), with HEAD on `head` (default: the default branch).
   * Returns the bare repository's path. Serve `rootDir` with startGitHttpServer.
   */
  async publishBare(rootDir: string, name: string, head = this.defaultBranch): Promise<string> {
    const bare = path.join(rootDir, name.endsWith('.git') ? name : `${name}.git`);
    if (!(await exists(bare))) {
      await mkdir(bare, { recursive: true });
      await runGit(['init', '--quiet', '--bare', `--initial-branch=${head}`, bare]);
    }
    await this.git(['push', '--quiet', '--mirror', '--', bare]);
    await runGit(['symbolic-ref', 'HEAD', `refs/heads/${head}`], { cwd: bare });
    return bare;
  }

  private async configureIdentity(): Promise<void> {
    const settings: [string, string][] = [
      ['user.name', identity.name],
      ['user.email', identity.email],
      ['commit.gpgsign', 'false'],
      ['tag.gpgsign', 'false'],
    ];
    for (const [key, value] of settings) await this.git(['config', '--local', key, value]);
  }

  private inside(rel: string): string {
    const file = path.resolve(this.dir, rel);
    const relative = path.relative(this.dir, file);
    if (path.isAbsolute(rel) || relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`)) {
      throw new Error(`test repo path escapes the repository: ${rel}`);
    }
    return file;
  }
}

/** `new`-free spelling of TestRepo.create. */
export async function createRepo(dir: string, options: CreateRepoOptions = {}): Promise<TestRepo> {
  return TestRepo.create(dir, options);
}

async function currentBranch(dir: string): Promise<string> {
  const { stdout } = await runGit(['symbolic-ref', '--short', 'HEAD'], { cwd: dir, allowFailure: true });
  return stdout.trim() || 'main';
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
