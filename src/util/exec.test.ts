import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors.js';
import { isAlive } from './lock.js';
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

  it('kills a command whose output passes maxOutputBytes, with the error code asked for', async () => {
    const started = Date.now();
    const failure = exec('sh', ['-c', 'yes kawa-output-line'], { maxOutputBytes: 1024 * 1024, tooLargeErrorCode: errorCodes.RENDER_TOO_LARGE, displayName: 'yes' });
    await expect(failure).rejects.toMatchObject({ code: errorCodes.RENDER_TOO_LARGE, message: 'yes: output is over the 1048576-byte cap' });
    // `yes` never stops by itself: only the kill ended it.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('returns output up to maxOutputBytes', async () => {
    const result = await exec('sh', ['-c', 'head -c 1000 /dev/zero'], { maxOutputBytes: 1000 });
    expect(result.stdout.length).toBe(1000);
  });

  it('keeps the last non-empty lines', () => {
    expect(lastLines('a\n\nb\nc\n', 2)).toBe('b\nc');
  });
});
