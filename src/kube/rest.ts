// Raw JSON requests to a cluster's API with the credentials of a KubeConfig. The generated clients only
// know built-in types, and their typed serializers drop fields their models lack (newer API fields,
// `x-kubernetes-preserve-unknown-fields` data): every read and write of users' objects goes through here.
import type { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { isRecord } from './objects.js';

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** A failed API request. `statusCode` is absent when no HTTP answer came (connection refused, timeout). */
export class KubeApiError extends UserError {
  readonly statusCode: number | undefined;
  /** The `reason` of the Status the server sent (`Expired`, `Forbidden`, `NotFound`, …). */
  readonly reason: string | undefined;
  /** The server's own words (the Status `message`), without the method and path. */
  readonly serverMessage: string | undefined;
  /** The Status object the server sent, when it sent one (its `details.causes` name the bad fields). */
  readonly status: unknown;
  constructor(
    message: string,
    statusCode?: number,
    reason?: string,
    options?: { cause?: unknown; serverMessage?: string; status?: unknown },
  ) {
    super(errorCodes.KUBE_API_FAILED, message, options);
    this.statusCode = statusCode;
    this.reason = reason;
    this.serverMessage = options?.serverMessage;
    this.status = options?.status;
  }
}

/** The HTTP status of a failed request, from any of the error shapes kawa and client-node produce. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.statusCode;
  if (isRecord(err)) {
    for (const field of ['statusCode', 'code']) {
      const value = err[field];
      if (typeof value === 'number') return value;
    }
  }
  return undefined;
}

/** `410 Gone`: the resourceVersion or continue token is older than what the server still keeps. */
export function isGone(err: unknown): boolean {
  return statusCodeOf(err) === 410;
}

export interface RequestOptions {
  query?: QueryParams;
  accept?: string;
  signal?: AbortSignal;
  /** Give up after this long (default 60 s): a list of a big type can take a while, but never forever. */
  timeoutMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface WriteOptions extends RequestOptions {
  /** Sent as given: JSON text, or a value serialized with JSON.stringify (never through a typed model). */
  body?: unknown;
  /** Default `application/json`; `application/apply-patch+yaml` for server-side apply (JSON is valid YAML). */
  contentType?: string;
}

/** What a request observer sees: one call per request sent, with its outcome. */
export interface RequestEvent {
  method: HttpMethod;
  path: string;
  statusCode: number | undefined;
  durationMs: number;
}

/** Everything a TLS agent is built from; requests with equal material share one keep-alive agent. */
function agentKey(options: https.AgentOptions): string {
  const material = [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.servername, options.rejectUnauthorized];
  return JSON.stringify(material.map((m) => (Buffer.isBuffer(m) ? m.toString('base64') : m)));
}

export class KubeRest {
  private sent = 0;
  private readonly observers = new Set<(event: RequestEvent) => void>();
  /**
   * One keep-alive agent, rebuilt when the TLS material changes (an exec plugin rotating a client
   * certificate). A fresh TLS handshake per request would cost more than the request itself.
   */
  private agent: { key: string; agent: http.Agent } | undefined;

  /**
   * `impersonateUser`: every request carries `Impersonate-User` (replacing one the kubeconfig may set),
   * so the API server authorizes it as that user (`system:serviceaccount:<ns>:<name>`), after checking
   * the kubeconfig's own identity may impersonate it. For a service account the server adds its groups.
   */
  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly identity: { impersonateUser?: string } = {},
  ) {}

  /** The user requests act as, when they impersonate one. */
  get impersonatedUser(): string | undefined {
    return this.identity.impersonateUser;
  }

  /**
   * A client with the same credentials that acts as `user` (Kubernetes impersonation). It has its own
   * keep-alive agent and no observers; close it like any client.
   */
  impersonating(user: string): KubeRest {
    if (user.trim() === '') throw new UserError(errorCodes.KUBE_API_FAILED, 'cannot impersonate an empty user name');
    return new KubeRest(this.kubeConfig, { impersonateUser: user });
  }

  /** The API server's base URL (`https://host:port`), without a trailing slash. */
  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new UserError(errorCodes.KUBE_API_FAILED, 'the kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  /** Requests sent so far (every method, failed ones included), for tests and benchmarks. */
  get requestCount(): number {
    return this.sent;
  }

  /** Observes every request (method, path, status, duration); returns the unsubscribe function. */
  onRequest(observer: (event: RequestEvent) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Closes idle keep-alive connections. Requests after this open new ones. */
  close(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
  }

  getJson(path: string, options: RequestOptions = {}): Promise<unknown> {
    return this.request('GET', path, options);
  }

  /**
   * One request with a raw JSON body and a JSON answer (undefined when the answer is empty). Users'
   * objects go out byte for byte: nothing here knows their schema, so no field is ever dropped.
   * Throws {@link KubeApiError} with the server's Status message on a non-2xx answer.
   */
  async request(method: HttpMethod, path: string, options: WriteOptions = {}): Promise<unknown> {
    const url = new URL(this.server + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    // Fresh options per request: they carry the current token (exec plugins and OIDC refresh it).
    const fetchOptions = await this.kubeConfig.applyToFetchOptions({});
    const headers: Record<string, string> = {};
    const impersonateUser = this.identity.impersonateUser;
    // client-node builds a WHATWG Headers here; the declared type (node-fetch's HeadersInit) is wider.
    new Headers(fetchOptions.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => {
      // Impersonating: only the user is sent; groups or extras the kubeconfig names would widen it.
      if (impersonateUser !== undefined && name.startsWith('impersonate-')) return;
      headers[name] = value;
    });
    if (impersonateUser !== undefined) headers['impersonate-user'] = impersonateUser;
    headers['accept'] = options.accept ?? 'application/json';
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body), 'utf8');
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const agent = this.agentFor(fetchOptions.agent);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const started = performance.now();
    this.sent++;
    let statusCode: number | undefined;
    try {
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const transport = url.protocol === 'http:' ? http : https;
        const request = transport.request(url, { method, headers, agent, signal: options.signal, timeout: timeoutMs }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs}ms`)));
        request.on('error', reject);
        request.end(payload);
      }).catch((err: unknown) => {
        throw new KubeApiError(`${method} ${path}: ${messageOf(err)}`, undefined, undefined, { cause: err });
      });
      statusCode = answer.status;
      return parseAnswer(method, path, answer.status, answer.text);
    } finally {
      const event: RequestEvent = { method, path, statusCode, durationMs: performance.now() - started };
      for (const observer of this.observers) observer(event);
    }
  }

  private agentFor(fresh: unknown): http.Agent | undefined {
    if (!(fresh instanceof https.Agent)) return fresh instanceof http.Agent ? fresh : undefined;
    const key = agentKey(fresh.options);
    // The per-request agent never opened a socket; only its options are wanted.
    fresh.destroy();
    if (this.agent?.key !== key) {
      this.agent?.agent.destroy();
      this.agent = { key, agent: new https.Agent({ ...fresh.options, keepAlive: true }) };
    }
    return this.agent.agent;
  }
}

function parseAnswer(method: HttpMethod, path: string, status: number, text: string): unknown {
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (status < 200 || status >= 300) {
    const body = isRecord(parsed) ? parsed : {};
    const message = typeof body['message'] === 'string' ? body['message'] : text.slice(0, 200);
    const reason = typeof body['reason'] === 'string' ? body['reason'] : undefined;
    throw new KubeApiError(`${method} ${path}: ${status} ${message}`, status, reason, { serverMessage: message, status: parsed });
  }
  // An empty answer is fine for writes (some DELETEs); a read must bring JSON.
  if (parsed === undefined && (text !== '' || method === 'GET')) throw new KubeApiError(`${method} ${path}: the answer is not JSON`, status);
  return parsed;
}
