// JWTs kawa issues and accepts, shaped like Argo CD's so tokens keep working across the two:
//
//   session      iss=argocd  sub=<account>:login     iat, nbf, exp = iat + users.session.duration, jti
//   API key      iss=argocd  sub=<account>:apiKey    iat, nbf, [exp], jti = the id in accounts.<account>.tokens
//   project role iss=argocd  sub=proj:<project>:<role>  iat, nbf, [exp], jti = the id in the role's jwtTokens
//   SSO session  iss=argocd  sub=<the provider's sub>    iat, nbf, exp, jti, sso = <provider issuer>, groups, email
//
// An SSO session is kawa's own JWT issued after an OIDC login (oidc.ts): it is valid while that provider
// is still the configured one, and its subject may not be the name of a local account (an IdP user called
// `admin` must not inherit `g, admin, role:admin`) nor lie in the `proj:` namespace (an IdP user called
// `proj:team:deployer` must not pass for that project role; the enforcer ignores such names as well).
// A token whose `iss` is the configured provider is an id_token from the provider itself (the CLI's PKCE
// flow) and is verified by the provider's JWKS instead.
//
// `sub` carries the capability after a `:` (as Argo CD's local-user tokens do) so a session can never pass
// for an API key or the reverse; account names cannot contain `:`, and a bare `sub` (tokens from Argo CD
// before 1.5) is read as a login session. RBAC sees the account name alone.
//
// HS256 only, keyed with the bytes of `server.secretkey`: `alg: none`, RS/ES algorithms (the classic
// "verify an HMAC with the public key" confusion) and everything else are refused before any crypto runs.
// A session's `iat` keeps milliseconds (JWT NumericDates may be fractional) and passwordMtime is written
// with milliseconds, so a password change voids a session issued earlier in the same second while a
// login right after the change stays valid.
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import type { RbacSubject } from '../rbac/enforcer.js';
import { isProjectRoleNamespace, parseProjectRoleSubject, projectRoleSubject, type ProjectRole } from '../rbac/projects.js';
import type { Account, AccountCapability, AccountStore, AuthSettings, AuthSettingsSource, TokenEntry } from './accounts.js';

export const TOKEN_ISSUER = 'argocd';
const ALGORITHM = 'HS256';
/** Longer than any token kawa issues by far; bounds the work a garbage header can cause. */
const MAX_TOKEN_LENGTH = 8192;

export type TokenKind = 'session' | 'apiKey' | 'projectRole' | 'sso';

export interface VerifiedToken {
  readonly kind: TokenKind;
  /** The account name, or `proj:<project>:<role>`. */
  readonly user: string;
  /** Local accounts and project tokens have none; SSO tokens carry theirs. */
  readonly groups: readonly string[];
  /** SSO: the provider's issuer, which userinfo reports as `iss` (so the UI knows this is no local user). */
  readonly issuer?: string;
  readonly email?: string;
  readonly project?: string;
  readonly role?: string;
  /** The `jti`. */
  readonly id: string | undefined;
  readonly issuedAt: Date;
  readonly expiresAt: Date | undefined;
}

export interface SessionManagerOptions {
  readonly settings: AuthSettingsSource;
  /** Looks up a project role for project tokens; without it they are refused. */
  readonly projectRole?: (project: string, role: string) => Promise<ProjectRole | undefined>;
  /** Revoked session ids (logout); Argo CD keeps these until the token would have expired anyway. */
  readonly isRevoked?: (id: string) => boolean | Promise<boolean>;
  /** Milliseconds since the epoch; injected so expiry tests need no sleeping. */
  readonly now?: () => number;
  /** Allowed clock skew, in seconds, for a token's `iat` lying in the future (several server replicas). */
  readonly futureIatToleranceSec?: number;
  /** The SSO provider: says which issuers it owns and verifies their tokens (bearer id_tokens). */
  readonly federated?: FederatedTokens;
}

/** What SessionManager needs from SSO (OidcService via ssoTokens()). */
export interface FederatedTokens {
  /** Whether `issuer` is the configured provider. */
  isTrustedIssuer(issuer: string): Promise<boolean>;
  /** Verify a token the provider signed and say who it is. */
  verify(token: string): Promise<VerifiedToken>;
}

/** Who an SSO login established (from the id_token's claims). */
export interface SsoIdentity {
  readonly sub: string;
  readonly issuer: string;
  readonly groups: readonly string[];
  readonly email?: string | undefined;
}

export interface IssueOptions {
  /** Lifetime in seconds; 0 or absent = never expires (as `argocd account generate-token` without --expires-in). */
  readonly expiresInSec?: number;
  /** Token id; a random UUID by default. */
  readonly id?: string;
}

function invalid(reason: string): UserError {
  return new UserError(errorCodes.AUTH_INVALID_TOKEN, `invalid token: ${reason}`);
}

function revoked(reason: string): UserError {
  return new UserError(errorCodes.AUTH_REVOKED, `token revoked: ${reason}`);
}

function expired(reason: string): UserError {
  return new UserError(errorCodes.AUTH_EXPIRED, `token expired: ${reason}`);
}

/**
 * Whether a token list entry (`{id, iat, exp}`, seconds) records the issue of a token issued at `iat`.
 * Ids of API keys and project tokens may be chosen by the caller (`--id`), so deleting a token and
 * creating another with the same id would otherwise revive every old token carrying that id. Comparing
 * the issue time, rather than remembering every id ever used, needs no tombstones that grow forever and
 * works for entries Argo CD wrote (it stores the JWT's own iat). The entry's exp is not compared: an
 * administrator may shorten a token by editing it. What this cannot tell apart is a re-issue within the
 * same second: with the same expiry that JWT is byte-identical to the old one (the same credential issued
 * again); with another expiry the old one lives until the earlier of the two.
 */
function sameIssue(entry: { readonly iat: number }, iat: number): boolean {
  return entry.iat === iat;
}

/** Why an SSO subject may not have a session, or undefined when it may. */
function ssoSubjectProblem(settings: AuthSettings, sub: string): string | undefined {
  if (settings.accounts.has(sub)) return `the SSO subject ${JSON.stringify(sub)} is the name of a local account`;
  if (isProjectRoleNamespace(sub)) return `the SSO subject ${JSON.stringify(sub)} looks like a project role; only project tokens issued by kawa act as one`;
  return undefined;
}

/** Split `<account>:<capability>`; a bare name is a pre-1.5 Argo CD login token. */
function accountSubject(sub: string): { name: string; capability: AccountCapability } | undefined {
  const parts = sub.split(':');
  if (parts.length === 1) return parts[0] === '' ? undefined : { name: sub, capability: 'login' };
  const [name = '', capability = ''] = parts;
  if (parts.length !== 2 || name === '') return undefined;
  return capability === 'login' || capability === 'apiKey' ? { name, capability } : undefined;
}

export class SessionManager {
  private readonly settings: AuthSettingsSource;
  private readonly now: () => number;

  constructor(private readonly options: SessionManagerOptions) {
    this.settings = options.settings;
    this.now = options.now ?? Date.now;
  }

  /** A login session for `account`; the caller has checked the password. */
  async issueSession(account: string, settings?: AuthSettings): Promise<string> {
    const current = settings ?? (await this.settings.load());
    const nowMs = this.now();
    const seconds = Math.floor(nowMs / 1000);
    return this.sign(current, {
      sub: `${account}:login`,
      iat: nowMs / 1000,
      nbf: seconds,
      exp: seconds + Math.max(1, Math.round(current.sessionDurationMs / 1000)),
      jti: randomUUID(),
    });
  }

  /**
   * A session for a user the SSO provider vouched for. Refused when `sub` names a local account, so an
   * IdP user can never take over a local account's RBAC grants.
   */
  async issueSsoSession(identity: SsoIdentity): Promise<string> {
    const settings = await this.settings.load();
    const problem = ssoSubjectProblem(settings, identity.sub);
    if (problem !== undefined) throw invalid(problem);
    const nowMs = this.now();
    const seconds = Math.floor(nowMs / 1000);
    return this.sign(settings, {
      sub: identity.sub,
      iat: nowMs / 1000,
      nbf: seconds,
      exp: seconds + Math.max(1, Math.round(settings.sessionDurationMs / 1000)),
      jti: randomUUID(),
      sso: identity.issuer,
      groups: [...identity.groups],
      ...(identity.email === undefined ? {} : { email: identity.email }),
    });
  }

  /** An API key for `account` and its list entry; it is only valid once the entry is stored (see createApiKey). */
  async issueApiKey(account: string, options: IssueOptions = {}): Promise<{ token: string; entry: TokenEntry }> {
    const settings = await this.settings.load();
    const found = settings.accounts.get(account);
    if (found === undefined || !found.enabled || !found.capabilities.includes('apiKey')) {
      throw new UserError(errorCodes.AUTH_ACCOUNT_INVALID, `account ${JSON.stringify(account)} does not exist, is disabled, or lacks the apiKey capability`);
    }
    const { claims, entry } = this.entryClaims(options);
    return { token: await this.sign(settings, { sub: `${account}:apiKey`, ...claims }), entry };
  }

  /** A project-role token and its entry for the role's `jwtTokens`; valid once the entry is stored. */
  async issueProjectToken(project: string, role: string, options: IssueOptions = {}): Promise<{ token: string; entry: TokenEntry }> {
    const settings = await this.settings.load();
    const { claims, entry } = this.entryClaims(options);
    return { token: await this.sign(settings, { sub: projectRoleSubject(project, role), ...claims }), entry };
  }

  /**
   * Check a bearer token and say who it belongs to. Throws UserError AUTH_INVALID_TOKEN (malformed,
   * forged, wrong key or algorithm, not yet valid, unknown or disabled account), AUTH_EXPIRED, or
   * AUTH_REVOKED (id no longer listed, password changed since, logged out).
   */
  async verifyToken(token: string): Promise<VerifiedToken> {
    if (token === '' || token.length > MAX_TOKEN_LENGTH) throw invalid('it is empty or too long');
    const federated = await this.federatedIssuer(token);
    if (federated !== undefined) {
      const verified = await federated.verify(token);
      const problem = ssoSubjectProblem(await this.settings.load(), verified.user);
      if (problem !== undefined) throw invalid(problem);
      return verified;
    }
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw invalid('it is not a JWT');
    }
    if (alg !== ALGORITHM) throw invalid(`algorithm ${JSON.stringify(alg)} is not accepted (only ${ALGORITHM})`);

    const settings = await this.settings.load();
    if (settings.secretKey === undefined) throw invalid('the server has no server.secretkey yet');
    const nowMs = this.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(settings.secretKey), {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        currentDate: new Date(nowMs),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw expired('it is past its exp');
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw invalid(err.claim === 'nbf' ? 'it is not valid yet (nbf)' : `claim ${err.claim} is wrong`);
      }
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw invalid('the signature does not match');
      throw invalid(messageOf(err));
    }

    const { sub, iat, jti, exp } = payload;
    if (typeof sub !== 'string' || sub === '') throw invalid('it has no subject');
    if (typeof iat !== 'number') throw invalid('it has no iat');
    if (jti !== undefined && typeof jti !== 'string') throw invalid('its jti is not a string');
    if (iat > nowMs / 1000 + (this.options.futureIatToleranceSec ?? 60)) throw invalid('it was issued in the future');
    const base = { id: jti, issuedAt: new Date(Math.round(iat * 1000)), expiresAt: exp === undefined ? undefined : new Date(exp * 1000) };

    const sso = payload['sso'];
    if (sso !== undefined) return this.checkSsoSession(settings, sub, sso, payload, base);

    const projectRole = parseProjectRoleSubject(sub);
    if (projectRole !== undefined) {
      await this.checkProjectToken(projectRole.project, projectRole.role, iat, jti, nowMs);
      return { kind: 'projectRole', user: sub, groups: [], project: projectRole.project, role: projectRole.role, ...base };
    }

    const subject = accountSubject(sub);
    if (subject === undefined) throw invalid('its subject is not an account or a project role');
    const account = settings.accounts.get(subject.name);
    if (account === undefined || !account.enabled) throw invalid(`account ${JSON.stringify(subject.name)} does not exist or is disabled`);
    if (!account.capabilities.includes(subject.capability)) throw invalid(`account ${JSON.stringify(subject.name)} no longer has the ${subject.capability} capability`);

    if (subject.capability === 'apiKey') {
      this.checkApiKey(account, jti, iat, nowMs);
      return { kind: 'apiKey', user: account.name, groups: [], ...base };
    }
    if (account.passwordMtime !== undefined && Math.round(iat * 1000) < account.passwordMtime.getTime()) {
      throw revoked('the password was changed after this session began');
    }
    if (jti !== undefined && (await this.options.isRevoked?.(jti)) === true) throw revoked('the session was logged out');
    return { kind: 'session', user: account.name, groups: [], ...base };
  }

  /** The SSO provider when `token` claims to come from it (its `iss`); undefined for kawa's own tokens. */
  private async federatedIssuer(token: string): Promise<FederatedTokens | undefined> {
    const federated = this.options.federated;
    if (federated === undefined) return undefined;
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    return typeof iss === 'string' && iss !== TOKEN_ISSUER && (await federated.isTrustedIssuer(iss)) ? federated : undefined;
  }

  private async checkSsoSession(
    settings: AuthSettings,
    sub: string,
    sso: unknown,
    payload: JWTPayload,
    base: Pick<VerifiedToken, 'id' | 'issuedAt' | 'expiresAt'>,
  ): Promise<VerifiedToken> {
    if (typeof sso !== 'string' || sso === '') throw invalid('its sso claim is not an issuer');
    if (this.options.federated === undefined || !(await this.options.federated.isTrustedIssuer(sso))) throw invalid(`SSO with ${sso} is no longer configured`);
    const problem = ssoSubjectProblem(settings, sub);
    if (problem !== undefined) throw invalid(problem);
    if (payload.exp === undefined) throw invalid('an SSO session must expire');
    const groups = payload['groups'];
    if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) throw invalid('its groups claim is not a list of strings');
    if (base.id !== undefined && (await this.options.isRevoked?.(base.id)) === true) throw revoked('the session was logged out');
    const email = payload['email'];
    const groupList = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
    return { kind: 'sso', user: sub, groups: groupList, issuer: sso, ...(typeof email === 'string' ? { email } : {}), ...base };
  }

  private checkApiKey(account: Account, jti: string | undefined, iat: number, nowMs: number): void {
    if (jti === undefined) throw invalid('an API key needs a jti');
    const entry = account.tokens.find((t) => t.id === jti);
    if (entry === undefined) throw revoked(`API key ${jti} of account ${account.name} was deleted`);
    // The id may be given by the caller and re-used after a delete: the entry is this token's only if
    // it was issued at the same moment (see sameIssue).
    if (!sameIssue(entry, iat)) throw revoked(`API key ${jti} of account ${account.name} was deleted and issued again; this is the old token`);
    if (entry.exp !== undefined && entry.exp * 1000 <= nowMs) throw expired(`API key ${jti} expired`);
  }

  private async checkProjectToken(project: string, role: string, iat: number, jti: string | undefined, nowMs: number): Promise<void> {
    const found = await this.options.projectRole?.(project, role);
    if (found === undefined) throw invalid(`project ${project} has no role ${role}`);
    // Tokens from Argo CD before 1.5 carry no jti; their list entries have no id and match by iat.
    const listed = found.jwtTokens.filter((t) => (jti === undefined ? t.id === undefined && t.iat === iat : t.id === jti));
    if (listed.length === 0) throw revoked(`project role ${project}/${role} no longer lists this token`);
    const entry = listed.find((t) => sameIssue(t, iat));
    if (entry === undefined) throw revoked(`project role ${project}/${role} token ${jti ?? String(iat)} was deleted and issued again; this is the old token`);
    if (entry.exp !== undefined && entry.exp * 1000 <= nowMs) throw expired(`project role token ${jti ?? String(iat)} expired`);
  }

  private entryClaims(options: IssueOptions): { claims: JWTPayload; entry: TokenEntry } {
    const iat = Math.floor(this.now() / 1000);
    const id = options.id ?? randomUUID();
    const exp = options.expiresInSec !== undefined && options.expiresInSec > 0 ? iat + Math.round(options.expiresInSec) : undefined;
    const entry: TokenEntry = exp === undefined ? { id, iat } : { id, iat, exp };
    return { claims: { iat, nbf: iat, jti: id, ...(exp === undefined ? {} : { exp }) }, entry };
  }

  private async sign(settings: AuthSettings, claims: JWTPayload): Promise<string> {
    if (settings.secretKey === undefined) throw new UserError(errorCodes.AUTH_STORE_FAILED, 'argocd-secret has no server.secretkey; run the server once so it bootstraps one');
    return new SignJWT({ ...claims, iss: TOKEN_ISSUER }).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' }).sign(new TextEncoder().encode(settings.secretKey));
  }
}

/** What RBAC needs to know about a verified caller. */
export function rbacSubjectOf(token: VerifiedToken): RbacSubject {
  if (token.kind === 'projectRole' && token.project !== undefined && token.role !== undefined) {
    return { user: token.user, groups: token.groups, projectRoleToken: { project: token.project, role: token.role } };
  }
  return { user: token.user, groups: token.groups };
}

/** Issue an API key for `account` and record it in argocd-secret; the token is returned only once stored. */
export async function createApiKey(store: AccountStore, sessions: SessionManager, account: string, options: IssueOptions = {}): Promise<{ token: string; entry: TokenEntry }> {
  const issued = await sessions.issueApiKey(account, options);
  await store.addToken(account, issued.entry);
  return issued;
}

/** Delete an API key; tokens carrying its id are refused from then on. False if there was none. */
export function revokeApiKey(store: AccountStore, account: string, id: string): Promise<boolean> {
  return store.removeToken(account, id);
}
