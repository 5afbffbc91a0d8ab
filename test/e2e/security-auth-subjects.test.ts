// Issue 13 item 8: subjects that look like project tokens. Project `team` has a role `deployer` that may
// sync its applications. An identity provider user whose subject is `proj:team:deployer` (or whose groups
// claim names it) must not inherit that role: only JWTs kawa issued for the role, still listed in the
// project, act as it. Against a real OpenID Connect provider (oidc-provider on loopback) whose id_tokens
// are obtained through its real code flow, and the real API server.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAtProvider, startOidcProvider, type TestOidcProvider } from '../harness/auth.js';
import { appBody, teamProject, useApiServer, type Json } from '../harness/server-api.js';

const KAWA_URL = 'http://kawa.test';
const CLI_REDIRECT = 'http://localhost:8085/auth/callback';
const ROLE_SUBJECT = 'proj:team:deployer';
/** Users of the provider and their groups claims. */
const USERS: Record<string, string[]> = { [ROLE_SUBJECT]: [], frank: [ROLE_SUBJECT], grace: [] };

let provider: TestOidcProvider;
let issuer = '';

beforeAll(async () => {
  provider = await startOidcProvider(
    [
      { client_id: 'kawa', client_secret: 'subjects-client-secret', redirect_uris: [`${KAWA_URL}/auth/callback`] },
      { client_id: 'kawa-cli', token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: [CLI_REDIRECT] },
    ],
    USERS,
  );
  issuer = provider.issuer;
});

afterAll(async () => {
  await provider.close();
});

const api = useApiServer('sec-subj', {
  configMap: () => ({
    url: KAWA_URL,
    'oidc.config': [`issuer: ${issuer}`, 'name: Test IdP', 'clientID: kawa', 'clientSecret: subjects-client-secret', 'cliClientID: kawa-cli', 'requestedScopes: [openid, email, groups]'].join('\n'),
  }),
});

async function call(method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: Json) {
  const res = await api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Json>() };
}

beforeAll(async () => {
  const admin = api.auth(api.adminToken);
  const project = teamProject();
  (project['spec'] as Json)['roles'] = [
    { name: 'deployer', policies: [`p, ${ROLE_SUBJECT}, applications, sync, team/*, allow`, `p, ${ROLE_SUBJECT}, applications, get, team/*, allow`] },
  ];
  expect((await call('POST', '/api/v1/projects', admin, { project })).status).toBe(200);
  for (const name of ['web', 'control']) {
    const created = await call('POST', '/api/v1/applications', admin, appBody(name, { project: 'team', namespace: 'team-web', repoURL: 'https://github.com/example/web.git' }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
  await api.reloadRbac();
});

/** A real id_token from the provider: the CLI client's authorization code flow with PKCE, for `user`. */
async function providerIdToken(user: string): Promise<string> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string; token_endpoint: string };
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(discovery.authorization_endpoint);
  for (const [key, value] of Object.entries({
    client_id: 'kawa-cli',
    response_type: 'code',
    scope: 'openid email groups',
    redirect_uri: CLI_REDIRECT,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
  })) {
    authorize.searchParams.set(key, value);
  }
  const back = await loginAtProvider(authorize.href, user, CLI_REDIRECT);
  const code = back.searchParams.get('code');
  if (code === null) throw new Error(`no code in ${back.href}`);
  const res = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CLI_REDIRECT, client_id: 'kawa-cli', code_verifier: verifier }),
  });
  const tokens = (await res.json()) as { id_token?: string };
  if (tokens.id_token === undefined) throw new Error(`no id_token: ${JSON.stringify(tokens)}`);
  return tokens.id_token;
}

/** A browser SSO login of `user` through kawa's /auth/login and /auth/callback. */
async function browserLogin(user: string): Promise<{ status: number; token: string | undefined; message: unknown }> {
  const start = await api.app.inject({ method: 'GET', url: '/auth/login?return_url=%2Fapplications' });
  expect(start.statusCode, start.body).toBe(303);
  const stateCookie = String(start.headers['set-cookie']).split(';')[0] ?? '';
  const back = await loginAtProvider(String(start.headers.location), user, KAWA_URL);
  const res = await api.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie: stateCookie } });
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const token = cookies.find((c) => c.startsWith('argocd.token='))?.split(';')[0]?.slice('argocd.token='.length);
  return { status: res.statusCode, token: token === '' ? undefined : token, message: res.statusCode >= 400 ? res.json<Json>()['message'] : undefined };
}

const sync = (app: string, headers: Record<string, string>) => call('POST', `/api/v1/applications/${app}/sync`, headers, {});

async function operationOf(app: string): Promise<unknown> {
  return (await api.getApp(app))['operation'];
}

describe('a subject of the form proj:<project>:<role>', () => {
  it('(control) a token kawa issued for the role may sync', async () => {
    const issued = await call('POST', '/api/v1/projects/team/roles/deployer/token', api.auth(api.adminToken), { id: 'pipeline' });
    expect(issued.status).toBe(200);
    const res = await sync('control', api.auth(String(issued.body['token'])));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await operationOf('control')).toMatchObject({ initiatedBy: { username: ROLE_SUBJECT } });
  });

  it("an id_token of the provider whose sub is proj:team:deployer cannot sync with the role's policies", async () => {
    const idToken = await providerIdToken(ROLE_SUBJECT);
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
    expect(claims).toMatchObject({ iss: issuer, sub: ROLE_SUBJECT, aud: 'kawa-cli' });
    const res = await sync('web', api.auth(idToken));
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body['message']).toMatch(/looks like a project role/);
    expect(await operationOf('web')).toBeUndefined();
  });

  it('an SSO browser login as proj:team:deployer gets no session', async () => {
    const login = await browserLogin(ROLE_SUBJECT);
    expect(login.status).toBe(401);
    expect(login.token).toBeUndefined();
    expect(login.message).toMatch(/looks like a project role/);
  });

  it('a groups claim naming the role grants nothing, by bearer id_token or by session', async () => {
    const idToken = await providerIdToken('frank');
    const me = await call('GET', '/api/v1/session/userinfo', api.auth(idToken));
    expect(me.body).toMatchObject({ username: 'frank', groups: [ROLE_SUBJECT] });
    const byToken = await sync('web', api.auth(idToken));
    expect(byToken.status).toBe(403);

    const login = await browserLogin('frank');
    expect(login.status).toBe(303);
    const bySession = await sync('web', { cookie: `argocd.token=${login.token ?? ''}`, 'x-requested-with': 'XMLHttpRequest' });
    expect(bySession.status).toBe(403);
    expect((await call('GET', '/api/v1/applications/web', { cookie: `argocd.token=${login.token ?? ''}` })).status).toBe(403);
    expect(await operationOf('web')).toBeUndefined();
  });
});
