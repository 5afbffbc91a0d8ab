// The pure parts of `kawa login --sso` and its loopback listener (a real socket on 127.0.0.1): which
// client and scopes, the authorization request (PKCE S256, state, nonce), the callback checks, and the
// messages that say what to do next.
import { createServer } from 'node:net';
import { Configuration } from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import {
  authorizationRequest,
  checkCallback,
  constantTimeEqual,
  describeProviderError,
  discoverProvider,
  findOnPath,
  listenForCallback,
  redirectUriFor,
  ssoClientSettings,
  type CallbackListener,
} from './sso.js';
import { kawaCommand } from './kawa-command.js';

/** The command the hints print, as a regular expression. */
const SSO_LOGIN = kawaCommand('login SERVER --sso').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('ssoClientSettings', () => {
  it('uses the CLI client when there is one, and always asks for openid', () => {
    expect(ssoClientSettings({ oidcConfig: { name: 'Okta', issuer: 'https://idp', clientID: 'web', cliClientID: 'cli', scopes: ['groups', 'email'] } }, 'kawa:443')).toEqual({
      name: 'Okta',
      issuer: 'https://idp',
      clientID: 'cli',
      scopes: ['openid', 'groups', 'email'],
      idTokenClaims: undefined,
    });
  });
  it("falls back to the server's client and argocd's default scopes", () => {
    expect(ssoClientSettings({ oidcConfig: { issuer: 'https://idp', clientID: 'web', cliClientID: '' } }, 'kawa:443')).toMatchObject({
      name: 'SSO',
      clientID: 'web',
      scopes: ['openid', 'profile', 'email', 'groups'],
    });
  });
  it('says what to do when the server has no SSO', () => {
    expect(() => ssoClientSettings({ url: 'https://kawa' }, 'kawa:443')).toThrow(
      expect.objectContaining({ code: errorCodes.CLI_SSO_FAILED, message: expect.stringMatching(/kawa:443 has no SSO configured.*--username\/--password/) as string }),
    );
    expect(() => ssoClientSettings({ oidcConfig: { issuer: 'https://idp' } }, 'kawa:443')).toThrow(/names no OIDC client ID/);
  });
});

describe('redirectUriFor', () => {
  it("is argocd's loopback redirect", () => {
    expect(redirectUriFor(8085)).toBe('http://localhost:8085/auth/callback');
  });
});

describe('constantTimeEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', true],
  ])('%s = %s → %s', (a, b, equal) => {
    expect(constantTimeEqual(a, b)).toBe(equal);
  });
});

describe('checkCallback', () => {
  const STATE = 's'.repeat(43);
  const q = (params: Record<string, string>): URLSearchParams => new URLSearchParams(params);
  it('accepts the answer of this login with a code', () => {
    expect(() => {
      checkCallback(q({ code: 'c', state: STATE }), STATE);
    }).not.toThrow();
  });
  it.each([
    ['another state', { code: 'c', state: 'x'.repeat(43) }],
    ['no state', { code: 'c' }],
    ['a refusal with another state', { error: 'access_denied', state: 'x' }],
  ])('refuses %s as a state mismatch', (_name, params) => {
    expect(() => {
      checkCallback(q(params), STATE);
    }).toThrow(expect.objectContaining({ code: errorCodes.CLI_SSO_FAILED, message: expect.stringMatching(new RegExp(`^state mismatch: .*nothing was stored: run \`${SSO_LOGIN}\` again`)) as string }));
  });
  it('reports a denial with what to do', () => {
    expect(() => {
      checkCallback(q({ error: 'access_denied', error_description: 'End-User aborted interaction', state: STATE }), STATE);
    }).toThrow(new RegExp(`^the login was denied at the identity provider \\(access_denied: End-User aborted interaction\\): run \`${SSO_LOGIN}\` again`));
  });
  it("reports the provider's other refusals, with its control characters removed", () => {
    expect(() => {
      checkCallback(q({ error: 'invalid_request', error_description: 'bad\nredirect_uri', state: STATE }), STATE);
    }).toThrow(/^the identity provider refused the login \(invalid_request: bad redirect_uri\): check the CLI client/);
  });
  it('needs a code', () => {
    expect(() => {
      checkCallback(q({ state: STATE }), STATE);
    }).toThrow(/no authorization code/);
  });
});

describe('describeProviderError', () => {
  it.each([
    ['an OAuth error body', { error: 'invalid_grant', error_description: 'grant request is invalid' }, 'invalid_grant: grant request is invalid'],
    ['a refused connection', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'connection refused'],
    ['an unknown host', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), 'the host name does not resolve'],
    ['anything else', new Error('"response" is not a conform Authorization Server Metadata response'), '"response" is not a conform Authorization Server Metadata response'],
  ])('%s', (_name, err, expected) => {
    expect(describeProviderError(err)).toBe(expected);
  });
});

describe('discoverProvider', () => {
  it('says the provider is unreachable, and what to check', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => {
      resolve();
    }));
    await expect(discoverProvider({ name: 'x', issuer: `http://127.0.0.1:${String(port)}`, clientID: 'cli', scopes: ['openid'] })).rejects.toThrow(
      expect.objectContaining({
        code: errorCodes.CLI_SSO_FAILED,
        message: expect.stringMatching(/^cannot reach the identity provider http:\/\/127\.0\.0\.1:\d+ \(connection refused\): check that it runs/) as string,
      }),
    );
  });
  it('refuses a plain-http issuer that is not loopback, and one that is not a URL', async () => {
    await expect(discoverProvider({ name: 'x', issuer: 'http://idp.example.com', clientID: 'cli', scopes: ['openid'] })).rejects.toThrow(/plain http: ask the administrator for an https issuer/);
    await expect(discoverProvider({ name: 'x', issuer: 'not a url', clientID: 'cli', scopes: ['openid'] })).rejects.toThrow(/is not a URL/);
  });
});

describe('authorizationRequest', () => {
  const sso = { name: 'IdP', issuer: 'https://idp.example.com', clientID: 'cli', scopes: ['openid', 'groups'] };
  const config = (metadata: Record<string, unknown> = {}): Configuration =>
    new Configuration({ issuer: sso.issuer, authorization_endpoint: `${sso.issuer}/auth`, token_endpoint: `${sso.issuer}/token`, code_challenge_methods_supported: ['S256'], ...metadata }, 'cli');

  it('asks for a code with PKCE S256, state and nonce for the CLI client', async () => {
    const request = await authorizationRequest(config(), sso, redirectUriFor(8085));
    const params = Object.fromEntries(request.url.searchParams);
    expect(request.url.origin + request.url.pathname).toBe('https://idp.example.com/auth');
    expect(params).toEqual({
      client_id: 'cli',
      redirect_uri: 'http://localhost:8085/auth/callback',
      response_type: 'code',
      scope: 'openid groups',
      state: request.state,
      nonce: request.nonce,
      code_challenge: expect.stringMatching(/^[\w-]{43}$/) as string,
      code_challenge_method: 'S256',
    });
    expect(params['code_challenge']).not.toBe(request.verifier);
    // Fresh secrets each time.
    const again = await authorizationRequest(config(), sso, redirectUriFor(8085));
    expect([again.state, again.nonce, again.verifier]).not.toEqual([request.state, request.nonce, request.verifier]);
  });
  it('uses the given state, asks for offline_access when offered, and passes the id_token claims', async () => {
    const request = await authorizationRequest(config({ scopes_supported: ['openid', 'offline_access'] }), { ...sso, idTokenClaims: { groups: { essential: true } } }, redirectUriFor(1), 'the-state');
    expect(request.state).toBe('the-state');
    expect(request.url.searchParams.get('state')).toBe('the-state');
    expect(request.url.searchParams.get('scope')).toBe('openid groups offline_access');
    expect(JSON.parse(request.url.searchParams.get('claims') ?? '')).toEqual({ id_token: { groups: { essential: true } } });
  });
  it('refuses a provider without S256', async () => {
    await expect(authorizationRequest(config({ code_challenge_methods_supported: ['plain'] }), sso, redirectUriFor(8085))).rejects.toThrow(/does not support PKCE with S256/);
  });
});

describe('listenForCallback', () => {
  const STATE = 'st'.repeat(22);
  let listener: CallbackListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  it('answers one callback of this login, then stops listening', async () => {
    listener = await listenForCallback(0, STATE);
    const base = `http://127.0.0.1:${String(listener.port)}`;
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(404);
    const res = await fetch(`${base}/auth/callback?code=abc&state=${STATE}&iss=x`);
    expect([res.status, await res.text()]).toEqual([200, expect.stringContaining('Login complete')]);
    expect(Object.fromEntries(await listener.result)).toEqual({ code: 'abc', state: STATE, iss: 'x' });
    await expect(fetch(`${base}/auth/callback?code=abc&state=${STATE}`)).rejects.toThrow();
  });

  it('refuses a callback with another state and tells the browser why', async () => {
    listener = await listenForCallback(0, STATE);
    const res = await fetch(`http://127.0.0.1:${String(listener.port)}/auth/callback?code=abc&state=other`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('state mismatch');
    await expect(listener.result).rejects.toThrow(/^state mismatch/);
  });

  it('gives up after the timeout, saying what to do', async () => {
    listener = await listenForCallback(0, STATE, 50);
    await expect(listener.result).rejects.toThrow(new RegExp(`^no login came back to http://localhost:\\d+/auth/callback within 0 s: run \`${SSO_LOGIN}\` again`));
  });

  it('names the port in use and the flag to change it', async () => {
    const taken = await listenForCallback(0, STATE);
    try {
      await expect(listenForCallback(taken.port, STATE)).rejects.toThrow(new RegExp(`port ${String(taken.port)} on 127\\.0\\.0\\.1 is in use; .*--sso-port`));
    } finally {
      await taken.close();
    }
  });
});

describe('findOnPath', () => {
  it('finds executables on PATH only', () => {
    expect(findOnPath('sh', { PATH: '/nonexistent:/bin:/usr/bin' })).toMatch(/\/sh$/);
    expect(findOnPath('sh', { PATH: '' })).toBeUndefined();
    expect(findOnPath('no-such-command-kawa', { PATH: '/bin:/usr/bin' })).toBeUndefined();
  });
});
