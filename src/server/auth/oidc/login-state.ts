// The login state of an SSO login in progress (state, nonce, PKCE verifier, return URL). It travels in a
// cookie encrypted and authenticated with a key derived from `server.secretkey` (dir + A256GCM), valid 5
// minutes, HttpOnly, `SameSite=Lax` (the provider's redirect back is a cross-site navigation: Strict would
// drop it) and scoped to `/auth/callback`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, errors as joseErrors, jwtDecrypt, type JWTPayload } from 'jose';
import { z } from 'zod';
import { CALLBACK_PATH, ssoFailed } from './config.js';

/** Argo CD's name for the login-state cookie. */
export const STATE_COOKIE = 'argocd.oauthstate';
export const STATE_TTL_SEC = 300;

/** The sealed login state the callback needs. */
export interface LoginState {
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

export function constantTimeStringEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
