// The `kawa` entry point, run as a real process.
import { describe, expect, it } from 'vitest';
import { exec } from '../util/exec.js';

const run = (args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { timeoutMs: 30_000, allowFailure: true });

describe('kawa CLI', () => {
  it('prints help listing its commands', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: kawa /);
    expect(result.stdout).toContain('version');
  }, 60_000);

  it('fails with help on an unknown command', async () => {
    const result = await run(['no-such-command']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'no-such-command'/);
  }, 60_000);
});
