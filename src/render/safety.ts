// Render safety: every path a render touches stays inside the repository (symlinks resolved), a render
// has a deadline and an output-size cap, and files are read only after those checks.
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorCodes } from '../errors.js';

export const DEFAULT_RENDER_TIMEOUT_MS = 90_000;
/**
 * 100 MiB, as the issue specifies and as Helm caps a decompressed chart: real bundles of CRDs reach
 * tens of MiB, and since renderer output is cut off while it streams (exec's maxOutputBytes), the cap
 * bounds memory before parsing rather than after.
 */
export const DEFAULT_MAX_RENDER_BYTES = 100 * 1024 * 1024;

/**
 * The time and bytes one render may still use. The time limit covers the whole render, so every
 * command gets what is left and no single command can exceed the limit either.
 */
export class RenderBudget {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  private deadline: number;
  private used = 0;
  private readonly now: () => number;

  constructor(timeoutMs = DEFAULT_RENDER_TIMEOUT_MS, maxBytes = DEFAULT_MAX_RENDER_BYTES, now: () => number = Date.now) {
    if (!(timeoutMs > 0) || !(maxBytes > 0)) {
      throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `render limits must be positive (timeoutMs ${timeoutMs}, maxBytes ${maxBytes})`);
    }
    this.timeoutMs = timeoutMs;
    this.maxBytes = maxBytes;
    this.now = now;
    this.deadline = now() + timeoutMs;
  }

  /** Milliseconds left for `doing`; throws RENDER_TIMEOUT when none are. */
  remainingMs(doing: string): number {
    const left = this.deadline - this.now();
    if (left <= 0) throw this.timeoutError(doing);
    return left;
  }

  /**
   * Waits for `work` without charging its time to the render: building a missing renderer on first
   * use takes minutes and is not the render's fault.
   */
  async excluding<T>(work: Promise<T>): Promise<T> {
    const started = this.now();
    try {
      return await work;
    } finally {
      this.deadline += this.now() - started;
    }
  }

  timeoutError(doing: string): UserError {
    return new UserError(errorCodes.RENDER_TIMEOUT, `${doing}: render took longer than the ${this.timeoutMs} ms limit`);
  }

  /** Counts `bytes` of output; throws RENDER_TOO_LARGE past the cap. */
  charge(bytes: number, what: string): void {
    this.used += bytes;
    if (this.used > this.maxBytes) throw this.tooLargeError(what);
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Bytes still allowed (0 when the cap is reached). */
  get remainingBytes(): number {
    return Math.max(0, this.maxBytes - this.used);
  }

  tooLargeError(what: string): UserError {
    return new UserError(errorCodes.RENDER_TOO_LARGE, `${what}: rendered output is over the ${this.maxBytes}-byte cap`);
  }
}

/** Whether absolute path `p` is `root` or below it. Both must be normalized. */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** `p` relative to the repository root with `/` separators, `.` for the root itself; for messages. */
export function repoRelative(root: string, p: string): string {
  const rel = path.relative(root, p).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The real path of `p`, or undefined when nothing exists there (a dangling link); other errors throw. */
async function realpathIfExists(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Whether `file` is a regular file (symlinks followed); false when it cannot be stat'ed at all. */
export async function isRegularFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The repository root with symlinks resolved; every other check compares against it. */
export async function resolveRepoRoot(repoRoot: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path.resolve(repoRoot));
  } catch (err) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `repository directory ${repoRoot} does not exist`, { cause: err });
  }
  if (!(await stat(real)).isDirectory()) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `repository directory ${repoRoot} is not a directory`);
  }
  return real;
}

/** Throws unless `relPath` is a relative path without NUL bytes (the shape every path option must have). */
function checkRelativePath(relPath: string, what: string): void {
  if (relPath.includes('\0')) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${what} "${relPath.replaceAll('\0', '\\0')}" contains a NUL byte`);
  }
  if (path.isAbsolute(relPath)) {
    throw new UserError(errorCodes.RENDER_PATH_ESCAPE, `${what} "${relPath}" is absolute; it must be relative to the repository root`);
  }
}

/**
 * Resolves `target` (absolute, possibly through symlinks) and checks it stays inside `root`, lexically
 * and after resolving symlinks. Returns the real path, or undefined when nothing exists there.
 */
export async function resolveInside(root: string, target: string, shown: string): Promise<string | undefined> {
  const lexical = path.resolve(target);
  if (!isInside(root, lexical)) {
    throw new UserError(errorCodes.RENDER_PATH_ESCAPE, `${shown} leads outside the repository`);
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new UserError(errorCodes.RENDER_FAILED, `${shown}: ${(err as Error).message}`, { cause: err });
  }
  if (!isInside(root, real)) {
    throw new UserError(errorCodes.RENDER_PATH_ESCAPE, `${shown} is a symlink to outside the repository`);
  }
  return real;
}

/** The application directory: `appPath` below the real repository root, refusing every way out. */
export async function resolveAppDir(root: string, appPath: string): Promise<string> {
  const rel = appPath === '' ? '.' : appPath;
  checkRelativePath(rel, 'path');
  const real = await resolveInside(root, path.join(root, rel), `path "${appPath}"`);
  if (real === undefined) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `path "${appPath}" does not exist in the repository`);
  }
  if (!(await stat(real)).isDirectory()) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `path "${appPath}" is not a directory`);
  }
  return real;
}

/** Decodes a manifest file as Go tools do: UTF-8, with a UTF-8 or UTF-16 byte-order mark honoured. */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return bytes.toString('utf8');
}

/**
 * Reads a file for rendering: resolves symlinks, refuses anything outside the repository, and charges
 * its size to the budget before reading so a huge file is never loaded.
 */
export async function readRepoFile(root: string, file: string, budget: RenderBudget): Promise<string> {
  const shown = repoRelative(root, path.resolve(file));
  const real = await resolveInside(root, file, shown);
  if (real === undefined) throw new UserError(errorCodes.RENDER_FAILED, `${shown} does not exist`);
  const info = await stat(real);
  if (!info.isFile()) throw new UserError(errorCodes.RENDER_FAILED, `${shown} is not a regular file`);
  budget.charge(info.size, shown);
  return decodeText(await readFile(real));
}

/**
 * The first symlink under `dir` whose target is outside `root` (repository-relative), or undefined.
 * Tools like helm follow symlinks when they read a chart, so a tree must be clean before one runs.
 * Symlinked directories are followed (once each) because the tools follow them too; dangling links
 * are harmless (nothing can be read through them).
 */
export async function findEscapingSymlink(root: string, dir: string): Promise<string | undefined> {
  const seen = new Set<string>();
  const queue: string[] = [dir];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const real = await realpathIfExists(next);
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    for (const entry of await readdir(next, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const full = path.join(next, entry.name);
      if (entry.isDirectory()) {
        queue.push(full);
      } else if (entry.isSymbolicLink()) {
        const target = await realpathIfExists(full);
        if (target === undefined) continue;
        if (!isInside(root, target)) return repoRelative(root, full);
        if ((await lstat(target)).isDirectory()) queue.push(full);
      }
    }
  }
  return undefined;
}

/** Throws RENDER_PATH_ESCAPE when `dir` holds a symlink to outside the repository. */
export async function assertNoEscapingSymlinks(root: string, dir: string, why: string): Promise<void> {
  const link = await findEscapingSymlink(root, dir);
  if (link !== undefined) {
    throw new UserError(errorCodes.RENDER_PATH_ESCAPE, `${link} is a symlink to outside the repository (${why})`);
  }
}
