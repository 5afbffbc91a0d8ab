// A cross-process lock on a path: a directory created atomically, holding the owner's pid.
// A lock whose owner died (a crashed build or cluster start) is taken over instead of waited on forever.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes } from '../errors.js';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner's pid, or undefined while it is not (completely) written yet. */
async function ownerOf(lockDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path.join(lockDir, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A lock directory without a pid for this long was left by a process that died right after creating it. */
const ORPHAN_LOCK_MS = 30_000;

async function ageMs(lockDir: string): Promise<number> {
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs;
  } catch {
    return 0;
  }
}

export interface LockOptions {
  /** Give up waiting for a live owner after this long (default 60 minutes: a cold Go build is slow). */
  timeoutMs?: number;
  pollMs?: number;
}

export async function withLock<T>(lockDir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  await mkdir(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await ownerOf(lockDir);
      // No pid yet means the owner is between mkdir and writeFile: give it a moment, unless that state is old.
      const dead = owner === undefined ? (await ageMs(lockDir)) > ORPHAN_LOCK_MS : !isAlive(owner);
      if (dead) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new UserError(
          errorCodes.LOCK_TIMEOUT,
          `waited too long for lock ${lockDir} held by pid ${owner ?? '?'}; if no kawa process is running, remove that directory`,
        );
      }
      await sleep(options.pollMs ?? 1000);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
