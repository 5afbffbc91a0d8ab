// The repo server as a network service (`kawa repo-server`, Argo CD's argocd-repo-server): the same
// RepoService the controller and the API server call in-process, behind a small JSON API on a loopback
// or cluster address, plus the fetch-based client that makes the remote one look like the local one
// (both are a ManifestSource). Manifest generation runs at most `maxConcurrent` at once; requests over
// that wait in a bounded queue, and a full queue answers 503 at once rather than piling up.
//
// Credentials: the repo server needs no Kubernetes access. The controller and the API server read the
// repository Secrets and send those an app's project may use inside each request (request-credentials.ts);
// the repo server uses them for that request only, and redacts their values from every answer and log line.
// Nothing authenticates the callers: like Argo CD's repo server, kawa's relies on the network (the install's
// NetworkPolicy admits only the controller and the server). A caller that can reach it can make it fetch
// with credentials the caller sends, but can never read credentials it did not send, and a request without
// credentials for a private repository is refused even after another request fetched it with them (the
// RepoService gate: an ls-remote with the request's own credentials before any cached mirror, checkout or
// render is served). Listening on loopback (the default) keeps it to this host.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { BugError, errorCodes, messageOf, UserError, type ErrorCode } from '../errors.js';
import type { RevisionMetadata } from '../git/mirror.js';
import type { CredentialSources } from '../git/repo-credentials.js';
import { redactUrl } from '../git/url.js';
import { applicationSourceSchema, type ApplicationSource } from '../model/index.js';
import type { GitCredentials } from '../git/credentials.js';
import type { RemoteRefs } from '../git/refs.js';
import { describeIssues, fromRequestCredentials, gitCredentialsSchema, redactSecrets, requestCredentialsSchema, secretValuesOf, toRequestCredentials, type RequestCredentials } from './request-credentials.js';
import type { ManifestRequest, ManifestResponse, RepoService, ResolveOptions } from './service.js';
import type { ManifestSource } from './source.js';

export type { ManifestSource } from './source.js';

export const REPO_SERVER_API = {
  manifests: '/api/v1/manifests',
  resolve: '/api/v1/revisions/resolve',
  metadata: '/api/v1/revisions/metadata',
  refs: '/api/v1/refs',
  healthz: '/healthz',
} as const;

/** Requests that may wait for a render slot when `maxQueued` is not given, per allowed render. */
const QUEUE_PER_SLOT = 10;

export const manifestRequestSchema = z.object({
  source: applicationSourceSchema,
  /** The app's AppProject: the repository credentials it may use. */
  project: z.string().min(1).optional(),
  appName: z.string().min(1),
  namespace: z.string().optional(),
  kubeVersion: z.string().optional(),
  apiVersions: z.array(z.string()).optional(),
  revision: z.string().min(1).optional(),
  noCache: z.boolean().optional(),
  refSources: z.record(z.string(), z.object({ source: applicationSourceSchema, revision: z.string().min(1) })).optional(),
  /** The repository Secrets the app's project may use, for this request only (absent: the server's own, if any). */
  credentials: requestCredentialsSchema.optional(),
  /** Forget the refs seen of the source's repository first (a refresh someone asked for). */
  invalidate: z.boolean().optional(),
});

export const resolveRequestSchema = z.object({
  source: applicationSourceSchema,
  project: z.string().min(1).optional(),
  revision: z.string().min(1).optional(),
  noCache: z.boolean().optional(),
  credentials: requestCredentialsSchema.optional(),
  invalidate: z.boolean().optional(),
});

/** The API server's connection check and refs route: `git ls-remote` with one Secret's own credentials. */
export const refsRequestSchema = z.object({
  repoURL: z.string().min(1),
  credentials: gitCredentialsSchema.optional(),
});

/** Refs as JSON: [name, sha] pairs (a Map does not serialize). */
interface RefsAnswer {
  refs: [string, string][];
  headTarget?: string;
}

export const metadataRequestSchema = z.object({
  repoURL: z.string().min(1),
  revision: z.string().min(1),
  project: z.string().min(1).optional(),
  credentials: requestCredentialsSchema.optional(),
});

/** The error body of every failed request. */
export interface RepoServerErrorBody {
  code: string;
  message: string;
}

/** Runs at most `max` tasks at once; up to `maxQueued` more wait (first come, first served). */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly max: number,
    readonly maxQueued: number,
  ) {
    if (!(max >= 1) || !(maxQueued >= 0)) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `concurrency limit must be at least 1 and the queue at least 0 (got ${max}, ${maxQueued})`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** False when a new task would neither run nor fit in the queue. */
  canAccept(): boolean {
    return this.active < this.max || this.waiting.length < this.maxQueued;
  }

  /** Runs `task` when a slot is free. Call canAccept() first: a full limiter still queues. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter (active stays the same), or is freed.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}

export interface RepoServerHttpOptions {
  service: RepoService;
  /** Listen address (default 127.0.0.1; the cluster network: the pod IP or 0.0.0.0). */
  host?: string;
  /** Port (default 8081, Argo CD's repo server port; 0 picks one). */
  port?: number;
  /** Manifest generations at once (default 10, Argo CD's `--parallelismlimit`). */
  maxConcurrent?: number;
  /** Requests that may wait for a slot (default 10 per slot); over that the answer is 503. */
  maxQueued?: number;
  log?: FastifyBaseLogger;
}

export interface RepoServerHttp {
  /** `http://host:port`, the port the server really listens on. */
  url: string;
  port: number;
  limiter: ConcurrencyLimiter;
  fastify: FastifyInstance;
  close(): Promise<void>;
}

const knownCodes = new Set<string>(Object.values(errorCodes));

function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && knownCodes.has(code);
}

/** Status and body for anything a route threw: 400 with the code for user errors, 500 otherwise. */
function answerFor(err: unknown): { status: number; body: RepoServerErrorBody; internal: boolean } {
  if (err instanceof UserError) return { status: 400, body: { code: err.code, message: err.message }, internal: false };
  // Fastify's own rejections (malformed JSON, body too large, wrong content type) are the caller's fault too.
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A JSON syntax error quotes the body around the fault, and the body may hold credentials.
    const json = err instanceof SyntaxError || (err as { code?: unknown }).code === 'FST_ERR_CTP_INVALID_JSON_BODY';
    return { status, body: { code: errorCodes.API_INVALID_ARGUMENT, message: json ? 'the request body is not valid JSON' : messageOf(err) }, internal: false };
  }
  return { status: 500, body: { code: errorCodes.INTERNAL, message: messageOf(err) }, internal: true };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new UserError(errorCodes.API_INVALID_ARGUMENT, `invalid request body: ${describeIssues(parsed.error.issues).join('; ')}`);
}

/**
 * Runs `task` and answers its failure with the request's secret values redacted from the message. The
 * original error is dropped (not kept as a cause): its message or stack may hold them.
 */
async function redacting<T>(credentials: RequestCredentials | GitCredentials | undefined, task: () => Promise<T>): Promise<T> {
  const secrets = secretValuesOf(credentials);
  try {
    return await task();
  } catch (err) {
    if (secrets.length === 0) throw err;
    if (err instanceof UserError) throw new UserError(err.code, redactSecrets(err.message, secrets));
    throw new BugError(redactSecrets(messageOf(err), secrets));
  }
}

const sourcesOf = (credentials: RequestCredentials | undefined): { credentials?: CredentialSources } => (credentials === undefined ? {} : { credentials: fromRequestCredentials(credentials) });

function toManifestRequest(body: z.infer<typeof manifestRequestSchema>): ManifestRequest {
  return {
    source: body.source,
    appName: body.appName,
    ...(body.project === undefined ? {} : { project: body.project }),
    ...(body.namespace === undefined ? {} : { namespace: body.namespace }),
    ...(body.kubeVersion === undefined ? {} : { kubeVersion: body.kubeVersion }),
    ...(body.apiVersions === undefined ? {} : { apiVersions: body.apiVersions }),
    ...(body.revision === undefined ? {} : { revision: body.revision }),
    ...(body.noCache === undefined ? {} : { noCache: body.noCache }),
    ...(body.refSources === undefined ? {} : { refSources: body.refSources }),
    ...sourcesOf(body.credentials),
  };
}

function busy(reply: FastifyReply, limiter: ConcurrencyLimiter): FastifyReply {
  const body: RepoServerErrorBody = {
    code: errorCodes.RENDER_FAILED,
    message: `repo server busy: ${limiter.running} renders running and ${limiter.queued} waiting (limit ${limiter.max}, queue ${limiter.maxQueued}); retry later`,
  };
  return reply.code(503).header('retry-after', '1').send(body);
}

/** Starts the repo server's HTTP API; resolves once it listens. */
export async function startRepoServerHttp(options: RepoServerHttpOptions): Promise<RepoServerHttp> {
  const { service } = options;
  const maxConcurrent = options.maxConcurrent ?? 10;
  const limiter = new ConcurrencyLimiter(maxConcurrent, options.maxQueued ?? maxConcurrent * QUEUE_PER_SLOT);
  const fastify: FastifyInstance = Fastify({
    ...(options.log === undefined ? { logger: false } : { loggerInstance: options.log }),
    // Application sources with inline values can be large; rendered answers are not limited by this.
    bodyLimit: 8 * 1024 * 1024,
  });

  fastify.setErrorHandler((err, request, reply) => {
    const answer = answerFor(err);
    if (answer.internal) request.log.error({ err }, 'repo server request failed');
    else request.log.debug({ code: answer.body.code, message: answer.body.message }, 'repo server request rejected');
    return reply.code(answer.status).send(answer.body);
  });
  fastify.setNotFoundHandler((request, reply) => {
    const body: RepoServerErrorBody = { code: errorCodes.API_NOT_FOUND, message: `no route for ${request.method} ${request.url.split('?')[0] ?? ''}` };
    return reply.code(404).send(body);
  });

  fastify.get(REPO_SERVER_API.healthz, async () => Promise.resolve({ status: 'ok', running: limiter.running, queued: limiter.queued, maxConcurrent: limiter.max, maxQueued: limiter.maxQueued }));

  fastify.post(REPO_SERVER_API.manifests, async (request, reply) => {
    const body = parseBody(manifestRequestSchema, request.body);
    const manifestRequest = toManifestRequest(body);
    if (!limiter.canAccept()) return busy(reply, limiter);
    if (body.invalidate === true) service.invalidate(body.source.repoURL);
    const response = await redacting(body.credentials, () => limiter.run(() => service.generateManifests(manifestRequest)));
    return reply.send(response);
  });

  fastify.post(REPO_SERVER_API.resolve, async (request) => {
    const body = parseBody(resolveRequestSchema, request.body);
    if (body.invalidate === true) service.invalidate(body.source.repoURL);
    const revision = await redacting(body.credentials, () =>
      service.resolveRevision(body.source, {
        ...(body.revision === undefined ? {} : { revision: body.revision }),
        ...(body.noCache === undefined ? {} : { noCache: body.noCache }),
        ...(body.project === undefined ? {} : { project: body.project }),
        ...sourcesOf(body.credentials),
      }),
    );
    return { revision };
  });

  fastify.post(REPO_SERVER_API.refs, async (request): Promise<RefsAnswer> => {
    const body = parseBody(refsRequestSchema, request.body);
    const remote = await redacting(body.credentials, () => service.probeRefs(body.repoURL, body.credentials));
    return { refs: [...remote.refs.entries()], ...(remote.headTarget === undefined ? {} : { headTarget: remote.headTarget }) };
  });

  fastify.post(REPO_SERVER_API.metadata, async (request) => {
    const body = parseBody(metadataRequestSchema, request.body);
    return redacting(body.credentials, () => service.revisionMetadata(body.repoURL, body.revision, body.project, sourcesOf(body.credentials).credentials));
  });

  const host = options.host ?? '127.0.0.1';
  await fastify.listen({ host, port: options.port ?? 8081 });
  const address = fastify.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    limiter,
    fastify,
    close: () => fastify.close(),
  };
}

/**
 * The base URL of a repo server as `--repo-server` takes it: `http(s)://host:port`, or Argo CD's bare
 * `host:port` (read as plain HTTP).
 */
export function parseRepoServerUrl(text: string): string {
  const raw = text.trim();
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--repo-server must be a URL like http://kawa-repo-server:8081 or host:port, got ${JSON.stringify(redactUrl(text))}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--repo-server must be an http:// or https:// URL without user, query or fragment, got ${JSON.stringify(redactUrl(text))}`);
  }
  return url.toString().replace(/\/+$/, '');
}

export interface RepoServerClientOptions {
  /** `http://host:port` of a `kawa repo-server` (or `host:port`). */
  url: string;
  /** Time for one request, queueing and rendering included (default 150 s: above the 90 s render limit). */
  timeoutMs?: number;
  /**
   * The repository and repo-creds Secrets an app of `project` may use, sent with every request (the
   * caller reads them; the repo server has no Kubernetes access). Without it requests carry none, and
   * the repo server uses its own (deprecated `--namespace`) or fetches anonymously.
   */
  credentials?: (project: string | undefined) => CredentialSources;
}

/** A remote repo server with RepoService's shape: errors come back as UserError with the server's code. */
export class RepoServerClient implements ManifestSource {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly credentials: ((project: string | undefined) => CredentialSources) | undefined;
  /** Repositories a refresh was asked for: the next request for each tells the repo server to forget its refs. */
  private readonly invalidated = new Set<string>();

  constructor(options: RepoServerClientOptions) {
    this.base = parseRepoServerUrl(options.url);
    this.timeoutMs = options.timeoutMs ?? 150_000;
    this.credentials = options.credentials;
  }

  /** The base URL requests go to. */
  get url(): string {
    return this.base;
  }

  async generateManifests(request: ManifestRequest): Promise<ManifestResponse> {
    const { credentials, ...rest } = request;
    const sent = this.credentialsFor(request.project, credentials);
    return this.post<ManifestResponse>(REPO_SERVER_API.manifests, { ...rest, ...sent, ...this.invalidation(request.source.repoURL) }, secretValuesOf(sent.credentials));
  }

  async resolveRevision(source: ApplicationSource, options: ResolveOptions = {}): Promise<string> {
    const { credentials, ...rest } = options;
    const sent = this.credentialsFor(options.project, credentials);
    const answer = await this.post<{ revision: string }>(REPO_SERVER_API.resolve, { source, ...rest, ...sent, ...this.invalidation(source.repoURL) }, secretValuesOf(sent.credentials));
    return answer.revision;
  }

  async revisionMetadata(repoURL: string, revision: string, project?: string): Promise<RevisionMetadata> {
    const sent = this.credentialsFor(project, undefined);
    return this.post<RevisionMetadata>(REPO_SERVER_API.metadata, { repoURL, revision, ...(project === undefined ? {} : { project }), ...sent }, secretValuesOf(sent.credentials));
  }

  invalidate(repoURL: string): void {
    this.invalidated.add(repoURL);
  }

  /** `git ls-remote` by the repo server with exactly these credentials (the API server's GitProbe). */
  async lsRemote(repoURL: string, creds?: GitCredentials): Promise<RemoteRefs> {
    const answer = await this.post<RefsAnswer>(REPO_SERVER_API.refs, { repoURL, ...(creds === undefined ? {} : { credentials: creds }) }, secretValuesOf(creds));
    return { refs: new Map(answer.refs), headTarget: answer.headTarget };
  }

  private invalidation(repoURL: string): { invalidate?: true } {
    return this.invalidated.delete(repoURL) ? { invalidate: true } : {};
  }

  private credentialsFor(project: string | undefined, given: CredentialSources | undefined): { credentials?: RequestCredentials } {
    const sources = given ?? this.credentials?.(project);
    return sources === undefined ? {} : { credentials: toRequestCredentials(sources) };
  }

  /** POSTs `body`; `secrets` (the values of the credentials it carries) are redacted from any failure. */
  private async post<T>(route: string, body: Record<string, unknown>, secrets: readonly string[]): Promise<T> {
    try {
      return await this.send<T>(route, body);
    } catch (err) {
      // The repo server redacts its answers already; this covers one that does not (an older or foreign one).
      if (secrets.length === 0) throw err;
      if (err instanceof UserError) throw new UserError(err.code, redactSecrets(err.message, secrets));
      throw new BugError(redactSecrets(messageOf(err), secrets));
    }
  }

  private async send<T>(route: string, body: unknown): Promise<T> {
    const url = `${this.base}${route}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new UserError(errorCodes.RENDER_TIMEOUT, `repo server ${this.base} did not answer ${route} within ${this.timeoutMs / 1000} s`);
      }
      throw new UserError(errorCodes.RENDER_FAILED, `repo server ${this.base} unreachable: ${messageOf((err as { cause?: unknown }).cause ?? err)}`, { cause: err });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BugError(`repo server ${this.base}${route} answered ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
    }
    if (response.ok) return parsed as T;
    const { code, message } = (parsed ?? {}) as { code?: unknown; message?: unknown };
    const shown = typeof message === 'string' ? message : `HTTP ${response.status}`;
    if (isKnownCode(code) && code !== errorCodes.INTERNAL) throw new UserError(code, shown);
    throw new BugError(`repo server ${this.base}: ${shown}`);
  }
}
