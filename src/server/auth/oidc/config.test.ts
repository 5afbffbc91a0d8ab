// oidc.config parsing with secret references, and return-URL checks. The provider round trip is in
// test/e2e/server-sso.test.ts.
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../errors.js';
import { DEFAULT_OIDC_SCOPES, parseOidcConfig, referencedSecrets, safeReturnUrl, type SecretLookup } from './config.js';

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
