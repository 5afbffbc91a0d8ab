import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../localcluster/lock.js';
import { exec, lastLines } from './exec.js';

describe('exec', () => {
  it('returns output of a successful command', async () => {
    const result = await exec('sh', ['-c', 'echo out; echo err >&2']);
    expect(result).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes arguments without a shell', async () => {
    const result = await exec('printf', ['%s', '$(echo injected); rm -rf /']);
    expect(result.stdout).toBe('$(echo injected); rm -rf /');
  });

  it('fails with the command and the end of its output', async () => {
    await expect(exec('sh', ['-c', 'echo first >&2; echo last >&2; exit 3'])).rejects.toThrow(/exit 3\nfirst\nlast/);
  });

  it('hides arguments behind displayName', async () => {
    await expect(exec('sh', ['-c', 'exit 1', 'secret-token'], { displayName: 'git fetch' })).rejects.toThrow(/^git fetch: exit 1$/);
  });

  it('names a missing program', async () => {
    await expect(exec('no-such-program-kawa', [])).rejects.toThrow(/no-such-program-kawa is not installed/);
  });

  it('ends the whole process group, grandchildren too, when the time runs out', async () => {
    const pidFile = path.join(tmpdir(), `kawa-exec-test-${process.pid}`);
    await expect(exec('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 300 })).rejects.toThrow(/timed out after 300ms/);
    const grandchild = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
    await rm(pidFile, { force: true });
    await expect.poll(() => isAlive(grandchild), { timeout: 2000 }).toBe(false);
  });

  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\nc\n', 2)).toBe('b\nc');
  });
});
