import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withLock } from './lock.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempLock(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kawa-lock-'));
  dirs.push(dir);
  return path.join(dir, 'x.lock');
}

describe('withLock', () => {
  it('runs callers one at a time', async () => {
    const lock = await tempLock();
    const events: string[] = [];
    const task = (name: string) => withLock(lock, async () => {
      events.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 30));
      events.push(`${name}-`);
    }, { pollMs: 5 });
    await Promise.all([task('a'), task('b')]);
    expect(events.join(' ')).toMatch(/^(a\+ a- b\+ b-|b\+ b- a\+ a-)$/);
  });

  it('takes over a lock whose owner died (a crashed earlier run)', async () => {
    const lock = await tempLock();
    await mkdir(lock);
    await writeFile(path.join(lock, 'pid'), '999999999');
    await expect(withLock(lock, () => Promise.resolve('ran'), { timeoutMs: 2000, pollMs: 5 })).resolves.toBe('ran');
  });

  it('waits for an owner that has not written its pid yet, and takes over once that state is old', async () => {
    const lock = await tempLock();
    await mkdir(lock);
    await writeFile(path.join(lock, 'pid'), '');
    await expect(withLock(lock, () => Promise.resolve(1), { timeoutMs: 50, pollMs: 5 })).rejects.toThrow(/held by pid \?/);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await expect(withLock(lock, () => Promise.resolve('ran'), { timeoutMs: 2000, pollMs: 5 })).resolves.toBe('ran');
  });

  it('gives up on a live owner after its timeout with a message saying what to remove', async () => {
    const lock = await tempLock();
    await mkdir(lock);
    await writeFile(path.join(lock, 'pid'), String(process.pid));
    await expect(withLock(lock, () => Promise.resolve(1), { timeoutMs: 50, pollMs: 5 })).rejects.toThrow(/remove that directory/);
  });
});
