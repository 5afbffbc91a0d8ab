// GET over HTTP(S) for chart repositories: Basic auth, a custom CA, client certificates and
// `insecure`, a size cap enforced while reading, a deadline, and redirects that drop the credentials
// when they leave the repository's origin (as Helm does unless `passCredentials`). Errors name the URL
// without user info and never hold a credential.
import http from 'node:http';
import https from 'node:https';
import { UserError, errorCodes } from '../../errors.js';
import type { GitCredentials } from '../../git/credentials.js';

export interface HttpGetOptions {
  creds?: GitCredentials | undefined;
  /** Send the credentials to other origins too (Helm's `passCredentials`). */
  passCredentials?: boolean;
  /** The origin the credentials belong to (default: the URL's own): a chart repository's, for its archive URLs. */
  credentialsOrigin?: string;
  maxBytes: number;
  timeoutMs: number;
  /** Sent as If-None-Match; a 304 answer gives `notModified`. */
  etag?: string | undefined;
}

export type HttpGetResult = { notModified: true } | { notModified: false; body: Buffer; etag: string | undefined };

const MAX_REDIRECTS = 5;

/** The URL as it may be shown: user info and query removed. */
export function shownUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(malformed URL)';
  }
}

function fail(code: (typeof errorCodes)[keyof typeof errorCodes], url: URL, why: string): UserError {
  return new UserError(code, `GET ${shownUrl(url)}: ${why}`);
}

function once(url: URL, options: HttpGetOptions, withCreds: boolean, deadline: number): Promise<{ status: number; location?: string; body: Buffer; etag?: string }> {
  const creds = withCreds ? options.creds : undefined;
  const headers: Record<string, string> = { 'user-agent': 'kawa', accept: '*/*' };
  if (creds?.username !== undefined && creds.username !== '') {
    headers['authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
  } else if (creds?.bearerToken !== undefined && creds.bearerToken !== '') {
    headers['authorization'] = `Bearer ${creds.bearerToken}`;
  }
  if (options.etag !== undefined) headers['if-none-match'] = options.etag;
  const tls: https.RequestOptions = {};
  // TLS settings belong to the repository's server: they follow the credentials.
  if (options.creds?.caData) tls.ca = options.creds.caData;
  if (options.creds?.tlsClientCertData && options.creds.tlsClientCertKey && withCreds) {
    tls.cert = options.creds.tlsClientCertData;
    tls.key = options.creds.tlsClientCertKey;
  }
  if (options.creds?.insecure === true) tls.rejectUnauthorized = false;
  const timeout = Math.max(1, deadline - Date.now());
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304) {
        res.resume();
        resolve({ status, ...(res.headers.location ? { location: res.headers.location } : {}), body: Buffer.alloc(0) });
        return;
      }
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > options.maxBytes) {
        res.destroy();
        reject(fail(errorCodes.RENDER_TOO_LARGE, url, `the answer (${declared} bytes) is over the ${options.maxBytes}-byte cap`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          res.destroy();
          reject(fail(errorCodes.RENDER_TOO_LARGE, url, `the answer is over the ${options.maxBytes}-byte cap`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const etag = res.headers.etag;
        resolve({ status, body: Buffer.concat(chunks), ...(etag ? { etag } : {}) });
      });
      res.on('error', (err) => {
        reject(fail(errorCodes.HELM_REPO_FAILED, url, err.message));
      });
    };
    const req =
      url.protocol === 'https:'
        ? https.request(url, { method: 'GET', headers, timeout, ...tls }, onResponse)
        : http.request(url, { method: 'GET', headers, timeout }, onResponse);
    req.on('timeout', () => {
      req.destroy(fail(errorCodes.HELM_REPO_FAILED, url, `no answer within ${options.timeoutMs} ms`));
    });
    req.on('error', (err) => {
      reject(err instanceof UserError ? err : fail(errorCodes.HELM_REPO_FAILED, url, err.message));
    });
    req.end();
  });
}

/** GETs `url`, following redirects; non-2xx answers throw (401/403 say the credentials were refused). */
export async function httpGet(rawUrl: string, options: HttpGetOptions): Promise<HttpGetResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UserError(errorCodes.HELM_REPO_FAILED, `"${shownUrl(rawUrl)}" is not a URL`);
  }
  const origin = options.credentialsOrigin ?? url.origin;
  const deadline = Date.now() + options.timeoutMs;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(errorCodes.HELM_REPO_FAILED, url, 'only http and https URLs are allowed');
    if (url.username !== '' || url.password !== '') throw fail(errorCodes.HELM_REPO_FAILED, url, 'credentials in the URL are refused; use a repository Secret');
    const withCreds = url.origin === origin || options.passCredentials === true;
    const res = await once(url, options, withCreds, deadline);
    if (res.status === 304) return { notModified: true };
    if (res.location !== undefined) {
      if (hop >= MAX_REDIRECTS) throw fail(errorCodes.HELM_REPO_FAILED, url, `more than ${MAX_REDIRECTS} redirects`);
      url = new URL(res.location, url);
      continue;
    }
    if (res.status === 401 || res.status === 403) {
      const had = Boolean(options.creds?.username || options.creds?.bearerToken);
      const why = !had
        ? 'credentials are needed (add a repository Secret)'
        : withCreds
          ? 'the credentials were refused'
          : "credentials are needed; the repository's are only sent to another host with helm.passCredentials";
      throw fail(errorCodes.HELM_REPO_FAILED, url, `${res.status}: ${why}`);
    }
    if (res.status === 404) throw fail(errorCodes.HELM_CHART_NOT_FOUND, url, '404 not found');
    if (res.status < 200 || res.status >= 300) throw fail(errorCodes.HELM_REPO_FAILED, url, `HTTP ${res.status}`);
    return { notModified: false, body: res.body, etag: res.etag };
  }
}
