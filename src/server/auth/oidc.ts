// SSO with an OpenID Connect provider, configured as Argo CD configures it:
//
//   argocd-cm  url: https://kawa.example.com          the external URL; the provider sends users back to <url>/auth/callback
//              oidc.config: |                          YAML
//                name: Okta                            shown on the login button
//                issuer: https://example.okta.com
//                clientID: xxx
//                clientSecret: $oidc.okta.clientSecret a `$<key>` of argocd-secret, or `$<secret>:<key>` of another Secret
//                cliClientID: yyy                      public client the CLI uses (PKCE, http://localhost:8085/auth/callback)
//                requestedScopes: [openid, profile, email, groups]   (the default)
//                requestedIDTokenClaims: {groups: {essential: true}}
//                logoutURL: https://…                  where /auth/logout sends the browser
//                allowedAudiences: [...]               audiences accepted on bearer id_tokens (default clientID + cliClientID)
//
// Decisions:
// - Every string of oidc.config may be a `$` reference (Argo CD replaces them in the whole map). A
//   `$<secret>:<key>` Secret must carry `app.kubernetes.io/part-of: argocd`, as Argo CD requires, so the
//   config cannot be used to read arbitrary Secrets of the namespace. An unresolvable reference disables
//   SSO with a message naming it, instead of sending the literal `$…` to the provider.
// - The login state (state, nonce, PKCE verifier, return URL) travels in a cookie encrypted and
//   authenticated with a key derived from `server.secretkey` (dir + A256GCM), valid 5 minutes, HttpOnly,
//   `SameSite=Lax` (the provider's redirect back is a cross-site navigation: Strict would drop it) and
//   scoped to `/auth/callback`.
// - openid-client does the code exchange (state, PKCE, issuer, audience, nonce, expiry); the id_token's
//   signature is then checked against the provider's JWKS with jose as well, because the OIDC code flow
//   lets a client skip it and kawa does not want to. Bearer id_tokens (from the CLI's own PKCE flow) go
//   through the same check.
// - Plain-http issuers are accepted only on loopback addresses (local providers, tests): a JWKS fetched
//   over the network without TLS would let anyone on the path mint sessions.
// - return_url may be a path (`/applications`) or an absolute URL of kawa's own origin (`url`); anything
//   else, `//host` and `/\host` included, is refused: no open redirect.
import { createHash, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, createRemoteJWKSet, errors as joseErrors, jwtDecrypt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import * as client from 'openid-client';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import { ARGOCD_CM_NAME, ARGOCD_SECRET_NAME, PART_OF_LABEL, parseArgoCdConfigMap, type ArgoCdSettings } from '../../model/settings.js';
import type { SettingsReader } from '../../settings/index.js';
import { groupsFromClaims } from '../rbac/enforcer.js';
import type { FederatedTokens, SsoIdentity, VerifiedToken } from './sessions.js';

export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'groups'];
/** Where Argo CD's CLI listens during its PKCE login (`argocd login --sso`). */
export const CLI_REDIRECT_URL = 'http://localhost:8085/auth/callback';
export const CALLBACK_PATH = '/auth/callback';
/** Argo CD's name for the login-state cookie. */
export const STATE_COOKIE = 'argocd.oauthstate';
export const STATE_TTL_SEC = 300;
export { PART_OF_LABEL };

/** Signature algorithms accepted on id_tokens: asymmetric only, so a token can never be "signed" with public data. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_SEC = 30;
const HTTP_TIMEOUT_SEC = 10;

export interface OidcConfig {
  readonly name: string;
  readonly issuer: string;
  readonly clientID: string;
  /** Resolved; never answered or logged. */
  readonly clientSecret: string | undefined;
  readonly cliClientID: string | undefined;
  readonly requestedScopes: readonly string[];
  readonly requestedIDTokenClaims: Readonly<Record<string, unknown>> | undefined;
  readonly logoutURL: string | undefined;
  /** Audiences a bearer id_token may carry. */
  readonly audiences: readonly string[];
}

export interface SsoSettings {
  /** argocd-cm `url` without a trailing slash. */
  readonly url: string | undefined;
  readonly oidc: OidcConfig | undefined;
  /** `server.secretkey`, which keys the state cookie. */
  readonly secretKey: string | undefined;
  /** Why SSO is off or partly ignored, each naming the key. */
  readonly problems: readonly string[];
  /** The rest of argocd-cm, read by the model's parser (for /api/v1/settings). */
  readonly argocd: ArgoCdSettings;
}

const claimRequestSchema = z.looseObject({ essential: z.boolean().optional(), value: z.string().optional(), values: z.array(z.string()).optional() });

// Argo CD unmarshals into a struct, so unknown keys are ignored; the ones kawa reads are checked.
const oidcConfigSchema = z.looseObject({
  name: z.string().max(256).optional(),
  issuer: z.string().min(1).max(2048),
  clientID: z.string().min(1).max(1024),
  clientSecret: z.string().max(8192).optional(),
  cliClientID: z.string().max(1024).optional(),
  requestedScopes: z.array(z.string().min(1).max(256)).max(64).optional(),
  requestedIDTokenClaims: z.record(z.string(), claimRequestSchema.nullable()).optional(),
  logoutURL: z.string().max(4096).optional(),
  allowedAudiences: z.array(z.string().min(1)).optional(),
});

function ssoFailed(message: string, cause?: unknown): UserError {
  return new UserError(errorCodes.AUTH_SSO_FAILED, message, cause === undefined ? undefined : { cause });
}

export function ssoNotConfigured(message: string): UserError {
  return new UserError(errorCodes.AUTH_SSO_NOT_CONFIGURED, message);
}

/** A `$key` or `$secret:key` reference, or undefined for a literal value. */
export function secretReference(value: string): { secret: string | undefined; key: string } | undefined {
  if (!value.startsWith('$') || value.length < 2) return undefined;
  const body = value.slice(1);
  const colon = body.indexOf(':');
  if (colon <= 0) return { secret: undefined, key: body };
  return { secret: body.slice(0, colon), key: body.slice(colon + 1) };
}

/** Secret data by name (`undefined` name = argocd-secret); undefined when the Secret is absent or not allowed. */
export type SecretLookup = (secret: string | undefined) => Readonly<Record<string, string>> | undefined;

/** Replace every `$…` string in a parsed YAML value; unresolvable references are reported in `problems`. */
export function resolveSecretRefs(value: unknown, lookup: SecretLookup, problems: string[], path = 'oidc.config'): unknown {
  if (typeof value === 'string') {
    const ref = secretReference(value);
    if (ref === undefined) return value;
    const data = lookup(ref.secret);
    const resolved = data?.[ref.key];
    if (resolved === undefined) {
      const where = ref.secret === undefined ? `key ${JSON.stringify(ref.key)} of ${ARGOCD_SECRET_NAME}` : `key ${JSON.stringify(ref.key)} of Secret ${ref.secret} (labelled ${PART_OF_LABEL}: argocd)`;
      problems.push(`${path}: references ${where}, which does not exist`);
      return undefined;
    }
    // Argo CD trims secret values (a trailing newline from `kubectl create secret --from-file` is common).
    return resolved.trim();
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecretRefs(v, lookup, problems, `${path}[${String(i)}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecretRefs(v, lookup, problems, `${path}.${k}`)]));
  }
  return value;
}

/** The names of the other Secrets `$secret:key` references in `value` point at. */
export function referencedSecrets(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const secret = secretReference(value)?.secret;
    if (secret !== undefined) out.add(secret);
  } else if (Array.isArray(value)) {
    for (const v of value) referencedSecrets(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) referencedSecrets(v, out);
  }
  return out;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** Parse oidc.config (YAML, references already resolvable through `lookup`). Returns the config or the problems. */
export function parseOidcConfig(raw: string | undefined, lookup: SecretLookup): { config: OidcConfig | undefined; problems: string[] } {
  const problems: string[] = [];
  if (raw === undefined || raw.trim() === '') return { config: undefined, problems };
  let doc: unknown;
  try {
    doc = parseYaml(raw) as unknown;
  } catch (err) {
    return { config: undefined, problems: [`oidc.config: not valid YAML: ${messageOf(err).split('\n')[0] ?? ''}`] };
  }
  const resolved = resolveSecretRefs(doc, lookup, problems);
  if (problems.length > 0) return { config: undefined, problems };
  const parsed = oidcConfigSchema.safeParse(resolved);
  if (!parsed.success) {
    return { config: undefined, problems: parsed.error.issues.map((i) => `oidc.config.${i.path.join('.')}: ${i.message}`) };
  }
  const c = parsed.data;
  if (!URL.canParse(c.issuer)) return { config: undefined, problems: [`oidc.config.issuer: ${JSON.stringify(c.issuer)} is not a URL`] };
  const issuerUrl = new URL(c.issuer);
  if (issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && isLoopback(issuerUrl))) {
    return { config: undefined, problems: [`oidc.config.issuer: ${JSON.stringify(c.issuer)} must be https (plain http only on loopback)`] };
  }
  const cliClientID = c.cliClientID === undefined || c.cliClientID === '' ? undefined : c.cliClientID;
  const audiences = c.allowedAudiences !== undefined && c.allowedAudiences.length > 0 ? c.allowedAudiences : [c.clientID, ...(cliClientID === undefined ? [] : [cliClientID])];
  const claims = c.requestedIDTokenClaims;
  return {
    config: {
      name: c.name ?? '',
      issuer: c.issuer,
      clientID: c.clientID,
      clientSecret: c.clientSecret === undefined || c.clientSecret === '' ? undefined : c.clientSecret,
      cliClientID,
      requestedScopes: c.requestedScopes !== undefined && c.requestedScopes.length > 0 ? c.requestedScopes : DEFAULT_OIDC_SCOPES,
      requestedIDTokenClaims: claims === undefined || Object.keys(claims).length === 0 ? undefined : claims,
      logoutURL: c.logoutURL === undefined || c.logoutURL === '' ? undefined : c.logoutURL,
      audiences,
    },
    problems,
  };
}

/**
 * Where to send the browser after login: a same-origin path, or an absolute URL on `url`'s origin.
 * Throws AUTH_SSO_FAILED for anything else.
 */
export function safeReturnUrl(returnUrl: string | undefined, baseUrl: string): string {
  if (returnUrl === undefined || returnUrl === '') return '/';
  const base = new URL(baseUrl);
  // Browsers read `\` as `/`, so `/\evil.com` would leave the origin; control characters hide tricks.
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(returnUrl)) throw ssoFailed('invalid return_url: it contains a backslash or control characters');
  let target: URL;
  try {
    target = new URL(returnUrl, base);
  } catch {
    throw ssoFailed('invalid return_url: not a URL');
  }
  if (target.origin !== base.origin) throw ssoFailed(`invalid return_url: only URLs of ${base.origin} are allowed`);
  if (returnUrl.startsWith('/') && !returnUrl.startsWith('//')) return `${target.pathname}${target.search}${target.hash}`;
  return target.href;
}

/** The sealed login state the callback needs. */
interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly returnTo: string;
  readonly issuer: string;
  readonly clientID: string;
}

const loginStateSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  verifier: z.string().min(43),
  returnTo: z.string(),
  issuer: z.string(),
  clientID: z.string(),
});

function stateKey(secretKey: string): Uint8Array {
  // A key of its own, so the state cookie can never be confused with a session JWT keyed by the same secret.
  return createHash('sha256').update('kawa oidc login state\u0000').update(secretKey).digest();
}

export async function sealLoginState(state: LoginState, secretKey: string, nowSec: number): Promise<string> {
  return new EncryptJWT({ ...state })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + STATE_TTL_SEC)
    .encrypt(stateKey(secretKey));
}

export async function openLoginState(cookie: string, secretKey: string, nowSec: number): Promise<LoginState> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtDecrypt(cookie, stateKey(secretKey), { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'], currentDate: new Date(nowSec * 1000) }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw ssoFailed('the login took too long (its state expired); start again');
    throw ssoFailed('the login state cookie is not valid; start again');
  }
  const parsed = loginStateSchema.safeParse(payload);
  if (!parsed.success) throw ssoFailed('the login state cookie is not valid; start again');
  return parsed.data;
}

/** Set-Cookie for the login state (empty value: remove it). */
export function stateCookie(value: string, secure: boolean): string {
  const parts = [`${STATE_COOKIE}=${value}`, `Path=${CALLBACK_PATH}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${value === '' ? '0' : String(STATE_TTL_SEC)}`];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

function constantTimeStringEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Claims of a verified id_token. */
export interface IdTokenClaims extends JWTPayload {
  readonly sub: string;
  readonly iss: string;
}

export interface OidcServiceOptions {
  /** The shared watch-backed reader of argocd-cm, argocd-secret and the Secrets `$secret:key` may name. */
  readonly settings: SettingsReader;
  readonly now?: () => number;
}

interface Provider {
  readonly config: client.Configuration;
  readonly jwks: JWTVerifyGetKey;
}

/** Reads SSO settings, talks to the provider, verifies its id_tokens. One per server. */
export class OidcService {
  // Parsed once per change the reader sees, not once per request.
  private parsed: { version: number; settings: SsoSettings } | undefined;
  // Discovery and JWKS per (issuer, client, secret): a changed oidc.config gets a fresh client.
  private readonly providers = new Map<string, Promise<Provider>>();
  private readonly now: () => number;

  constructor(private readonly options: OidcServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The current settings, as the reader's watch holds them (no API call). */
  settings(): Promise<SsoSettings> {
    const reader = this.options.settings;
    if (!reader.synced) {
      return Promise.reject(new UserError(errorCodes.AUTH_STORE_FAILED, `reading SSO settings: ${ARGOCD_CM_NAME} and ${ARGOCD_SECRET_NAME} in namespace ${reader.namespace} have not been listed yet; retry shortly`));
    }
    if (this.parsed?.version !== reader.version) {
      const version = reader.version;
      this.parsed = { version, settings: ssoSettingsOf(reader) };
    }
    return Promise.resolve(this.parsed.settings);
  }

  /** Whether `issuer` is the configured provider (tokens it signed are then checked by verifyIdToken). */
  async isTrustedIssuer(issuer: string): Promise<boolean> {
    const oidc = (await this.settings()).oidc;
    return oidc !== undefined && sameIssuer(oidc.issuer, issuer);
  }

  /** Start a login: the provider URL to redirect to and the sealed state for the cookie. */
  async beginLogin(returnUrl: string | undefined): Promise<{ location: string; state: string }> {
    const { url, oidc, secretKey } = await this.requireConfigured();
    const returnTo = safeReturnUrl(returnUrl, url);
    const provider = await this.provider(oidc);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: `${url}${CALLBACK_PATH}`,
      response_type: 'code',
      scope: oidc.requestedScopes.join(' '),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    if (oidc.requestedIDTokenClaims !== undefined) params['claims'] = JSON.stringify({ id_token: oidc.requestedIDTokenClaims });
    const location = client.buildAuthorizationUrl(provider.config, params).href;
    const sealed = await sealLoginState({ state, nonce, verifier, returnTo, issuer: oidc.issuer, clientID: oidc.clientID }, secretKey, Math.floor(this.now() / 1000));
    return { location, state: sealed };
  }

  /**
   * Finish a login: check the state cookie against the callback, exchange the code (PKCE), verify the
   * id_token. Throws AUTH_SSO_FAILED with the reason.
   */
  async finishLogin(query: Readonly<Record<string, string>>, sealedState: string | undefined): Promise<{ claims: IdTokenClaims; returnTo: string }> {
    const { url, oidc, secretKey } = await this.requireConfigured();
    if (sealedState === undefined || sealedState === '') throw ssoFailed('no login in progress (the state cookie is missing); start again at /auth/login');
    const login = await openLoginState(sealedState, secretKey, Math.floor(this.now() / 1000));
    if (!sameIssuer(login.issuer, oidc.issuer) || login.clientID !== oidc.clientID) throw ssoFailed('the SSO configuration changed during the login; start again');
    const error = query['error'];
    if (error !== undefined) {
      const description = query['error_description'];
      throw ssoFailed(`the identity provider refused the login: ${clip(error)}${description === undefined ? '' : `: ${clip(description)}`}`);
    }
    const state = query['state'];
    if (state === undefined || !constantTimeStringEqual(state, login.state)) throw ssoFailed('state mismatch: this callback does not belong to the login this browser started');
    if (query['code'] === undefined || query['code'] === '') throw ssoFailed('the callback carries no authorization code');

    const provider = await this.provider(oidc);
    // The redirect_uri of the exchange is built from the configured URL, never from the request's Host.
    const current = new URL(`${url}${CALLBACK_PATH}`);
    for (const [key, value] of Object.entries(query)) current.searchParams.set(key, value);
    let idToken: string | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(provider.config, current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (err) {
      throw ssoFailed(`the code exchange with ${oidc.issuer} failed: ${describeOidcError(err)}`, err);
    }
    if (idToken === undefined) throw ssoFailed('the identity provider returned no id_token');
    const claims = await this.verifyWith(provider, oidc, idToken, [oidc.clientID]);
    if (claims['nonce'] !== login.nonce) throw ssoFailed('the id_token nonce does not match this login');
    return { claims, returnTo: login.returnTo };
  }

  /** Verify an id_token of the configured provider (a bearer token from the CLI flow). Throws AUTH_INVALID_TOKEN or AUTH_EXPIRED. */
  async verifyIdToken(token: string): Promise<IdTokenClaims> {
    const oidc = (await this.settings()).oidc;
    if (oidc === undefined) throw new UserError(errorCodes.AUTH_INVALID_TOKEN, 'invalid token: SSO is not configured');
    return this.verifyWith(await this.provider(oidc), oidc, token, oidc.audiences);
  }

  private async verifyWith(provider: Provider, oidc: OidcConfig, token: string, audiences: readonly string[]): Promise<IdTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, provider.jwks, {
        issuer: provider.config.serverMetadata().issuer,
        audience: [...audiences],
        algorithms: ID_TOKEN_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_SEC,
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UserError(errorCodes.AUTH_EXPIRED, `token expired: the id_token of ${oidc.issuer} is past its exp`);
      if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
        throw new UserError(errorCodes.AUTH_INVALID_TOKEN, `invalid token: the id_token is not signed by a key of ${oidc.issuer}`);
      }
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw new UserError(errorCodes.AUTH_INVALID_TOKEN, `invalid token: id_token claim ${err.claim} is wrong (${err.reason})`);
      if (err instanceof joseErrors.JOSEError) throw new UserError(errorCodes.AUTH_INVALID_TOKEN, `invalid token: ${err.message}`);
      // Fetching the JWKS failed: the provider is down, which is not the token's fault.
      throw new UserError(errorCodes.AUTH_SSO_FAILED, `cannot verify the id_token: ${oidc.issuer} did not answer: ${messageOf(err)}`, { cause: err });
    }
    // Several audiences: the token must name kawa as the party it was issued to (OIDC Core 3.1.3.7).
    const azp = payload['azp'];
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && (typeof azp !== 'string' || !audiences.includes(azp))) {
      throw new UserError(errorCodes.AUTH_INVALID_TOKEN, 'invalid token: the id_token has several audiences and no authorized party of kawa');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.iss !== 'string') throw new UserError(errorCodes.AUTH_INVALID_TOKEN, 'invalid token: the id_token has no subject');
    return payload as IdTokenClaims;
  }

  private async requireConfigured(): Promise<{ url: string; oidc: OidcConfig; secretKey: string }> {
    const settings = await this.settings();
    if (settings.oidc === undefined) {
      throw ssoNotConfigured(settings.problems.length > 0 ? `SSO is not configured: ${settings.problems.join('; ')}` : 'SSO is not configured: argocd-cm has no oidc.config');
    }
    if (settings.url === undefined) throw ssoNotConfigured('SSO is not configured: argocd-cm has no url (the external URL the provider redirects back to)');
    if (settings.secretKey === undefined) throw ssoNotConfigured('SSO is not configured yet: argocd-secret has no server.secretkey');
    return { url: settings.url, oidc: settings.oidc, secretKey: settings.secretKey };
  }

  private provider(oidc: OidcConfig): Promise<Provider> {
    const key = [oidc.issuer, oidc.clientID, createHash('sha256').update(oidc.clientSecret ?? '').digest('hex')].join('\u0000');
    let found = this.providers.get(key);
    if (found === undefined) {
      found = discover(oidc);
      this.providers.clear();
      this.providers.set(key, found);
      // Do not keep a failed discovery: the provider may be back on the next login.
      found.catch(() => {
        if (this.providers.get(key) === found) this.providers.delete(key);
      });
    }
    return found;
  }

}

/** SSO settings from what the reader holds; `$secret:key` references resolve against argocd-secret and the Secrets labelled part-of argocd. */
export function ssoSettingsOf(reader: SettingsReader): SsoSettings {
  const cmData = reader.configMapData(ARGOCD_CM_NAME) ?? {};
  const argocd = parseArgoCdConfigMap({ data: cmData });
  const problems = argocd.errors.filter((e) => e.startsWith('url:'));
  const parsed = parseOidcConfig(cmData['oidc.config'], (name) => reader.referableSecretData(name));
  problems.push(...parsed.problems);
  const secretKey = reader.secretData(ARGOCD_SECRET_NAME)?.['server.secretkey'];
  return { url: argocd.settings.url, oidc: parsed.config, secretKey: secretKey === undefined || secretKey === '' ? undefined : secretKey, problems, argocd: argocd.settings };
}

async function discover(oidc: OidcConfig): Promise<Provider> {
  const issuer = new URL(oidc.issuer);
  const insecure = issuer.protocol === 'http:';
  let config: client.Configuration;
  try {
    config = await client.discovery(
      issuer,
      oidc.clientID,
      undefined,
      oidc.clientSecret === undefined ? client.None() : client.ClientSecretBasic(oidc.clientSecret),
      // Deprecated only as a warning sign: parseOidcConfig admits plain http for loopback issuers alone.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      { timeout: HTTP_TIMEOUT_SEC, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}) },
    );
  } catch (err) {
    throw ssoFailed(`cannot reach the identity provider ${oidc.issuer}: ${describeOidcError(err)}`, err);
  }
  const jwksUri = config.serverMetadata().jwks_uri;
  if (jwksUri === undefined) throw ssoFailed(`the identity provider ${oidc.issuer} publishes no jwks_uri`);
  return { config, jwks: createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: HTTP_TIMEOUT_SEC * 1000 }) };
}

/** Issuers compare equal with or without a trailing slash (providers differ in how they write it). */
function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function clip(text: string): string {
  // eslint-disable-next-line no-control-regex -- provider text goes into our messages and logs
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

function describeOidcError(err: unknown): string {
  const e = err as { error?: unknown; error_description?: unknown; code?: unknown } | null;
  if (e !== null && typeof e.error === 'string') return clip(`${e.error}${typeof e.error_description === 'string' ? `: ${e.error_description}` : ''}`);
  return clip(messageOf(err));
}

/**
 * Who the claims of a verified id_token name, for a kawa session: `sub`, and as groups the values of the
 * claims argocd-rbac-cm `scopes` names (default `[groups]`; `[groups, email]` makes the email a group too).
 */
export function identityOf(claims: IdTokenClaims, scopes: readonly string[]): SsoIdentity {
  const email = claims['email'];
  return { sub: claims.sub, issuer: claims.iss, groups: groupsFromClaims(claims, scopes), email: typeof email === 'string' ? email : undefined };
}

/** The provider's id_tokens as bearer credentials (what SessionManager's `federated` option takes). */
export function federatedTokens(oidc: OidcService, scopes: () => readonly string[]): FederatedTokens {
  return {
    isTrustedIssuer: (issuer) => oidc.isTrustedIssuer(issuer),
    verify: async (token): Promise<VerifiedToken> => {
      const claims = await oidc.verifyIdToken(token);
      const identity = identityOf(claims, scopes());
      const jti = claims.jti;
      return {
        kind: 'sso',
        user: identity.sub,
        groups: identity.groups,
        issuer: identity.issuer,
        ...(identity.email === undefined ? {} : { email: identity.email }),
        id: typeof jti === 'string' ? jti : undefined,
        issuedAt: new Date((claims.iat ?? 0) * 1000),
        expiresAt: claims.exp === undefined ? undefined : new Date(claims.exp * 1000),
      };
    },
  };
}
