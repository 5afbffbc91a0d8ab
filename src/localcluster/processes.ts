// Start long-running components detached (they outlive `cluster:up`), and stop them again by pid.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../util/lock.js';

export interface StartedProcess {
  pid: number;
  /** Resolves with the exit code if the process exits (used to fail fast while waiting for readiness). */
  exited: Promise<number | null>;
}

export function startDetached(binary: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): StartedProcess {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log], env: env ?? process.env });
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => { resolve(code); });
      child.on('error', () => { resolve(-1); });
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(log);
  }
}

/** True when `pid` is alive and runs `binary` (a recycled pid of another program is not ours to kill). */
export async function isOurProcess(pid: number, binary: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0')[0] === binary;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    signal('SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(50);
  }
}
