// SSO against a real OpenID Connect provider (oidc-provider on loopback, with its development login and
// consent pages driven over plain HTTP) and the real API server: /auth/login → provider → /auth/callback
// → kawa session cookie → userinfo and RBAC by the groups claim; bearer id_tokens of the provider; and
// the refusals (state mismatch, missing state, open redirects, forged, expired and foreign tokens, an SSO
// subject that names a local account).
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAtProvider as providerLogin, startOidcProvider, type SigningKey, type TestOidcProvider } from '../harness/auth.js';
import { teamProject, useApiServer, type Json } from '../harness/server-api.js';

const KAWA_URL = 'http://kawa.test';
const CLIENT_SECRET = 'oidc-client-s3cret-never-shown';
/** Users of the provider and their groups. `alice` is also a local account of the fixture. */
const USERS: Record<string, string[]> = { dave: ['sso-devs', 'everyone'], carol: ['sso-ops'], erin: [], alice: ['sso-devs'] };

let provider: TestOidcProvider;
let issuer = '';

beforeAll(async () => {
  provider = await startOidcProvider(
    [
      { client_id: 'kawa', client_secret: CLIENT_SECRET, redirect_uris: [`${KAWA_URL}/auth/callback`] },
      { client_id: 'kawa-cli', token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: ['http://localhost:8085/auth/callback'] },
    ],
    USERS,
  );
  issuer = provider.issuer;
});

afterAll(async () => {
  await provider.close();
});

// Registered after the provider's beforeAll, so the config can name its address.
const api = useApiServer('srvsso', {
  configMap: () => ({
    url: KAWA_URL,
    'oidc.config': [
      'name: Test IdP',
      `issuer: ${issuer}`,
      'clientID: kawa',
      'clientSecret: $kawa-oidc:clientSecret',
      'cliClientID: kawa-cli',
      'requestedScopes: [openid, profile, email, groups]',
    ].join('\n'),
  }),
  rbacPolicy: `
g, sso-devs, role:team-dev
p, sso-ops, projects, get, default, allow
`,
});

beforeAll(async () => {
  // The client secret lives in a Secret of its own, referenced as `$kawa-oidc:clientSecret`.
  await api.core.createNamespacedSecret({
    namespace: api.ns,
    body: { metadata: { name: 'kawa-oidc', labels: { 'app.kubernetes.io/part-of': 'argocd' } }, stringData: { clientSecret: `${CLIENT_SECRET}\n` } },
  });
  const created = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: api.auth(api.adminToken), payload: { project: teamProject() } });
  expect(created.statusCode).toBe(200);
});

const loginAtProvider = (authorizeUrl: string, user: string): Promise<URL> => providerLogin(authorizeUrl, user, KAWA_URL);

/** The value a Set-Cookie list gives `name`, or undefined. */
function setCookieValue(headers: Record<string, unknown>, name: string): string | undefined {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  const found = list.find((c) => c.startsWith(`${name}=`));
  return found === undefined ? undefined : (found.split(';')[0] ?? '').slice(name.length + 1);
}

/** GET /auth/login: the provider URL and the state cookie. */
async function startLogin(returnUrl = '/applications'): Promise<{ authorizeUrl: string; state: string; res: { statusCode: number; headers: Record<string, unknown> } }> {
  const res = await api.app.inject({ method: 'GET', url: `/auth/login?return_url=${encodeURIComponent(returnUrl)}` });
  expect(res.statusCode, res.body).toBe(303);
  const state = setCookieValue(res.headers, 'argocd.oauthstate');
  expect(state).toBeTruthy();
  return { authorizeUrl: String(res.headers.location), state: state ?? '', res };
}

async function callback(url: URL, state: string | undefined) {
  return api.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: state === undefined ? {} : { cookie: `argocd.oauthstate=${state}` } });
}

/** A whole SSO login of `user`; returns the session token from the cookie. */
async function ssoLogin(user: string, returnUrl = '/applications'): Promise<string> {
  const { authorizeUrl, state } = await startLogin(returnUrl);
  const res = await callback(await loginAtProvider(authorizeUrl, user), state);
  expect(res.statusCode, res.body).toBe(303);
  const token = setCookieValue(res.headers, 'argocd.token');
  expect(token).toBeTruthy();
  return token ?? '';
}

const withCookie = (token: string): Record<string, string> => ({ cookie: `argocd.token=${token}` });

async function idToken(claims: Json, options: { key?: SigningKey; expiresIn?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: provider.kid })
    .setIssuer(issuer)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(options.key ?? provider.signingKey);
}

describe('GET /api/v1/settings', () => {
  it('tells anyone which provider to log in with, and never the client secret', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/v1/settings' });
    expect(res.statusCode).toBe(200);
    expect(res.json<Json>()).toMatchObject({
      url: KAWA_URL,
      oidcConfig: { name: 'Test IdP', issuer, clientID: 'kawa', cliClientID: 'kawa-cli', scopes: ['openid', 'profile', 'email', 'groups'], redirectURI: 'http://localhost:8085/auth/callback' },
      controllerNamespace: api.ns,
    });
    expect(res.body).not.toContain(CLIENT_SECRET);
    expect(res.body).not.toContain('clientSecret');
  });
});

describe('SSO login through the provider', () => {
  it('logs a user in with a code flow, and the groups claim drives RBAC', async () => {
    const { authorizeUrl, state, res: started } = await startLogin('/applications?proj=team');
    const authorize = new URL(authorizeUrl);
    expect(authorize.origin).toBe(issuer);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: 'kawa',
      response_type: 'code',
      redirect_uri: `${KAWA_URL}/auth/callback`,
      scope: 'openid profile email groups',
      code_challenge_method: 'S256',
    });
    expect(started.headers['set-cookie']).toMatch(/HttpOnly/);

    const back = await loginAtProvider(authorizeUrl, 'dave');
    expect(back.searchParams.get('code')).toBeTruthy();
    const res = await callback(back, state);
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/applications?proj=team');
    const token = setCookieValue(res.headers, 'argocd.token') ?? '';
    expect(token).not.toBe('');

    const me = await api.app.inject({ method: 'GET', url: '/api/v1/session/userinfo', headers: withCookie(token) });
    expect(me.json<Json>()).toEqual({ loggedIn: true, username: 'dave', iss: issuer, groups: ['sso-devs', 'everyone'] });
    // `g, sso-devs, role:team-dev`: team's project is readable, default's is not.
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects/team', headers: withCookie(token) })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects/default', headers: withCookie(token) })).statusCode).toBe(403);
    // A replayed callback gets nothing (the code is single-use at the provider).
    const replay = await callback(back, state);
    expect([replay.statusCode, setCookieValue(replay.headers, 'argocd.token')]).toEqual([401, undefined]);
  });

  it('applies `p` lines written for a group', async () => {
    const token = await ssoLogin('carol');
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects/default', headers: withCookie(token) })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects/team', headers: withCookie(token) })).statusCode).toBe(403);
  });

  it('logs out: the session is refused afterwards', async () => {
    const token = await ssoLogin('erin');
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session/userinfo', headers: withCookie(token) })).json<Json>()).toMatchObject({ username: 'erin', groups: [] });
    const out = await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { ...withCookie(token), 'x-requested-with': 'XMLHttpRequest' } });
    expect(out.statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/session/userinfo', headers: withCookie(token) })).statusCode).toBe(401);
  });

  it('refuses a callback whose state does not match the login this browser started', async () => {
    const first = await startLogin();
    const second = await startLogin();
    const back = await loginAtProvider(first.authorizeUrl, 'dave');
    // The callback of the first login with the second login's cookie (a login CSRF attempt).
    const res = await callback(back, second.state);
    expect(res.statusCode).toBe(401);
    expect(res.json<Json>()['message']).toMatch(/state mismatch/);
    expect(setCookieValue(res.headers, 'argocd.token')).toBeUndefined();
    // A tampered state parameter with the right cookie.
    const tampered = new URL(back);
    tampered.searchParams.set('state', 'x'.repeat(43));
    expect((await callback(tampered, first.state)).statusCode).toBe(401);
  });

  it('refuses a callback without the state cookie, or with a forged one', async () => {
    const { authorizeUrl } = await startLogin();
    const back = await loginAtProvider(authorizeUrl, 'dave');
    const missing = await callback(back, undefined);
    expect([missing.statusCode, missing.json<Json>()['message']]).toEqual([401, expect.stringMatching(/state cookie is missing/)]);
    expect((await callback(back, 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC')).statusCode).toBe(401);
  });

  it('refuses return URLs of another origin (no open redirect)', async () => {
    for (const target of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', 'http://kawa.test.evil.example/', 'javascript:alert(1)']) {
      const res = await api.app.inject({ method: 'GET', url: `/auth/login?return_url=${encodeURIComponent(target)}` });
      expect([target, res.statusCode]).toEqual([target, 400]);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // An absolute URL of kawa's own origin is fine.
    const own = await api.app.inject({ method: 'GET', url: `/auth/login?return_url=${encodeURIComponent(`${KAWA_URL}/applications/guestbook`)}` });
    expect(own.statusCode).toBe(303);
  });

  it('refuses an SSO subject that is the name of a local account', async () => {
    const { authorizeUrl, state } = await startLogin();
    const res = await callback(await loginAtProvider(authorizeUrl, 'alice'), state);
    expect(res.statusCode).toBe(401);
    expect(res.json<Json>()['message']).toMatch(/local account/);
  });
});

describe("the provider's id_tokens as bearer tokens (the CLI's flow)", () => {
  const userinfo = (token: string) => api.app.inject({ method: 'GET', url: '/api/v1/session/userinfo', headers: api.auth(token) });

  it('accepts one signed by the provider for kawa or its CLI client', async () => {
    for (const aud of ['kawa', 'kawa-cli']) {
      const res = await userinfo(await idToken({ sub: 'dave', aud, groups: ['sso-devs'] }));
      expect([aud, res.statusCode, res.json<Json>()]).toEqual([aud, 200, { loggedIn: true, username: 'dave', iss: issuer, groups: ['sso-devs'] }]);
    }
    const token = await idToken({ sub: 'dave', aud: 'kawa-cli', groups: ['sso-devs'] });
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects/team', headers: api.auth(token) })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/projects/default', headers: api.auth(token) })).statusCode).toBe(403);
  });

  it('refuses one signed with another key, an expired one, one for another client, and one naming a local account', async () => {
    const other = await generateKeyPair('RS256');
    const forged = await userinfo(await idToken({ sub: 'dave', aud: 'kawa', groups: ['sso-devs'] }, { key: other.privateKey }));
    expect([forged.statusCode, forged.json<Json>()['message']]).toEqual([401, expect.stringMatching(/not signed by a key/)]);
    const expired = await userinfo(await idToken({ sub: 'dave', aud: 'kawa' }, { expiresIn: -120 }));
    expect([expired.statusCode, expired.json<Json>()['message']]).toEqual([401, expect.stringMatching(/expired/)]);
    expect((await userinfo(await idToken({ sub: 'dave', aud: 'someone-else' }))).statusCode).toBe(401);
    expect((await userinfo(await idToken({ sub: 'admin', aud: 'kawa' }))).statusCode).toBe(401);
  });
});
