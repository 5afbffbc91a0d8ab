// Errors as the API answers them. Argo CD's REST gateway (grpc-gateway) answers `{error, code, message}`
// where `code` is the gRPC status code; scripts written against Argo CD read that body, so kawa answers
// the same shape. The HTTP status follows grpc-gateway's mapping, with one deliberate difference:
// FailedPrecondition (an operation is running, auto-sync is on, the app is being deleted) is 409 here,
// not 400, because the request itself is fine — the object's state is what refuses it.
import { UserError, errorCodes, isKawaError, type ApiReason, type ErrorCode } from '../errors.js';
import { describeType, formatPath } from '../model/validation.js';

export const grpcCodes = {
  InvalidArgument: 3,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;

export type GrpcCode = (typeof grpcCodes)[keyof typeof grpcCodes];

/** `google.rpc.ErrorInfo`, the gRPC way to say why in machine-readable form (AIP-193). */
export interface ErrorInfo {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: ApiReason;
  domain: typeof ERROR_DOMAIN;
  /** What the reason is about, e.g. `application: guestbook`, for a hint to name it. */
  metadata?: Record<string, string>;
}

export const ERROR_DOMAIN = 'kawa.dev';

/** The error body every failed request gets; `details` (as grpc-gateway writes a status's details) only when a reason is known. */
export interface ErrorBody {
  error: string;
  code: number;
  message: string;
  details?: ErrorInfo[];
}

/** Why, in machine-readable form: an apiReasons value and what it is about. */
export interface Why {
  reason: ApiReason;
  metadata?: Record<string, string>;
}

/** An error with the HTTP status and gRPC code it is answered with. */
export class ApiError extends UserError {
  constructor(
    code: ErrorCode,
    readonly httpStatus: number,
    readonly grpcCode: GrpcCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string>; why?: Why | undefined },
  ) {
    super(code, message, options);
    this.headers = options?.headers ?? {};
    this.why = options?.why;
  }
  readonly headers: Record<string, string>;
  readonly why: Why | undefined;
}

export const invalidArgument = (message: string, why?: Why): ApiError => new ApiError(errorCodes.API_INVALID_ARGUMENT, 400, grpcCodes.InvalidArgument, message, { why });
export const unauthenticated = (message: string): ApiError => new ApiError(errorCodes.API_UNAUTHENTICATED, 401, grpcCodes.Unauthenticated, message);
export const permissionDenied = (message = 'permission denied', why?: Why): ApiError => new ApiError(errorCodes.API_PERMISSION_DENIED, 403, grpcCodes.PermissionDenied, message, { why });
export const notFound = (message: string): ApiError => new ApiError(errorCodes.API_NOT_FOUND, 404, grpcCodes.NotFound, message);
export const alreadyExists = (message: string, why?: Why): ApiError => new ApiError(errorCodes.API_CONFLICT, 409, grpcCodes.AlreadyExists, message, { why });
export const failedPrecondition = (message: string, why?: Why): ApiError => new ApiError(errorCodes.API_CONFLICT, 409, grpcCodes.FailedPrecondition, message, { why });
export const aborted = (message: string, why?: Why): ApiError => new ApiError(errorCodes.API_CONFLICT, 409, grpcCodes.Aborted, message, { why });
/** Something the request needs is not there or not ready (by default the Kubernetes API): retry later. */
export const unavailable = (message: string, code: ErrorCode = errorCodes.KUBE_API_FAILED): ApiError => new ApiError(code, 503, grpcCodes.Unavailable, message);

/** One bad field of a request: where (`spec.source.repoURL`) and what is wrong with it. */
export interface FieldProblem {
  path: string;
  message: string;
}

type ZodIssue = { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[]; expected?: unknown; input?: unknown };

/**
 * zod issues as problems a user can act on: one per bad field, the path written the way it reads in
 * YAML/JSON, unknown keys reported at their own path (`spec.sorce: unknown field`).
 */
export function problemsOf(issues: readonly ZodIssue[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_type') {
      const got = issue.input === undefined ? 'nothing' : describeType(issue.input);
      out.push({ path: formatPath(issue.path), message: issue.input === undefined ? 'required' : `expected ${String(issue.expected)}, got ${got}` });
    } else {
      out.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** A request part (body, query, params) that does not match its schema; answered with 400 and every bad field. */
export class RequestValidationError extends ApiError {
  constructor(
    readonly part: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(errorCodes.API_INVALID_ARGUMENT, 400, grpcCodes.InvalidArgument, `invalid request ${part}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

/** The HTTP status → gRPC code grpc-gateway uses, for errors fastify raises itself (413, 415, 404 …). */
const GRPC_CODE_BY_STATUS: ReadonlyMap<number, GrpcCode> = new Map<number, GrpcCode>([
  [400, grpcCodes.InvalidArgument],
  [401, grpcCodes.Unauthenticated],
  [403, grpcCodes.PermissionDenied],
  [404, grpcCodes.NotFound],
  [409, grpcCodes.Aborted],
  [413, grpcCodes.ResourceExhausted],
  [429, grpcCodes.ResourceExhausted],
  [501, grpcCodes.Unimplemented],
  [503, grpcCodes.Unavailable],
]);

function grpcCodeForStatus(status: number): GrpcCode {
  return GRPC_CODE_BY_STATUS.get(status) ?? (status >= 500 ? grpcCodes.Internal : grpcCodes.InvalidArgument);
}

/** What UserErrors from the layers below (auth, model) mean to an API caller; anything else is a 500. */
const USER_ERROR_STATUS: ReadonlyMap<ErrorCode, number> = new Map<ErrorCode, number>([
  [errorCodes.AUTH_INVALID_TOKEN, 401],
  [errorCodes.AUTH_EXPIRED, 401],
  [errorCodes.AUTH_REVOKED, 401],
  [errorCodes.AUTH_LOGIN_FAILED, 401],
  [errorCodes.AUTH_THROTTLED, 429],
  [errorCodes.INVALID_SPEC, 400],
  [errorCodes.AUTH_PASSWORD_INVALID, 400],
  [errorCodes.AUTH_ACCOUNT_INVALID, 400],
]);

export interface Answer {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** A bug or an outage: logged with its stack, and its details kept out of the answer. */
  internal: boolean;
}

const INTERNAL_MESSAGE = 'internal error; the server log has the details';

/** The answer for anything a handler or fastify threw. */
export function answerFor(err: unknown): Answer {
  const body = (code: number, message: string): ErrorBody => ({ error: message, code, message });
  if (err instanceof ApiError) {
    const answer: ErrorBody = body(err.grpcCode, err.message);
    if (err.why !== undefined) answer.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: err.why.reason, domain: ERROR_DOMAIN, ...(err.why.metadata === undefined ? {} : { metadata: err.why.metadata }) }];
    return { status: err.httpStatus, body: answer, headers: err.headers, internal: false };
  }
  if (isKawaError(err) && err instanceof UserError) {
    const status = USER_ERROR_STATUS.get(err.code) ?? 500;
    if (status < 500) return { status, body: body(grpcCodeForStatus(status), err.message), headers: {}, internal: false };
  }
  // fastify's own errors (body too large, bad JSON, unsupported media type) carry a 4xx statusCode.
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && err instanceof Error) {
    return { status: statusCode, body: body(grpcCodeForStatus(statusCode), err.message), headers: {}, internal: false };
  }
  return { status: 500, body: body(grpcCodes.Internal, INTERNAL_MESSAGE), headers: {}, internal: true };
}
