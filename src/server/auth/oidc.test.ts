// The pure parts of SSO: oidc.config parsing with secret references, return-URL checks, the sealed
// login state, and identities from claims. The provider round trip is in test/e2e/server-sso.test.ts.
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { DEFAULT_OIDC_SCOPES, identityOf, openLoginState, parseOidcConfig, referencedSecrets, safeReturnUrl, sealLoginState, stateCookie, type SecretLookup } from './oidc.js';

const secrets: Record<string, Record<string, string>> = {
  '': { 'oidc.clientSecret': 'from-argocd-secret\n' },
  'idp-secret': { clientSecret: 'from-idp-secret' },
};
const lookup: SecretLookup = (name) => secrets[name ?? ''];

const yaml = (lines: string[]): string => lines.join('\n');

describe('parseOidcConfig', () => {
  it('reads Argo CD oidc.config with its defaults', () => {
    const { config, problems } = parseOidcConfig(yaml(['name: Okta', 'issuer: https://idp.example.com', 'clientID: kawa']), lookup);
    expect(problems).toEqual([]);
    expect(config).toEqual({
      name: 'Okta',
      issuer: 'https://idp.example.com',
      clientID: 'kawa',
      clientSecret: undefined,
      cliClientID: undefined,
      requestedScopes: DEFAULT_OIDC_SCOPES,
      requestedIDTokenClaims: undefined,
      logoutURL: undefined,
      audiences: ['kawa'],
    });
  });

  it('resolves $key from argocd-secret (trimmed) and $secret:key from a labelled Secret', () => {
    expect(parseOidcConfig(yaml(['issuer: https://idp', 'clientID: a', 'clientSecret: $oidc.clientSecret']), lookup).config?.clientSecret).toBe('from-argocd-secret');
    expect(parseOidcConfig(yaml(['issuer: https://idp', 'clientID: a', 'clientSecret: $idp-secret:clientSecret']), lookup).config?.clientSecret).toBe('from-idp-secret');
    expect(parseOidcConfig(yaml(['issuer: https://idp', 'clientID: $idp-secret:clientSecret']), lookup).config?.clientID).toBe('from-idp-secret');
  });

  it('turns SSO off when a reference cannot be resolved, naming it', () => {
    const missing = parseOidcConfig(yaml(['issuer: https://idp', 'clientID: a', 'clientSecret: $nope']), lookup);
    expect(missing).toEqual({ config: undefined, problems: ['oidc.config.clientSecret: references key "nope" of argocd-secret, which does not exist'] });
    const other = parseOidcConfig(yaml(['issuer: https://idp', 'clientID: a', 'clientSecret: $unlabelled:key']), lookup);
    expect(other.problems[0]).toMatch(/Secret unlabelled .*app.kubernetes.io\/part-of: argocd/);
  });

  it('lists the other Secrets a config references', () => {
    expect([...referencedSecrets({ a: '$x:k', b: ['$y:k', '$plain', 'literal'], c: { d: '$x:j' } })]).toEqual(['x', 'y']);
  });

  it('takes cliClientID, scopes, ID-token claims, allowed audiences and logoutURL', () => {
    const { config } = parseOidcConfig(
      yaml([
        'issuer: https://idp',
        'clientID: web',
        'cliClientID: cli',
        'requestedScopes: [openid, groups]',
        'requestedIDTokenClaims: {groups: {essential: true}}',
        'logoutURL: https://idp/logout?id_token_hint={{token}}',
      ]),
      lookup,
    );
    expect(config).toMatchObject({ cliClientID: 'cli', requestedScopes: ['openid', 'groups'], requestedIDTokenClaims: { groups: { essential: true } }, audiences: ['web', 'cli'] });
    expect(parseOidcConfig(yaml(['issuer: https://idp', 'clientID: web', 'allowedAudiences: [x]']), lookup).config?.audiences).toEqual(['x']);
  });

  it('refuses bad YAML, missing fields and plain-http issuers off loopback', () => {
    expect(parseOidcConfig('issuer: [', lookup).problems[0]).toMatch(/^oidc.config: not valid YAML/);
    expect(parseOidcConfig('issuer: https://idp', lookup).problems).toEqual([expect.stringMatching(/^oidc.config.clientID: /)]);
    expect(parseOidcConfig(yaml(['issuer: http://idp.example.com', 'clientID: a']), lookup).problems[0]).toMatch(/must be https/);
    expect(parseOidcConfig(yaml(['issuer: http://127.0.0.1:5556/dex', 'clientID: a']), lookup).problems).toEqual([]);
    expect(parseOidcConfig(undefined, lookup)).toEqual({ config: undefined, problems: [] });
  });
});

describe('safeReturnUrl', () => {
  const base = 'https://kawa.example.com';
  it.each([
    [undefined, '/'],
    ['', '/'],
    ['/applications?proj=a#x', '/applications?proj=a#x'],
    ['https://kawa.example.com/applications', 'https://kawa.example.com/applications'],
  ])('allows %s → %s', (input, expected) => {
    expect(safeReturnUrl(input, base)).toBe(expected);
  });

  it.each(['https://evil.example/', '//evil.example/x', '/\\evil.example', 'http://kawa.example.com/', 'https://kawa.example.com.evil.example/', 'javascript:alert(1)', '/a\nb'])('refuses %s', (input) => {
    expect(() => safeReturnUrl(input, base)).toThrow(expect.objectContaining({ code: errorCodes.AUTH_SSO_FAILED }));
  });
});

describe('the sealed login state', () => {
  const state = { state: 's', nonce: 'n', verifier: 'v'.repeat(43), returnTo: '/', issuer: 'https://idp', clientID: 'kawa' };

  it('opens with the same key within 5 minutes, and not after', async () => {
    const sealed = await sealLoginState(state, 'key-1', 1000);
    expect(await openLoginState(sealed, 'key-1', 1299)).toEqual(state);
    await expect(openLoginState(sealed, 'key-1', 1301)).rejects.toThrow(/expired/);
  });

  it('refuses another key and a tampered cookie', async () => {
    const sealed = await sealLoginState(state, 'key-1', 1000);
    await expect(openLoginState(sealed, 'key-2', 1000)).rejects.toThrow(/not valid/);
    const parts = sealed.split('.');
    parts[3] = (parts[3] ?? '').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    await expect(openLoginState(parts.join('.'), 'key-1', 1000)).rejects.toThrow(/not valid/);
  });

  it('is an HttpOnly, Lax cookie scoped to the callback', () => {
    expect(stateCookie('v', true)).toBe('argocd.oauthstate=v; Path=/auth/callback; HttpOnly; SameSite=Lax; Max-Age=300; Secure');
    expect(stateCookie('', false)).toBe('argocd.oauthstate=; Path=/auth/callback; HttpOnly; SameSite=Lax; Max-Age=0');
  });
});

describe('identityOf', () => {
  it('takes sub, email, and the groups of the claims argocd-rbac-cm scopes names', () => {
    const claims = { sub: 'u1', iss: 'https://idp', email: 'u1@example.com', groups: ['a', 'b'], roles: 'r' };
    expect(identityOf(claims, ['groups'])).toEqual({ sub: 'u1', issuer: 'https://idp', groups: ['a', 'b'], email: 'u1@example.com' });
    expect(identityOf(claims, ['groups', 'email', 'roles']).groups).toEqual(['a', 'b', 'u1@example.com', 'r']);
  });
});
