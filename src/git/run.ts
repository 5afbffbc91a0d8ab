// Running git: the injectable runner (tests count and gate calls through it) and the translation of
// a failed git command into a UserError that names the repository and the operation, with git's
// own words scrubbed of secrets.
import { UserError, errorCodes, isKawaError, messageOf, type ErrorCode } from '../errors.js';
import { exec, lastLines, type ExecResult } from '../util/exec.js';
import { scrubSecrets } from './credentials.js';

export interface GitInvocation {
  /** Arguments after `git`; never holds a secret. */
  readonly args: readonly string[];
  /** The complete environment: no secret values (credentials are in private files it names). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly timeoutMs: number;
}

/**
 * Runs one git command. Resolves with the result whatever the exit code; rejects only when git
 * could not run or ran out of time.
 */
export type GitRunner = (invocation: GitInvocation) => Promise<ExecResult>;

/** The real runner: `git` (or `binary`) from PATH through exec(), without a shell. */
export function execGitRunner(binary = 'git'): GitRunner {
  return (invocation) =>
    exec(binary, invocation.args, {
      env: invocation.env,
      cwd: invocation.cwd,
      timeoutMs: invocation.timeoutMs,
      allowFailure: true,
      errorCode: errorCodes.GIT_FAILED,
      // Only the sub-command: enough to say what timed out, and short.
      displayName: `git ${subcommand(invocation.args)}`,
    });
}

/** The git sub-command in an argument list (`fetch` in `--git-dir=x fetch …`). */
export function subcommand(args: readonly string[]): string {
  return args.find((arg) => !arg.startsWith('-')) ?? '';
}

interface FailureKind {
  code: ErrorCode;
  why: string;
}

const failureKinds: readonly (readonly [RegExp, FailureKind])[] = [
  [
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/,
    { code: errorCodes.GIT_AUTH_FAILED, why: 'SSH host key verification failed (add the host to the known hosts, or set insecure)' },
  ],
  [
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(publickey|Access denied|Invalid username or password|returned error: 40[13]/i,
    { code: errorCodes.GIT_AUTH_FAILED, why: 'authentication failed (check the repository credentials)' },
  ],
  [
    /repository '[^']*' not found|does not appear to be a git repository|returned error: 404|Repository not found|No such repository/i,
    { code: errorCodes.GIT_REPO_NOT_FOUND, why: 'repository not found' },
  ],
];

/** What kind of failure git's stderr describes. */
export function classifyGitFailure(stderr: string): FailureKind {
  for (const [pattern, kind] of failureKinds) if (pattern.test(stderr)) return kind;
  return { code: errorCodes.GIT_FAILED, why: 'failed' };
}

/** The error for a git command that exited non-zero: `<what> <url>: <why>` then git's last lines. */
export function gitFailure(what: string, repoUrl: string, result: ExecResult, secrets: readonly string[]): UserError {
  const kind = classifyGitFailure(result.stderr);
  const tail = scrubSecrets(lastLines(result.stderr || result.stdout, 8), secrets);
  return new UserError(kind.code, `${what} ${repoUrl}: ${kind.why}${tail ? `\n${tail}` : ''}`);
}

/** Wrap a runner rejection (git missing, timeout) with the repository and operation. */
export function gitRunError(what: string, repoUrl: string, err: unknown, secrets: readonly string[]): UserError {
  const code = isKawaError(err) && err.code === errorCodes.TOOL_MISSING ? errorCodes.TOOL_MISSING : errorCodes.GIT_FAILED;
  return new UserError(code, `${what} ${repoUrl}: ${scrubSecrets(messageOf(err), secrets)}`);
}
