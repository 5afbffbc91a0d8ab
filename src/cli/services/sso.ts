// `kawa login --sso`, as argocd's CLI does it: read the server's public settings (GET /api/v1/settings),
// run the OAuth 2.0 authorization-code flow with PKCE (S256), state and nonce against the server's OIDC
// provider as its CLI client (cliClientID, else clientID), receive the redirect on a loopback listener
// (http://localhost:PORT/auth/callback, RFC 8252), exchange the code and verify the id_token (issuer,
// audience, nonce, expiry: openid-client), then keep the id_token as the context's bearer token.
//
// Tokens are never printed or logged: messages carry the provider's error codes and descriptions only.
import { spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as client from 'openid-client';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import { ApiClient, type Target } from './api.js';
import { settingsApi, type ServerSettings } from './api/settings.js';
import { kawaCommand } from './kawa-command.js';

export const CALLBACK_PATH = '/auth/callback';
/** How long the listener waits for the browser to come back. */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5 * 60_000;
/** Per request to the provider (discovery, token endpoint). */
const PROVIDER_TIMEOUT_SEC = 30;

/** What the CLI logs in with. */
export interface SsoClientSettings {
  readonly name: string;
  readonly issuer: string;
  readonly clientID: string;
  readonly scopes: readonly string[];
  readonly idTokenClaims?: Record<string, unknown> | undefined;
}

const ssoFailed = (message: string, cause?: unknown): UserError => new UserError(errorCodes.CLI_SSO_FAILED, message, cause === undefined ? undefined : { cause });

/** The provider and client of the server's settings; throws when the server has no SSO. */
export function ssoClientSettings(settings: ServerSettings, server: string): SsoClientSettings {
  const oidc = settings.oidcConfig;
  if (oidc?.issuer === undefined || oidc.issuer === '') {
    throw ssoFailed(
      `the server at ${server} has no SSO configured (no oidc.config in its argocd-cm): log in with --username/--password, or ask its administrator to configure oidc.config`,
    );
  }
  const clientID = oidc.cliClientID !== undefined && oidc.cliClientID !== '' ? oidc.cliClientID : oidc.clientID;
  if (clientID === undefined || clientID === '') throw ssoFailed(`the server at ${server} names no OIDC client ID for SSO: ask its administrator to set clientID (or cliClientID) in oidc.config`);
  const scopes = oidc.scopes !== undefined && oidc.scopes.length > 0 ? oidc.scopes : ['openid', 'profile', 'email', 'groups'];
  return {
    name: oidc.name ?? 'SSO',
    issuer: oidc.issuer,
    clientID,
    // An OpenID Connect request always asks for `openid`.
    scopes: scopes.includes('openid') ? [...scopes] : ['openid', ...scopes],
    idTokenClaims: oidc.idTokenClaims,
  };
}

/** The redirect URI for a loopback port, as argocd registers it (`http://localhost:8085/auth/callback`). */
export const redirectUriFor = (port: number): string => `http://localhost:${String(port)}${CALLBACK_PATH}`;

/** Whether two strings are equal, in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the length is not revealed either.
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

const clip = (text: string): string => {
  // eslint-disable-next-line no-control-regex -- provider text goes into our messages
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
};

/**
 * Checks the query of a callback against the login: the provider's refusal, the state (constant time),
 * a code. Returns nothing when it is the answer of this login with a code; throws CLI_SSO_FAILED saying
 * what to do otherwise.
 */
export function checkCallback(query: URLSearchParams, expectedState: string): void {
  const state = query.get('state');
  const error = query.get('error');
  // A refusal is reported only when it belongs to this login; anything else is a state mismatch.
  if (state === null || !constantTimeEqual(state, expectedState)) {
    throw ssoFailed(
      `state mismatch: the callback does not belong to this login (a stale browser tab, or someone else's login link); nothing was stored: run \`${kawaCommand('login SERVER --sso')}\` again and finish the login in the browser it opens`,
    );
  }
  if (error !== null) {
    const description = query.get('error_description');
    const what = `${clip(error)}${description === null ? '' : `: ${clip(description)}`}`;
    if (error === 'access_denied') {
      throw ssoFailed(`the login was denied at the identity provider (${what}): run \`${kawaCommand('login SERVER --sso')}\` again and approve it, or ask the provider's administrator for access`);
    }
    throw ssoFailed(`the identity provider refused the login (${what}): check the CLI client (cliClientID) and its redirect URI ${CALLBACK_PATH} on localhost at the provider, then try again`);
  }
  const code = query.get('code');
  if (code === null || code === '') throw ssoFailed(`the callback carries no authorization code: run \`${kawaCommand('login SERVER --sso')}\` again`);
}

/** A human description of an openid-client or network failure (never a token: error codes and descriptions). */
export function describeProviderError(err: unknown): string {
  const e = err as { error?: unknown; error_description?: unknown; code?: unknown; cause?: unknown } | null;
  if (e !== null && typeof e.error === 'string') return clip(`${e.error}${typeof e.error_description === 'string' ? `: ${e.error_description}` : ''}`);
  const cause = e?.cause as { code?: unknown; message?: unknown } | null | undefined;
  if (typeof cause === 'object' && cause !== null) {
    const code = typeof cause.code === 'string' ? cause.code : undefined;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
    if (typeof cause.message === 'string' && cause.message !== '') return clip(`${messageOf(err)}: ${cause.message}`);
  }
  if (e !== null && (err as Error).name === 'TimeoutError') return 'it did not answer in time';
  return clip(messageOf(err));
}

const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Discovers the provider (its .well-known/openid-configuration) as a public client with PKCE. */
export async function discoverProvider(sso: SsoClientSettings): Promise<client.Configuration> {
  let issuer: URL;
  try {
    issuer = new URL(sso.issuer);
  } catch {
    throw ssoFailed(`the server's SSO issuer "${clip(sso.issuer)}" is not a URL: ask its administrator to fix oidc.config`);
  }
  // Plain http only on loopback, as the server admits it.
  if (issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname)) {
    throw ssoFailed(`the SSO issuer ${sso.issuer} is plain http: ask the administrator for an https issuer in oidc.config`);
  }
  try {
    return await client.discovery(
      issuer,
      sso.clientID,
      undefined,
      client.None(),
      // Deprecated only as a warning sign: used for loopback http issuers alone (checked above).
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      { timeout: PROVIDER_TIMEOUT_SEC, ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}) },
    );
  } catch (err) {
    throw ssoFailed(
      `cannot reach the identity provider ${sso.issuer} (${describeProviderError(err)}): check that it runs and that this machine can reach it (the issuer is set in the server's oidc.config), then try again`,
      err,
    );
  }
}

/** One login's secrets and the URL the user opens. */
export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

/** The authorization URL with PKCE (S256), state and nonce; asks for offline_access when the provider offers it. */
export async function authorizationRequest(config: client.Configuration, sso: SsoClientSettings, redirectUri: string, state = client.randomState()): Promise<AuthorizationRequest> {
  const metadata = config.serverMetadata();
  const methods = metadata.code_challenge_methods_supported;
  if (methods !== undefined && !methods.includes('S256')) {
    throw ssoFailed(`the identity provider ${sso.issuer} does not support PKCE with S256, which the CLI requires: ask its administrator to enable it`);
  }
  const scopes = [...sso.scopes];
  // As argocd does: a refresh token when the provider can issue one.
  if (metadata.scopes_supported?.includes('offline_access') === true && !scopes.includes('offline_access')) scopes.push('offline_access');
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: scopes.join(' '),
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  if (sso.idTokenClaims !== undefined) params['claims'] = JSON.stringify({ id_token: sso.idTokenClaims });
  return { url: client.buildAuthorizationUrl(config, params), state, nonce, verifier };
}

export interface CallbackListener {
  /** The port it listens on (the one asked for, or the one picked for 0). */
  readonly port: number;
  /** The query of the first callback that belongs to this login; rejects on a refused, mismatched or missing callback. */
  readonly result: Promise<URLSearchParams>;
  close(): Promise<void>;
}

const page = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Listens on 127.0.0.1:PORT for one request to /auth/callback (other paths get 404), checks it against
 * `expectedState` and answers the browser; closes after that callback or after `timeoutMs`.
 */
export async function listenForCallback(port: number, expectedState: string, timeoutMs = DEFAULT_CALLBACK_TIMEOUT_MS): Promise<CallbackListener> {
  let settle: { resolve: (q: URLSearchParams) => void; reject: (e: unknown) => void } | undefined;
  const result = new Promise<URLSearchParams>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be awaiting yet when it fails (e.g. while the URL is printed): avoid an unhandled rejection.
  result.catch(() => undefined);
  let done = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('cache-control', 'no-store');
    // One answer per connection: a browser's keep-alive must not hold the listener (and the CLI) open.
    res.setHeader('connection', 'close');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || done) {
      res.statusCode = 404;
      res.end(page('Not found', 'This is the kawa CLI waiting for a login callback.'));
      return;
    }
    done = true;
    try {
      checkCallback(url.searchParams, expectedState);
      res.end(page('Login complete', 'kawa received the login: you may close this window and return to the terminal.'));
      finish(() => settle?.resolve(url.searchParams));
    } catch (err) {
      res.statusCode = 400;
      res.end(page('Login failed', escapeHtml(messageOf(err))));
      finish(() => settle?.reject(err));
    }
  });
  const timer = setTimeout(() => {
    done = true;
    finish(() =>
      settle?.reject(
        ssoFailed(`no login came back to ${redirectUriFor(boundPort)} within ${String(Math.round(timeoutMs / 1000))} s: run \`${kawaCommand('login SERVER --sso')}\` again and finish the login in the browser (open the URL printed above)`),
      ),
    );
  }, timeoutMs);
  timer.unref();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    clearTimeout(timer);
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      // The browser may keep its connection alive: the answer has been sent, so drop it.
      server.closeIdleConnections();
    });
    return closing;
  };
  function finish(then: () => void): void {
    // Closed first, so nothing else reaches a listener that is done.
    void close().then(then);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'EADDRINUSE'
          ? ssoFailed(`cannot listen for the login callback: port ${String(port)} on 127.0.0.1 is in use; stop what uses it, or pass --sso-port with a port the provider accepts for the CLI client`)
          : ssoFailed(`cannot listen for the login callback on 127.0.0.1:${String(port)}: ${messageOf(err)}; pass --sso-port with another port`, err),
      );
    });
    server.listen(port, '127.0.0.1', resolve);
  });
  const boundPort = (server.address() as AddressInfo).port;
  return { port: boundPort, result, close };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

/** The path of `command` on $PATH, or undefined. */
export function findOnPath(command: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Opens `url` with xdg-open, detached; false when there is no xdg-open. */
export function openBrowser(url: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const xdgOpen = findOnPath('xdg-open', env);
  if (xdgOpen === undefined) return false;
  try {
    const child = spawn(xdgOpen, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export interface SsoLoginOptions {
  readonly target: Target;
  /** Loopback port of the callback listener (0: any free port; the provider must then accept any loopback port). */
  readonly port: number;
  readonly launchBrowser: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress for the user (stderr): the URL to open. */
  readonly note: (text: string) => void;
  readonly timeoutMs?: number;
}

export interface SsoTokens {
  readonly idToken: string;
  readonly refreshToken?: string | undefined;
  /** The verified id_token's subject. */
  readonly subject: string;
}

/** The whole browser flow up to a verified id_token. */
export async function ssoAuthenticate(options: SsoLoginOptions): Promise<SsoTokens> {
  const settings = await settingsApi(new ApiClient(options.target)).get();
  const sso = ssoClientSettings(settings, options.target.server);
  const config = await discoverProvider(sso);
  // The state is chosen before listening, so the listener checks each callback itself.
  const state = client.randomState();
  const listener = await listenForCallback(options.port, state, options.timeoutMs);
  try {
    const redirectUri = redirectUriFor(listener.port);
    const request = await authorizationRequest(config, sso, redirectUri, state);
    const url = request.url;
    const opened = options.launchBrowser && openBrowser(url.href, options.env);
    options.note(
      `${opened ? 'Opening the browser to log in' : 'Open this URL in a browser to log in'} with ${sso.name} (waiting on ${redirectUri}):\n${url.href}\n`,
    );
    const query = await listener.result;
    const current = new URL(redirectUri);
    for (const [key, value] of query) current.searchParams.append(key, value);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw ssoFailed(`the code exchange with ${sso.issuer} failed (${describeProviderError(err)}): run \`${kawaCommand('login SERVER --sso')}\` again`, err);
    }
    const idToken = tokens.id_token;
    const claims = tokens.claims();
    if (idToken === undefined || claims === undefined) throw ssoFailed(`the identity provider ${sso.issuer} returned no id_token: ask its administrator to allow the openid scope for client ${sso.clientID}`);
    return { idToken, refreshToken: tokens.refresh_token, subject: claims.sub };
  } finally {
    await listener.close();
  }
}
