// The identity provider: discovery and JWKS through openid-client, kept per (issuer, client, secret), and
// the check of its id_tokens. openid-client does the code exchange (state, PKCE, issuer, audience, nonce,
// expiry); the id_token's signature is then checked against the provider's JWKS with jose as well, because
// the OIDC code flow lets a client skip it and kawa does not want to. Bearer id_tokens (from the CLI's own
// PKCE flow) go through the same check.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import * as client from 'openid-client';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import { ssoFailed, type OidcConfig } from './config.js';

/** Signature algorithms accepted on id_tokens: asymmetric only, so a token can never be "signed" with public data. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_SEC = 30;
const HTTP_TIMEOUT_SEC = 10;

/** Claims of a verified id_token. */
export interface IdTokenClaims extends JWTPayload {
  readonly sub: string;
  readonly iss: string;
}

export interface Provider {
  readonly config: client.Configuration;
  readonly jwks: JWTVerifyGetKey;
}

/** Discovery and JWKS per (issuer, client, secret): a changed oidc.config gets a fresh client. */
export class ProviderCache {
  private readonly providers = new Map<string, Promise<Provider>>();

  get(oidc: OidcConfig): Promise<Provider> {
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

/** Verify an id_token of `oidc`'s provider for one of `audiences`. Throws AUTH_INVALID_TOKEN, AUTH_EXPIRED or (provider down) AUTH_SSO_FAILED. */
export async function verifyIdTokenWith(provider: Provider, oidc: OidcConfig, token: string, audiences: readonly string[], now: number): Promise<IdTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, provider.jwks, {
      issuer: provider.config.serverMetadata().issuer,
      audience: [...audiences],
      algorithms: ID_TOKEN_ALGORITHMS,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_SEC,
      currentDate: new Date(now),
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
export function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

export function clip(text: string): string {
  // eslint-disable-next-line no-control-regex -- provider text goes into our messages and logs
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

export function describeOidcError(err: unknown): string {
  const e = err as { error?: unknown; error_description?: unknown; code?: unknown } | null;
  if (e !== null && typeof e.error === 'string') return clip(`${e.error}${typeof e.error_description === 'string' ? `: ${e.error_description}` : ''}`);
  return clip(messageOf(err));
}
