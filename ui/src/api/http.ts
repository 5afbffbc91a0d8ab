// The one HTTP module: every request of the UI goes through here. It sends the session cookie
// (same-origin) and the X-Requested-With header kawa requires on cookie-authenticated state changes
// (CSRF, see src/server/guard.ts), turns error answers ({error, code, message}) into ApiError, and tells
// listeners when the session is gone (401), so the app can go back to the login page.

export type ApiErrorKind = 'network' | 'unauthenticated' | 'forbidden' | 'notFound' | 'conflict' | 'invalid' | 'unavailable' | 'server';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly kind: ApiErrorKind,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorKindOf(status: number): ApiErrorKind {
  if (status === 0) return 'network';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'server';
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Path plus query string; undefined and empty values are left out, arrays repeat the key. */
export function buildUrl(path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs === '' ? path : `${path}?${qs}`;
}

/** The message of an error body, whatever its shape. */
export function messageOf(body: unknown, fallback: string): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as { message?: unknown; error?: unknown };
    if (typeof b.message === 'string' && b.message !== '') return b.message;
    if (typeof b.error === 'string' && b.error !== '') return b.error;
  }
  return fallback;
}

type Listener = (error: ApiError) => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called on every 401 (except requests made with `expect401`); returns the unsubscribe function. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => {
    unauthenticatedListeners.delete(listener);
  };
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  readonly method?: Method;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** A 401 is an expected answer (login, userinfo probe): do not broadcast it. */
  readonly expect401?: boolean;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const url = buildUrl(path, options.query);
  const headers: Record<string, string> = { 'X-Requested-With': 'XMLHttpRequest', Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the kawa server. Check that it is running and your network connection.', path);
  }
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const kind = errorKindOf(response.status);
    const fallback = kind === 'unavailable' ? 'The kawa server is unavailable.' : `${response.status} ${response.statusText}`;
    const error = new ApiError(response.status, kind, messageOf(body, fallback), path);
    if (kind === 'unauthenticated' && options.expect401 !== true) for (const l of unauthenticatedListeners) l(error);
    throw error;
  }
  return response;
}

/** A JSON request; the answer is trusted to have the API's documented shape. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  const text = await response.text();
  return (text === '' ? {} : JSON.parse(text)) as T;
}

/** A request whose answer is text (e.g. newline-delimited JSON of log streams). */
export async function requestText(path: string, options: RequestOptions = {}): Promise<string> {
  const response = await send(path, options);
  return response.text();
}

export const http = {
  get: <T>(path: string, query?: Readonly<Record<string, QueryValue>>, signal?: AbortSignal) =>
    request<T>(path, { ...(query === undefined ? {} : { query }), ...(signal === undefined ? {} : { signal }) }),
  post: <T>(path: string, body?: unknown, query?: Readonly<Record<string, QueryValue>>) => request<T>(path, { method: 'POST', body: body ?? {}, ...(query === undefined ? {} : { query }) }),
  put: <T>(path: string, body: unknown, query?: Readonly<Record<string, QueryValue>>) => request<T>(path, { method: 'PUT', body, ...(query === undefined ? {} : { query }) }),
  patch: <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body }),
  del: <T>(path: string, query?: Readonly<Record<string, QueryValue>>) => request<T>(path, { method: 'DELETE', ...(query === undefined ? {} : { query }) }),
};

/** `encodeURIComponent` for one path segment. */
export const seg = (value: string): string => encodeURIComponent(value);
