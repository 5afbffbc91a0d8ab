// Who is calling, and may they do this.
//
// Credentials: `Authorization: Bearer <jwt>`, or the `argocd.token` cookie Argo CD's UI uses. The header
// wins when both are present; a header with another scheme is refused rather than ignored.
//
// CSRF: a cookie is sent by the browser on its own, so a cookie-authenticated request that changes
// anything (any method but GET/HEAD/OPTIONS) must also carry the `X-Requested-With` header. Browsers let
// a page set custom headers only on same-origin requests or after a CORS preflight, and kawa answers no
// preflight, so a foreign page cannot produce that header. The cookie is also `SameSite=Strict` and
// `HttpOnly`. Bearer tokens are never sent implicitly and need no such header.
//
// Authorization: every route declares how it is protected (`config.auth`), and registering a route
// without a declaration fails at start-up. RBAC objects depend on the object (an Application's project),
// so handlers call `authorize` once they know it; for `rbac` routes a success that never called it is
// turned into a 500, so a forgotten check fails closed.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { BugError, UserError, errorCodes } from '../errors.js';
import type { RbacSubject } from './rbac/index.js';
import type { RbacService } from './rbac/index.js';
import { rbacSubjectOf, type SessionManager, type VerifiedToken } from './auth/index.js';
import { permissionDenied, unauthenticated } from './http-errors.js';

/** Argo CD's session cookie name (`common.AuthCookieName`). */
export const AUTH_COOKIE = 'argocd.token';
/** The header a cookie-authenticated state-changing request must carry. */
export const CSRF_HEADER = 'x-requested-with';

/**
 * How a route is protected:
 * - `public`: anyone; a valid token, if sent, is still read (so /api/version can tell who asks).
 * - `authenticated`: any valid token (the caller's own session: userinfo, logout).
 * - `rbac`: a valid token, and the handler checks `resource`/`action` on the object it touches.
 * - `filtered`: a valid token; the answer lists only objects the caller may `action`.
 */
export type RouteAuth =
  | { readonly kind: 'public' }
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'rbac'; readonly resource: string; readonly action: string }
  | { readonly kind: 'filtered'; readonly resource: string; readonly action: string };

export interface Caller {
  /** The account name, or `proj:<project>:<role>`. */
  readonly user: string;
  readonly token: VerifiedToken;
  readonly subject: RbacSubject;
  readonly via: 'header' | 'cookie';
  /** The raw token, for logout. */
  readonly raw: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    caller: Caller | undefined;
    /** Set once an RBAC check passed for this request. */
    rbacChecked: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** The token a request carries and how; throws 401 for an Authorization header that is not `Bearer`. */
export function credentialsOf(request: FastifyRequest): { raw: string; via: 'header' | 'cookie' } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match?.[1] === undefined) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    return { raw: match[1], via: 'header' };
  }
  const cookie = cookieValue(request.headers.cookie, AUTH_COOKIE);
  return cookie === undefined || cookie === '' ? undefined : { raw: cookie, via: 'cookie' };
}

/** Set-Cookie value for a session cookie (or its removal when `token` is empty). */
export function sessionCookie(token: string, options: { secure: boolean; maxAgeSec?: number }): string {
  const parts = [`${AUTH_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  if (token === '') parts.push('Max-Age=0');
  else if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSec))}`);
  return parts.join('; ');
}

async function verify(sessions: SessionManager, credentials: { raw: string; via: 'header' | 'cookie' }): Promise<Caller> {
  try {
    const token = await sessions.verifyToken(credentials.raw);
    return { user: token.user, token, subject: rbacSubjectOf(token), via: credentials.via, raw: credentials.raw };
  } catch (err) {
    // Invalid, expired and revoked tokens are the caller's problem; a store outage is not.
    const refused: readonly string[] = [errorCodes.AUTH_INVALID_TOKEN, errorCodes.AUTH_EXPIRED, errorCodes.AUTH_REVOKED];
    if (err instanceof UserError && refused.includes(err.code)) {
      throw unauthenticated(err.message);
    }
    throw err;
  }
}

/** The onRequest hook: authenticate, apply the CSRF rule. Runs before the body is read. */
export function authenticationHook(sessions: SessionManager): onRequestAsyncHookHandler {
  return async (request) => {
    if (request.is404) return;
    const auth = request.routeOptions.config.auth;
    if (auth === undefined) throw new BugError(`route ${request.method} ${request.routeOptions.url ?? ''} declares no auth`);
    if (auth.kind === 'public') {
      // Optional: a public route may tell signed-in callers apart, but a bad token never blocks it.
      try {
        const credentials = credentialsOf(request);
        if (credentials !== undefined) request.caller = await verify(sessions, credentials);
      } catch {
        request.caller = undefined;
      }
      return;
    }
    const credentials = credentialsOf(request);
    if (credentials === undefined) throw unauthenticated('no session information: send "Authorization: Bearer <token>" or the argocd.token cookie');
    const caller = await verify(sessions, credentials);
    if (caller.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const marker = request.headers[CSRF_HEADER];
      if (marker === undefined || marker === '') {
        throw permissionDenied('cookie-authenticated requests that change state must send the X-Requested-With header (CSRF protection)');
      }
    }
    request.caller = caller;
  };
}

/** The onSend safety net: an `rbac` route that succeeded without an RBAC check is a bug. */
export function rbacSafetyNet(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const auth = request.routeOptions.config.auth;
  if (request.is404 || auth?.kind !== 'rbac' || reply.statusCode >= 400 || request.rbacChecked) return Promise.resolve(payload);
  request.log.error({ route: request.routeOptions.url }, 'route answered without an RBAC check; refusing');
  reply.code(500).header('content-type', 'application/json; charset=utf-8');
  const message = 'internal error: missing authorization check';
  return Promise.resolve(JSON.stringify({ error: message, code: 13, message }));
}

/** RBAC for one request: what handlers and services use. */
export interface Actor {
  /** Who to name in audit Events. */
  readonly user: string;
  /** Whether the caller may; no side effects (for filtering lists). */
  can(resource: string, action: string, object: string): boolean;
  /** Throws 403 unless the caller may; `quiet` answers a bare "permission denied" (hides whether the object exists). */
  authorize(resource: string, action: string, object: string, quiet?: boolean): void;
}

export function actorOf(request: FastifyRequest, rbac: RbacService): Actor {
  const caller = request.caller;
  if (caller === undefined) throw new BugError('actorOf on a request without a caller');
  return {
    user: caller.user,
    can: (resource, action, object) => rbac.enforce(caller.subject, resource, action, object),
    authorize: (resource, action, object, quiet = false) => {
      if (!rbac.enforce(caller.subject, resource, action, object)) {
        throw permissionDenied(quiet ? 'permission denied' : `permission denied: ${resource}, ${action}, ${object}, sub: ${caller.user}`);
      }
      request.rbacChecked = true;
    },
  };
}

/** Routes as registered, for the route-coverage test and the docs. */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly auth: RouteAuth;
}

/**
 * Record every route and require an auth declaration. Routes of the Swagger UI plugin (which cannot
 * take our config) are public by prefix.
 */
export function trackRoutes(app: FastifyInstance, routes: RouteInfo[]): void {
  app.addHook('onRoute', (options) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    let auth = options.config?.auth;
    if (auth === undefined && (options.url.startsWith('/swagger-ui') || options.url === '/swagger.json')) {
      auth = { kind: 'public' };
      options.config = { ...options.config, auth };
    }
    if (auth === undefined) throw new BugError(`route ${methods.join(',')} ${options.url} must declare config.auth`);
    for (const method of methods) routes.push({ method, url: options.url, auth });
  });
}
