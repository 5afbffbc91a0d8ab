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
  /**
   * Kill the child (its whole process group) as soon as its stdout passes this many bytes, and fail
   * with `tooLargeErrorCode`: a runaway renderer must not fill memory before its exit is seen.
   */
  maxOutputBytes?: number;
  /** Error code when stdout passes maxOutputBytes (default COMMAND_FAILED). */
  tooLargeErrorCode?: ErrorCode;
  /** Run the child as this user and group (kawa as root starting a program it does not trust). */
  uid?: number;
  gid?: number;
}

/** stderr is only shown as the end of an error message; past this, only its last bytes are kept. */
const MAX_STDERR_BYTES = 1024 * 1024;

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

/** Process groups of the children running now: a process that exits kills them (see killRunningChildren). */
const running = new Set<number>();

/**
 * Kills every child process (group) still running. The children are detached (their own process group, for
 * the timeout's sake), so they would outlive a parent that exits — and nothing would time them out then.
 */
export function killRunningChildren(): number {
  const pids = [...running];
  for (const pid of pids) killGroup(pid);
  running.clear();
  return pids.length;
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
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const out: Buffer[] = [];
    let err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let tooLarge = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
          }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      outBytes += chunk.length;
      if (options.maxOutputBytes !== undefined && outBytes > options.maxOutputBytes) {
        tooLarge = true;
        out.length = 0; // nothing of it will be used: free it now
        killGroup(child.pid);
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      errBytes += chunk.length;
      if (errBytes > 2 * MAX_STDERR_BYTES) {
        const tail = Buffer.concat(err).subarray(-MAX_STDERR_BYTES);
        err = [tail];
        errBytes = tail.length;
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      if (e.code === 'ENOENT') {
        reject(new UserError(errorCodes.TOOL_MISSING, `${command} is not installed or not on PATH (needed for: ${shown})`, { cause: e }));
      } else {
        reject(new UserError(options.errorCode ?? errorCodes.COMMAND_FAILED, `${shown}: ${e.message}`, { cause: e }));
      }
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      const result: ExecResult = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (tooLarge) {
        reject(new UserError(options.tooLargeErrorCode ?? options.errorCode ?? errorCodes.COMMAND_FAILED, `${shown}: output is over the ${options.maxOutputBytes}-byte cap`));
        return;
      }
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
