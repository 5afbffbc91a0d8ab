// The HTTP client of the CLI: Argo CD's REST routes, bearer token, TLS verification switchable with
// --insecure, plain HTTP with --plaintext. Failures become UserErrors that say what to do next.
import http from 'node:http';
import https from 'node:https';
import { UserError, errorCodes, messageOf, type ApiReason, type ErrorCode } from '../../errors.js';
import { hintFor, readErrorBody } from './api-hints.js';
import { kawaCommand } from './kawa-command.js';

export interface Target {
  /** `host:port` as stored in the config. */
  readonly server: string;
  readonly plaintext: boolean;
  readonly insecure: boolean;
  readonly token?: string | undefined;
  /** The context the target came from, for messages. */
  readonly contextName?: string | undefined;
}

export const baseUrlOf = (target: Pick<Target, 'server' | 'plaintext'>): string => `${target.plaintext ? 'http' : 'https'}://${target.server}`;

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export function buildUrl(base: string, path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) url.searchParams.append(key, v);
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** A refusal by the API server: the HTTP status, the server's message and, when it says so, the cause. */
export class ApiRequestError extends UserError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    readonly serverMessage: string,
    /** The server's machine-readable cause (kawa servers only). */
    readonly reason?: ApiReason | undefined,
  ) {
    super(code, message);
  }
}

const CODE_FOR_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: errorCodes.API_INVALID_ARGUMENT,
  401: errorCodes.API_UNAUTHENTICATED,
  403: errorCodes.API_PERMISSION_DENIED,
  404: errorCodes.API_NOT_FOUND,
  409: errorCodes.API_CONFLICT,
};

/** The error for a non-2xx answer, with the next step the user should take (api-hints.ts picks it by cause). */
export function apiFailure(status: number, bodyText: string, method: string, path: string, target: Pick<Target, 'server' | 'plaintext' | 'token'>): ApiRequestError {
  const refusal = readErrorBody(status, bodyText);
  const code = CODE_FOR_STATUS[status] ?? errorCodes.CLI_API_FAILED;
  const where = `${method} ${path.split('?')[0] ?? path}`;
  const hint = hintFor(refusal, where, { server: target.server, token: target.token, baseUrl: baseUrlOf(target) });
  return new ApiRequestError(code, `${where}: ${refusal.message || `HTTP ${status}`} (HTTP ${status}); ${hint}`, status, refusal.message, refusal.reason);
}

const TLS_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error for a request that got no HTTP answer: which URL, why, and the flag that likely fixes it. */
export function unreachable(err: unknown, target: Pick<Target, 'server' | 'plaintext'>): UserError {
  const url = baseUrlOf(target);
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  const message = messageOf(err);
  let why: string;
  let fix: string;
  if (TLS_CERT_CODES.has(code)) {
    why = `its TLS certificate is not trusted (${code})`;
    fix = 'pass --insecure to skip verification (only for servers you trust), or install its CA certificate';
  } else if (code === 'EPROTO' || /wrong version number|packet length too long|ERR_SSL/i.test(`${code} ${message}`)) {
    why = 'it does not speak TLS';
    fix = 'pass --plaintext (or use an http:// address)';
  } else if (code === 'ECONNRESET' || code === 'HPE_INVALID_CONSTANT' || /parse error/i.test(message)) {
    why = `the connection broke (${code || message})`;
    fix = target.plaintext ? 'the server may expect TLS: drop --plaintext' : 'check the address; a server without TLS needs --plaintext';
  } else if (code === 'ECONNREFUSED') {
    why = 'nothing listens there (connection refused)';
    fix = `check the address and that \`${kawaCommand('server')}\` (or \`${kawaCommand('up')}\`) runs there`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    why = 'the host name does not resolve';
    fix = 'check the address';
  } else if (code === 'ETIMEDOUT' || code === 'KAWA_TIMEOUT') {
    why = 'it did not answer in time';
    fix = 'check the address, the network and that the server runs';
  } else {
    why = message;
    fix = 'check the address; a server without TLS needs --plaintext, one with a self-signed certificate --insecure';
  }
  return new UserError(errorCodes.CLI_SERVER_UNREACHABLE, `cannot reach the kawa API server at ${url}: ${why}; ${fix}`, { cause: err });
}

export interface RequestOptions {
  query?: Readonly<Record<string, QueryValue>>;
  body?: unknown;
  /** Send no token (login). */
  anonymous?: boolean;
}

export interface ClientOptions {
  /** Per request, until the answer's headers arrive (default 30 s). */
  timeoutMs?: number;
}

export class ApiClient {
  constructor(
    readonly target: Target,
    private readonly options: ClientOptions = {},
  ) {}

  get baseUrl(): string {
    return baseUrlOf(this.target);
  }

  private open(method: string, path: string, options: RequestOptions, accept: string): Promise<http.IncomingMessage> {
    const url = buildUrl(this.baseUrl, path, options.query);
    const headers: Record<string, string> = { accept, 'user-agent': 'kawa-cli' };
    const token = this.target.token;
    if (options.anonymous !== true && token !== undefined && token !== '') headers['authorization'] = `Bearer ${token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const request = this.target.plaintext
        ? http.request(url, { method, headers })
        : https.request(url, { method, headers, rejectUnauthorized: !this.target.insecure });
      const timer = setTimeout(() => {
        request.destroy(Object.assign(new Error('timed out'), { code: 'KAWA_TIMEOUT' }));
      }, this.options.timeoutMs ?? 30_000);
      request.on('response', (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      request.on('error', (err) => {
        clearTimeout(timer);
        reject(unreachable(err, this.target));
      });
      request.end(payload);
    });
  }

  private static async readAll(response: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** One JSON request; the parsed answer (an empty body gives `{}`). */
  async call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.open(method, path, options, 'application/json');
    const text = await ApiClient.readAll(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiFailure(status, text, method, path, this.target);
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UserError(errorCodes.CLI_API_FAILED, `${method} ${path}: the answer is not JSON: is ${this.baseUrl} a kawa or Argo CD API server?`);
    }
  }

  /**
   * A streaming GET (SSE, newline-delimited JSON): `onLine` gets each line as it arrives. Resolves when
   * the server ends the stream or `signal` aborts.
   */
  async lines(path: string, options: RequestOptions & { accept?: string; signal?: AbortSignal }, onLine: (line: string) => void): Promise<void> {
    const response = await this.open('GET', path, options, options.accept ?? 'text/event-stream');
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiFailure(status, await ApiClient.readAll(response), 'GET', path, this.target);
    const signal = options.signal;
    const onAbort = (): void => {
      response.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let rest = '';
    try {
      for await (const chunk of response) {
        rest += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          onLine(rest.slice(0, nl).replace(/\r$/, ''));
          rest = rest.slice(nl + 1);
        }
      }
    } catch (err) {
      if (signal?.aborted !== true) throw unreachable(err, this.target);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (rest !== '') onLine(rest);
  }
}

/** A boolean query parameter as Argo CD's servers read it: `true`, or left out. */
export const queryFlag = (value: boolean | undefined): 'true' | undefined => (value === true ? 'true' : undefined);

/** A path segment (repository URLs and cluster servers are path parameters in Argo CD's API). */
export const seg = (value: string): string => encodeURIComponent(value);
