// The next step to suggest when the API server refuses a request. One HTTP status has several causes
// (409: exists with another spec, an operation runs, automated sync is on …), so the hint follows the
// cause: the reason the server names in the body (a google.rpc.ErrorInfo in `details`, see apiReasons
// in src/errors.ts), else the gRPC code Argo CD's body carries, else the status. A fallback hint must
// hold for every cause that can reach it (an Argo CD server sends no reasons).
import { apiReasons, type ApiReason } from '../../errors.js';
import { kawaCommand } from './kawa-command.js';

/** A refusal as read from the answer. */
export interface Refusal {
  readonly status: number;
  /** The gRPC code of Argo CD's body (`code`), when present. */
  readonly grpcCode?: number | undefined;
  /** The reason of a kawa ErrorInfo, when present and known to this CLI. */
  readonly reason?: ApiReason | undefined;
  /** What the reason is about (`application`, `project`, `namespace`, `cluster`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The server's message. */
  readonly message: string;
}

const GRPC = { AlreadyExists: 6, FailedPrecondition: 9, Aborted: 10 } as const;
const KNOWN_REASONS = new Set<string>(Object.values(apiReasons));

/** The message, gRPC code and reason of an error body (Argo CD's `{error, code, message}`, plus kawa's `details`). */
export function readErrorBody(status: number, text: string): Refusal {
  let message = text.trim();
  let grpcCode: number | undefined;
  let reason: ApiReason | undefined;
  let metadata: Record<string, string> = {};
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown; code?: unknown; details?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'number' && Number.isInteger(body.code)) grpcCode = body.code;
    for (const detail of Array.isArray(body.details) ? (body.details as unknown[]) : []) {
      if (typeof detail !== 'object' || detail === null) continue;
      const info = detail as { '@type'?: unknown; reason?: unknown; domain?: unknown; metadata?: unknown };
      if (info['@type'] !== 'type.googleapis.com/google.rpc.ErrorInfo' || info.domain !== 'kawa.dev' || typeof info.reason !== 'string') continue;
      // A reason from a newer server that this CLI does not know gets the fallback hint.
      if (!KNOWN_REASONS.has(info.reason)) continue;
      reason = info.reason as ApiReason;
      if (typeof info.metadata === 'object' && info.metadata !== null) {
        metadata = Object.fromEntries(Object.entries(info.metadata).filter((e): e is [string, string] => typeof e[1] === 'string'));
      }
      break;
    }
  } catch {
    // not JSON (a proxy's page): keep the text
  }
  if (message.length > 500) message = `${message.slice(0, 500)}…`;
  return { status, grpcCode, reason, metadata, message };
}

/** `` `kawa …` `` for a hint: placeholders (NAME, PROJECT) stay as written, values are quoted for the shell. */
const cmd = (...words: string[]): string => `\`${kawaCommand(words)}\``;

/** The hint for a cause named by the server. */
export function hintForReason(reason: ApiReason, metadata: Readonly<Record<string, string>>): string {
  const app = metadata['application'] ?? 'NAME';
  const project = metadata['project'] ?? 'PROJECT';
  switch (reason) {
    case apiReasons.SPEC_DIFFERS:
      return 'it exists with another spec: run the same command with --upsert to replace it';
    case apiReasons.NAME_TAKEN:
      return `the name is used by another ${metadata['cluster'] === undefined ? 'object' : 'cluster'}: choose another name, or remove that one first (${metadata['cluster'] === undefined ? 'see the matching `list` command' : cmd('cluster', 'list')})`;
    case apiReasons.OPERATION_IN_PROGRESS:
      return `wait for the running operation (${cmd('app', 'wait', app, '--operation')}) or stop it (${cmd('app', 'terminate-op', app)}), then run this again`;
    case apiReasons.AUTO_SYNC_ENABLED:
      return `${app} has automated sync, which would sync it straight back to git: turn it off first with ${cmd('app', 'set', app, '--sync-policy', 'none')} (and back on later with --sync-policy automated)`;
    case apiReasons.APP_DELETING:
      return `${app} is being deleted: wait until it is gone (${cmd('app', 'get', app)} answers that it does not exist), then create it again`;
    case apiReasons.NO_OPERATION:
      return `there is nothing to stop (${cmd('app', 'get', app, '--show-operation')} shows the last operation)`;
    case apiReasons.HISTORY_NOT_FOUND:
      return `pick an ID that ${cmd('app', 'history', app)} lists`;
    case apiReasons.HISTORY_SOURCE_MISSING:
      return `sync to that revision instead: ${cmd('app', 'sync', app, '--revision', 'REVISION')}`;
    case apiReasons.PROJECT_NOT_PERMITTED:
      return `change the app's source or destination, or let project ${project} allow them (${cmd('proj', 'get', project)}, ${cmd('proj', 'add-destination', project, 'SERVER', 'NAMESPACE')}, ${cmd('proj', 'add-source', project, 'REPO')})`;
    case apiReasons.PROJECT_NOT_FOUND:
      return `create project ${project} (${cmd('proj', 'create', project)}) or name an existing one with --project (${cmd('proj', 'list')})`;
    case apiReasons.PROJECT_IN_USE:
      return `delete its applications or move them to another project first (${cmd('app', 'list', '--project', project)})`;
    case apiReasons.NAMESPACE_NOT_ENABLED:
      return `this server manages no applications in namespace ${metadata['namespace'] ?? 'NAMESPACE'}: use the server's own namespace, or ask its administrator to enable that one (Argo CD's application.namespaces)`;
    case apiReasons.CONCURRENT_CHANGES:
      return 'others changed the same object at the same time: run the command again';
    case apiReasons.LOGIN_SESSION_REQUIRED:
      return `log in with the account's password (${cmd('login', 'SERVER', '--username', 'ACCOUNT')}) and run this again`;
  }
}

export interface HintTarget {
  readonly server: string;
  readonly token?: string | undefined;
  /** `http(s)://server`, for messages. */
  readonly baseUrl: string;
}

/** The next step for a refusal, by cause (see the file header). `where` is `METHOD /path`. */
export function hintFor(refusal: Refusal, where: string, target: HintTarget): string {
  if (refusal.reason !== undefined) return hintForReason(refusal.reason, refusal.metadata);
  // Causes told apart by the gRPC code, which Argo CD sends too (its FailedPrecondition is HTTP 400).
  if (refusal.grpcCode === GRPC.AlreadyExists) return 'it exists with another spec: run the same command with --upsert to replace it';
  if (refusal.grpcCode === GRPC.FailedPrecondition) return "the object's current state does not allow this: the message above says what must change first";
  if (refusal.grpcCode === GRPC.Aborted) return 'the object changed while the request ran: run the command again';
  switch (refusal.status) {
    case 400:
      return 'fix the input named above';
    case 401:
      return target.token === undefined || target.token === ''
        ? `you are not logged in to ${target.server}: run ${cmd('login', target.server)} (or pass --auth-token)`
        : `your session is invalid or has expired: run ${cmd('relogin')} (or ${cmd('login', 'SERVER')})`;
    case 403:
      // Argo CD answers 403 for objects that do not exist too, so as not to reveal them.
      return `the object does not exist, or your account may not do this: check the name, and the permission with ${cmd('account', 'can-i', 'ACTION', 'RESOURCE', 'OBJECT')}`;
    case 404:
      // kawa's answer for a route it does not have (server/app.ts); every other 404 names a missing object.
      return /^no route for /.test(refusal.message) ? `the server at ${target.baseUrl} does not offer ${where} yet: upgrade the server` : 'check the name (the matching `list` command shows what exists)';
    case 409:
      return 'the request conflicts with the object as it is now: the message above says how';
    case 429:
      return 'too many attempts: wait a minute and try again';
    default:
      return refusal.status >= 500 ? `the server failed: retry, and if it persists read the server log of ${target.server}` : 'check the request';
  }
}
