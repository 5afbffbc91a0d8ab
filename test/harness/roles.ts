// The real `kawa <role>` processes (up, server, controller, repo-server) started from source the way a user
// starts them, for tests of what only a separate process shows: signals, exit codes, exit times, Leases.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitUntil } from './kube.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface RoleProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams, in arrival order. */
  output(): string;
  /** Resolves when the process exits: its code (null when killed by a signal) and when. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Waits until the output matches; returns the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends the signal and resolves with the exit code and how long the exit took, in ms. */
  signal(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
  /** SIGKILL if still running (cleanup). */
  kill(): Promise<void>;
}

/** `node --import tsx src/cli/main.ts <args>` with the given environment (cwd: the project root). */
export function spawnKawa(args: readonly string[], env: NodeJS.ProcessEnv = process.env): RoleProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let all = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    all += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    all += d.toString();
  });
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal, at: Date.now() });
    });
  });
  const role: RoleProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    output: () => all,
    exited,
    waitFor: (pattern, timeoutMs = 120_000) =>
      waitUntil(`kawa ${args[0] ?? ''} to print ${String(pattern)}`, () => (running ? Promise.resolve(all) : Promise.reject(new Error(`exited; output:\n${all.slice(-3000)}`))), (text) => pattern.test(text), {
        timeoutMs,
        intervalMs: 100,
      }),
    signal: async (signal) => {
      const sent = Date.now();
      child.kill(signal);
      const { code, at } = await exited;
      return { code, ms: at - sent };
    },
    kill: async () => {
      if (!running) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  return role;
}
