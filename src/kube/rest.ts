// Raw JSON requests to a cluster's API with the credentials of a KubeConfig. The generated clients only
// know built-in types; discovery and listing arbitrary resources (CRDs) need plain paths.
import type { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { isRecord } from './objects.js';

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** A failed API request. `statusCode` is absent when no HTTP answer came (connection refused, timeout). */
export class KubeApiError extends UserError {
  readonly statusCode: number | undefined;
  /** The `reason` of the Status the server sent (`Expired`, `Forbidden`, `NotFound`, …). */
  readonly reason: string | undefined;
  constructor(message: string, statusCode?: number, reason?: string, options?: { cause?: unknown }) {
    super(errorCodes.KUBE_API_FAILED, message, options);
    this.statusCode = statusCode;
    this.reason = reason;
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

export class KubeRest {
  constructor(readonly kubeConfig: KubeConfig) {}

  /** The API server's base URL (`https://host:port`), without a trailing slash. */
  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new UserError(errorCodes.KUBE_API_FAILED, 'the kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  async getJson(path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.server + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    // Fresh options per request: they carry the current token (exec plugins and OIDC refresh it).
    const fetchOptions = await this.kubeConfig.applyToFetchOptions({});
    const headers: Record<string, string> = {};
    // client-node builds a WHATWG Headers here; the declared type (node-fetch's HeadersInit) is wider.
    new Headers(fetchOptions.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => {
      headers[name] = value;
    });
    headers['accept'] = options.accept ?? 'application/json';
    const agent = fetchOptions.agent;
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const transport = url.protocol === 'http:' ? http : https;
      const request = transport.get(
        url,
        // The agent holds the TLS client certificate and CA; one per request, closed afterwards.
        { headers, agent: agent instanceof http.Agent ? agent : undefined, signal: options.signal, timeout: options.timeoutMs ?? 60_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs ?? 60_000}ms`)));
      request.on('error', reject);
    })
      .catch((err: unknown) => {
        throw new KubeApiError(`GET ${path}: ${messageOf(err)}`, undefined, undefined, { cause: err });
      })
      .finally(() => {
        if (agent instanceof http.Agent) agent.destroy();
      });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      parsed = undefined;
    }
    if (body.status < 200 || body.status >= 300) {
      const status = isRecord(parsed) ? parsed : {};
      const message = typeof status['message'] === 'string' ? status['message'] : body.text.slice(0, 200);
      const reason = typeof status['reason'] === 'string' ? status['reason'] : undefined;
      throw new KubeApiError(`GET ${path}: ${body.status} ${message}`, body.status, reason);
    }
    if (parsed === undefined) throw new KubeApiError(`GET ${path}: the answer is not JSON`, body.status);
    return parsed;
  }
}
