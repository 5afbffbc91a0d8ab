// Run a child process without a shell (arguments are never interpreted), with a time limit,
// and fail with an error that names the command and shows the end of its output.
import { spawn } from 'node:child_process';
import { UserError, errorCodes, type ErrorCode } from '../errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed. */
  input?: string | Buffer;
  /** Kill the child after this many milliseconds (default: no limit). */
  timeoutMs?: number;
  /** Error code to use when the command fails (default COMMAND_FAILED). */
  errorCode?: ErrorCode;
  /** Shown instead of the argument list in errors, when arguments may hold secrets. */
  displayName?: string;
  /** Do not throw on a non-zero exit; the caller inspects `code`. */
  allowFailure?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last `n` non-empty lines of a text, for error messages that must stay short. */
export function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-n)
    .join('\n');
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

export async function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const shown = options.displayName ?? [command, ...args].join(' ');
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout also ends the helpers it started (git-remote-http, ssh, helm plugins).
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(new UserError(errorCodes.TOOL_MISSING, `${command} is not installed or not on PATH (needed for: ${shown})`, { cause: e }));
      } else {
        reject(new UserError(options.errorCode ?? errorCodes.COMMAND_FAILED, `${shown}: ${e.message}`, { cause: e }));
      }
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: ExecResult = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (timedOut) {
        reject(new UserError(options.errorCode ?? errorCodes.COMMAND_FAILED, `${shown}: timed out after ${options.timeoutMs}ms`));
        return;
      }
      if (result.code !== 0 && !options.allowFailure) {
        const why = signal ? `killed by ${signal}` : `exit ${result.code}`;
        const tail = lastLines(result.stderr || result.stdout, 15);
        reject(new UserError(options.errorCode ?? errorCodes.COMMAND_FAILED, `${shown}: ${why}${tail ? `\n${tail}` : ''}`));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => {
      // The child may exit before reading its input; its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');
  });
}
