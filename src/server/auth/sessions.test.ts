// Real jose tokens, signed and forged, against a fake clock.
import { createHmac } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt, type JWTPayload } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorCodes, type ErrorCode } from '../../errors.js';
import type { ProjectRole } from '../rbac/projects.js';
import { parseAuthSettings, type AuthSettings, type AuthSettingsSource } from './accounts.js';
import { SessionManager, rbacSubjectOf } from './sessions.js';

const KEY = 'c2VydmVyLXNlY3JldC1rZXktZm9yLXRlc3RzLW9ubHk=';
const T0 = Date.parse('2024-05-01T10:00:00.000Z');

class MutableSettings implements AuthSettingsSource {
  cm: Record<string, string> = { 'accounts.alice': 'apiKey, login', 'accounts.bob': 'login' };
  secret: Record<string, string> = { 'server.secretkey': KEY };
  load(): Promise<AuthSettings> {
    return Promise.resolve(parseAuthSettings(this.cm, this.secret));
  }
}

let clock = T0;
let settings: MutableSettings;
let roles: ProjectRole[];
let loggedOut: Set<string>;
let sessions: SessionManager;

beforeEach(() => {
  clock = T0;
  settings = new MutableSettings();
  roles = [];
  loggedOut = new Set();
  sessions = new SessionManager({
    settings,
    now: () => clock,
    projectRole: (project, role) => Promise.resolve(roles.find((r) => r.project === project && r.name === role)),
    isRevoked: (id) => loggedOut.has(id),
  });
});

async function rejection(token: string): Promise<{ code: ErrorCode; message: string }> {
  try {
    await sessions.verifyToken(token);
  } catch (err) {
    return err as { code: ErrorCode; message: string };
  }
  throw new Error('the token was accepted');
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hs256 = (key: string, header: object, payload: object) => {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
};
const sign = (claims: JWTPayload, key = KEY, alg = 'HS256') => new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(key));
const nowSec = () => Math.floor(clock / 1000);

describe('sessions', () => {
  it('issues an Argo CD-shaped session token and verifies it', async () => {
    const token = await sessions.issueSession('bob');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'argocd', sub: 'bob:login', iat: T0 / 1000, nbf: T0 / 1000, exp: T0 / 1000 + 86_400 });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sessions.verifyToken(token)).toMatchObject({ kind: 'session', user: 'bob', groups: [], issuedAt: new Date(T0), expiresAt: new Date(T0 + 86_400_000) });
  });

  it('takes its lifetime from users.session.duration', async () => {
    settings.cm['users.session.duration'] = '2h';
    const token = await sessions.issueSession('bob');
    expect(decodeJwt(token).exp).toBe(T0 / 1000 + 7200);
    clock += 7200_000 - 1;
    await expect(sessions.verifyToken(token)).resolves.toMatchObject({ user: 'bob' });
    clock += 1;
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_EXPIRED });
  });

  it('voids sessions issued before a password change, to the millisecond', async () => {
    clock = T0 + 100;
    const before = await sessions.issueSession('bob');
    settings.secret['accounts.bob.passwordMtime'] = new Date(T0 + 500).toISOString();
    clock = T0 + 900;
    const after = await sessions.issueSession('bob');
    expect(await rejection(before)).toMatchObject({ code: errorCodes.AUTH_REVOKED, message: expect.stringContaining('password was changed') as unknown });
    await expect(sessions.verifyToken(after)).resolves.toMatchObject({ user: 'bob' });
  });

  it('honours a password mtime Argo CD wrote with whole seconds', async () => {
    const token = await sessions.issueSession('bob');
    settings.secret['accounts.bob.passwordMtime'] = '2024-05-01T10:00:01Z';
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_REVOKED });
  });

  it('refuses a logged-out session', async () => {
    const token = await sessions.issueSession('bob');
    loggedOut.add(decodeJwt(token).jti ?? '');
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_REVOKED });
  });

  it('reads a bare subject (Argo CD before 1.5) as a login session', async () => {
    const token = await sign({ iss: 'argocd', sub: 'bob', iat: nowSec() });
    await expect(sessions.verifyToken(token)).resolves.toMatchObject({ kind: 'session', user: 'bob' });
  });
});

describe('forged and broken tokens', () => {
  type Forgery = [name: string, make: () => Promise<string> | string, code: ErrorCode, message: RegExp];
  const FORGERIES: Forgery[] = [
    ['alg none', () => new UnsecuredJWT({ iss: 'argocd', sub: 'admin:login', iat: nowSec() }).encode(), errorCodes.AUTH_INVALID_TOKEN, /algorithm "none" is not accepted/],
    ['alg none with a signature', () => `${b64url({ alg: 'none' })}.${b64url({ iss: 'argocd', sub: 'admin:login' })}.c2ln`, errorCodes.AUTH_INVALID_TOKEN, /algorithm "none"/],
    ['HS512 with the right key', () => sign({ iss: 'argocd', sub: 'bob:login', iat: nowSec() }, KEY, 'HS512'), errorCodes.AUTH_INVALID_TOKEN, /algorithm "HS512"/],
    ['RS256 header over an HMAC signature', () => hs256(KEY, { alg: 'RS256' }, { iss: 'argocd', sub: 'bob:login', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /algorithm "RS256"/],
    ['no alg', () => hs256(KEY, { typ: 'JWT' }, { iss: 'argocd', sub: 'bob:login', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /algorithm undefined/],
    ['the wrong key', () => sign({ iss: 'argocd', sub: 'bob:login', iat: nowSec() }, 'another-key'), errorCodes.AUTH_INVALID_TOKEN, /signature does not match/],
    [
      'a tampered payload',
      async () => {
        const [header = '', , signature = ''] = (await sessions.issueSession('bob')).split('.');
        return `${header}.${b64url({ iss: 'argocd', sub: 'admin:login', iat: nowSec(), exp: nowSec() + 60 })}.${signature}`;
      },
      errorCodes.AUTH_INVALID_TOKEN,
      /signature does not match/,
    ],
    ['another issuer', () => sign({ iss: 'https://evil.example', sub: 'bob:login', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /claim iss/],
    ['no issuer', () => sign({ sub: 'bob:login', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /claim iss/],
    ['expired', () => sign({ iss: 'argocd', sub: 'bob:login', iat: nowSec() - 100, exp: nowSec() - 1 }), errorCodes.AUTH_EXPIRED, /past its exp/],
    ['not yet valid', () => sign({ iss: 'argocd', sub: 'bob:login', iat: nowSec(), nbf: nowSec() + 600 }), errorCodes.AUTH_INVALID_TOKEN, /not valid yet/],
    ['issued in the future', () => sign({ iss: 'argocd', sub: 'bob:login', iat: nowSec() + 3600 }), errorCodes.AUTH_INVALID_TOKEN, /issued in the future/],
    ['no subject', () => sign({ iss: 'argocd', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /no subject/],
    ['no iat', () => sign({ iss: 'argocd', sub: 'bob:login' }), errorCodes.AUTH_INVALID_TOKEN, /no iat/],
    ['an unknown capability', () => sign({ iss: 'argocd', sub: 'bob:root', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /not an account or a project role/],
    ['an unknown account', () => sign({ iss: 'argocd', sub: 'mallory:login', iat: nowSec() }), errorCodes.AUTH_INVALID_TOKEN, /"mallory" does not exist or is disabled/],
    ['empty', () => '', errorCodes.AUTH_INVALID_TOKEN, /empty or too long/],
    ['too long', () => 'a'.repeat(9000), errorCodes.AUTH_INVALID_TOKEN, /empty or too long/],
    ['not a JWT', () => 'hello', errorCodes.AUTH_INVALID_TOKEN, /not a JWT/],
    ['three garbage parts', () => 'a.b.c', errorCodes.AUTH_INVALID_TOKEN, /not a JWT/],
  ];

  it.each(FORGERIES)('refuses %s', async (_name, make, code, message) => {
    const error = await rejection(await make());
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('refuses everything while the server has no secret key', async () => {
    const token = await sessions.issueSession('bob');
    delete settings.secret['server.secretkey'];
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN, message: expect.stringContaining('no server.secretkey') as unknown });
  });

  it.each([
    ['deleted', (s: MutableSettings) => delete s.cm['accounts.bob'], /does not exist or is disabled/],
    ['disabled', (s: MutableSettings) => (s.cm['accounts.bob.enabled'] = 'false'), /does not exist or is disabled/],
    ['stripped of login', (s: MutableSettings) => (s.cm['accounts.bob'] = 'apiKey'), /no longer has the login capability/],
  ])('refuses a session of an account that was %s', async (_name, change, message) => {
    const token = await sessions.issueSession('bob');
    change(settings);
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN, message: expect.stringMatching(message) as unknown });
  });
});

describe('API keys', () => {
  const store = async (account: string, entry: { id: string; iat: number; exp?: number }) => {
    const key = `accounts.${account}.tokens`;
    const list = JSON.parse(settings.secret[key] ?? '[]') as unknown[];
    settings.secret[key] = JSON.stringify([...list, entry]);
    return Promise.resolve();
  };

  it('works while listed and stops when its id is deleted', async () => {
    const { token, entry } = await sessions.issueApiKey('alice', { id: 'key-1' });
    expect(entry).toEqual({ id: 'key-1', iat: T0 / 1000 });
    expect(decodeJwt(token)).toMatchObject({ iss: 'argocd', sub: 'alice:apiKey', jti: 'key-1' });
    expect(decodeJwt(token).exp).toBeUndefined();
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_REVOKED });
    await store('alice', entry);
    await expect(sessions.verifyToken(token)).resolves.toMatchObject({ kind: 'apiKey', user: 'alice', id: 'key-1' });
    settings.secret['accounts.alice.tokens'] = '[]';
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_REVOKED, message: expect.stringContaining('key-1') as unknown });
  });

  it('stays revoked when its id is deleted and used again', async () => {
    const { token: old, entry: first } = await sessions.issueApiKey('alice', { id: 'ci' });
    await store('alice', first);
    settings.secret['accounts.alice.tokens'] = '[]';
    clock += 1000;
    const { token: fresh, entry: second } = await sessions.issueApiKey('alice', { id: 'ci' });
    await store('alice', second);
    await expect(sessions.verifyToken(fresh)).resolves.toMatchObject({ kind: 'apiKey', id: 'ci' });
    expect(await rejection(old)).toMatchObject({ code: errorCodes.AUTH_REVOKED, message: expect.stringContaining('issued again') as unknown });
  });

  it('is not voided by a password change', async () => {
    const { token, entry } = await sessions.issueApiKey('alice');
    await store('alice', entry);
    settings.secret['accounts.alice.passwordMtime'] = new Date(T0 + 1000).toISOString();
    clock += 2000;
    await expect(sessions.verifyToken(token)).resolves.toMatchObject({ kind: 'apiKey' });
  });

  it('expires with --expires-in', async () => {
    const { token, entry } = await sessions.issueApiKey('alice', { expiresInSec: 60 });
    expect(entry.exp).toBe(T0 / 1000 + 60);
    await store('alice', entry);
    clock += 60_000;
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_EXPIRED });
  });

  it('expires when its list entry says so, even if the JWT has no exp', async () => {
    const { token, entry } = await sessions.issueApiKey('alice');
    await store('alice', { ...entry, exp: T0 / 1000 + 10 });
    clock += 10_000;
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_EXPIRED });
  });

  it('refuses to issue for an account without apiKey', async () => {
    await expect(sessions.issueApiKey('bob')).rejects.toMatchObject({ code: errorCodes.AUTH_ACCOUNT_INVALID });
    await expect(sessions.issueApiKey('nobody')).rejects.toMatchObject({ code: errorCodes.AUTH_ACCOUNT_INVALID });
  });

  it('stops working when the capability is withdrawn', async () => {
    const { token, entry } = await sessions.issueApiKey('alice');
    await store('alice', entry);
    settings.cm['accounts.alice'] = 'login';
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN, message: expect.stringContaining('apiKey capability') as unknown });
  });

  it('cannot pass a session off as an API key', async () => {
    const forged = await sign({ iss: 'argocd', sub: 'alice:apiKey', iat: nowSec() });
    expect(await rejection(forged)).toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN, message: expect.stringContaining('needs a jti') as unknown });
  });
});

describe('project role tokens', () => {
  const role = (jwtTokens: ProjectRole['jwtTokens']): ProjectRole => ({ project: 'team-a', name: 'ci', policies: [], groups: [], jwtTokens });

  it('works while the role lists it', async () => {
    const { token, entry } = await sessions.issueProjectToken('team-a', 'ci', { id: 'p-1' });
    expect(decodeJwt(token)).toMatchObject({ sub: 'proj:team-a:ci', jti: 'p-1' });
    roles = [role([{ id: entry.id, iat: entry.iat, exp: undefined }])];
    const verified = await sessions.verifyToken(token);
    expect(verified).toMatchObject({ kind: 'projectRole', user: 'proj:team-a:ci', project: 'team-a', role: 'ci' });
    expect(rbacSubjectOf(verified)).toEqual({ user: 'proj:team-a:ci', groups: [], projectRoleToken: { project: 'team-a', role: 'ci' } });
    roles = [role([])];
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_REVOKED });
  });

  it('stays revoked when its id is deleted and used again', async () => {
    const { token: old, entry: first } = await sessions.issueProjectToken('team-a', 'ci', { id: 'deploy' });
    roles = [role([{ id: first.id, iat: first.iat, exp: undefined }])];
    roles = [role([])];
    clock += 1000;
    const { token: fresh, entry: second } = await sessions.issueProjectToken('team-a', 'ci', { id: 'deploy' });
    roles = [role([{ id: second.id, iat: second.iat, exp: undefined }])];
    await expect(sessions.verifyToken(fresh)).resolves.toMatchObject({ kind: 'projectRole' });
    expect(await rejection(old)).toMatchObject({ code: errorCodes.AUTH_REVOKED, message: expect.stringContaining('issued again') as unknown });
  });

  it('is refused once the role is gone', async () => {
    const { token } = await sessions.issueProjectToken('team-a', 'ci');
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN, message: expect.stringContaining('has no role ci') as unknown });
  });

  it('expires with its list entry', async () => {
    const { token, entry } = await sessions.issueProjectToken('team-a', 'ci', { expiresInSec: 5 });
    roles = [role([{ id: entry.id, iat: entry.iat, exp: entry.exp }])];
    clock += 5000;
    expect(await rejection(token)).toMatchObject({ code: errorCodes.AUTH_EXPIRED });
  });

  it('matches a pre-1.5 token without jti by iat', async () => {
    const token = await sign({ iss: 'argocd', sub: 'proj:team-a:ci', iat: nowSec() });
    roles = [role([{ id: undefined, iat: nowSec(), exp: undefined }])];
    await expect(sessions.verifyToken(token)).resolves.toMatchObject({ kind: 'projectRole' });
  });

  it('is refused when the server cannot look roles up', async () => {
    const bare = new SessionManager({ settings, now: () => clock });
    const { token } = await bare.issueProjectToken('team-a', 'ci');
    await expect(bare.verifyToken(token)).rejects.toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN });
  });
});

describe('rbacSubjectOf', () => {
  it('maps sessions to plain subjects', () => {
    expect(rbacSubjectOf({ kind: 'session', user: 'bob', groups: [], id: 'x', issuedAt: new Date(T0), expiresAt: undefined })).toEqual({ user: 'bob', groups: [] });
  });
});

describe('SSO sessions', () => {
  const IDP = 'https://idp.example.com';
  let trusted: Set<string>;
  let federatedSeen: string[];
  let sso: SessionManager;

  beforeEach(() => {
    trusted = new Set([IDP]);
    federatedSeen = [];
    sso = new SessionManager({
      settings,
      now: () => clock,
      isRevoked: (id) => loggedOut.has(id),
      federated: {
        isTrustedIssuer: (iss) => Promise.resolve(trusted.has(iss)),
        verify: (token) => {
          federatedSeen.push(token);
          return Promise.resolve({ kind: 'sso', user: 'from-idp', groups: ['g'], issuer: IDP, id: undefined, issuedAt: new Date(clock), expiresAt: undefined });
        },
      },
    });
  });

  it('issues a session for the provider subject with its groups and email', async () => {
    const token = await sso.issueSsoSession({ sub: 'CgNib2I', issuer: IDP, groups: ['devs', 'ops'], email: 'bob@example.com' });
    expect(decodeJwt(token)).toMatchObject({ iss: 'argocd', sub: 'CgNib2I', sso: IDP, groups: ['devs', 'ops'], email: 'bob@example.com', exp: nowSec() + 24 * 3600 });
    const verified = await sso.verifyToken(token);
    expect(verified).toMatchObject({ kind: 'sso', user: 'CgNib2I', groups: ['devs', 'ops'], issuer: IDP, email: 'bob@example.com' });
    expect(rbacSubjectOf(verified)).toEqual({ user: 'CgNib2I', groups: ['devs', 'ops'] });
  });

  it('refuses a subject that names a local account, at issue and at verification', async () => {
    await expect(sso.issueSsoSession({ sub: 'alice', issuer: IDP, groups: [] })).rejects.toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN });
    const token = await sso.issueSsoSession({ sub: 'carol', issuer: IDP, groups: [] });
    settings.cm['accounts.carol'] = 'login';
    await expect(sso.verifyToken(token)).rejects.toThrow(/local account/);
    await expect(sso.verifyToken(token)).rejects.toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN });
  });

  it('refuses a subject shaped like a project role, at issue, in a session and as a bearer id_token', async () => {
    await expect(sso.issueSsoSession({ sub: 'proj:team-a:ci', issuer: IDP, groups: [] })).rejects.toThrow(/looks like a project role/);
    // A session signed with the server key (as if issued before this rule) is refused when checked.
    const session = await sign({ iss: 'argocd', sub: 'proj:team-a:ci', sso: IDP, iat: nowSec(), exp: nowSec() + 60, jti: 's-1' });
    expect(await sso.verifyToken(session).catch((err: unknown) => err)).toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN, message: expect.stringContaining('looks like a project role') as unknown });
    const federated = new SessionManager({
      settings,
      now: () => clock,
      federated: {
        isTrustedIssuer: (iss) => Promise.resolve(iss === IDP),
        verify: () => Promise.resolve({ kind: 'sso', user: 'proj:team-a:ci', groups: [], issuer: IDP, id: undefined, issuedAt: new Date(clock), expiresAt: undefined }),
      },
    });
    const idToken = await sign({ iss: IDP, sub: 'proj:team-a:ci' }, 'whatever');
    await expect(federated.verifyToken(idToken)).rejects.toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN });
  });

  it('stops accepting sessions once their provider is no longer configured', async () => {
    const token = await sso.issueSsoSession({ sub: 'u', issuer: IDP, groups: [] });
    trusted.clear();
    await expect(sso.verifyToken(token)).rejects.toThrow(/no longer configured/);
    await expect(sso.verifyToken(token)).rejects.toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN });
  });

  it('honours logout', async () => {
    const token = await sso.issueSsoSession({ sub: 'u', issuer: IDP, groups: [] });
    loggedOut.add(String(decodeJwt(token).jti));
    await expect(sso.verifyToken(token)).rejects.toMatchObject({ code: errorCodes.AUTH_REVOKED });
  });

  it("hands tokens of the provider's issuer to the provider, and no others", async () => {
    const fromIdp = await sign({ iss: IDP, sub: 'x' }, 'whatever');
    expect(await sso.verifyToken(fromIdp)).toMatchObject({ kind: 'sso', user: 'from-idp' });
    expect(federatedSeen).toEqual([fromIdp]);
    const foreign = await sign({ iss: 'https://other', sub: 'x' }, 'whatever');
    await expect(sso.verifyToken(foreign)).rejects.toMatchObject({ code: errorCodes.AUTH_INVALID_TOKEN });
    expect(federatedSeen).toEqual([fromIdp]);
  });
});
