// One catalogue of error codes. A code is stable once released: users grep logs and scripts match on it.
// `UserError` is something the user can fix (bad input, a port in use, a missing tool); `BugError` is kawa's fault.

export const errorCodes = {
  /** A local tool (go, git, openssl, …) is missing from PATH. */
  TOOL_MISSING: 'KAWA_TOOL_MISSING',
  /** Building a pinned tool from the Go module proxy failed. */
  TOOL_BUILD_FAILED: 'KAWA_TOOL_BUILD_FAILED',
  /** The local control plane could not start or become ready. */
  CLUSTER_START_FAILED: 'KAWA_CLUSTER_START_FAILED',
  /** The pins file (tools/cluster/versions.json) is malformed. */
  PINS_INVALID: 'KAWA_PINS_INVALID',
  /** A child process (git, helm, …) exited non-zero. */
  COMMAND_FAILED: 'KAWA_COMMAND_FAILED',
  /** A git operation failed (bad URL, unknown revision, auth). */
  GIT_FAILED: 'KAWA_GIT_FAILED',
  /** A repository URL is malformed or not allowed (option injection, remote helpers, embedded credentials). */
  GIT_URL_INVALID: 'KAWA_GIT_URL_INVALID',
  /** A revision is malformed or not allowed (leading `-`, control characters, `..`). */
  GIT_REVISION_INVALID: 'KAWA_GIT_REVISION_INVALID',
  /** No branch, tag or commit of the repository matches the revision. */
  GIT_REVISION_NOT_FOUND: 'KAWA_GIT_REVISION_NOT_FOUND',
  /** The git server rejected the credentials, or needs some and none were given. */
  GIT_AUTH_FAILED: 'KAWA_GIT_AUTH_FAILED',
  /** The git server says the repository does not exist. */
  GIT_REPO_NOT_FOUND: 'KAWA_GIT_REPO_NOT_FOUND',
  /** An invariant kawa relies on did not hold. */
  INTERNAL: 'KAWA_INTERNAL',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

abstract class KawaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An error the user can fix; its message says what to do. */
export class UserError extends KawaError {}

/** An error that means kawa is wrong; report it. */
export class BugError extends KawaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(errorCodes.INTERNAL, message, options);
  }
}

export function isKawaError(err: unknown): err is UserError | BugError {
  return err instanceof UserError || err instanceof BugError;
}

/** The message of anything thrown, for wrapping with context. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
