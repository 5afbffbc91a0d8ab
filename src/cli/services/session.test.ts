// Which server and token a command uses.
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { addLogin, emptyConfig } from './config.js';
import { kawaCommand } from './kawa-command.js';
import { isSsoToken, reloginUser, resolveTarget, ssoReloginTarget, tokenSubject } from './session.js';

const config = emptyConfig();
addLogin(config, { contextName: 'dev', server: 'dev:8080', insecure: true, plaintext: false, token: 'dev-token', username: 'alice' });
addLogin(config, { contextName: 'local', server: 'localhost:8080', insecure: false, plaintext: true, token: 'local-token' });

describe('resolveTarget', () => {
  it.each([
    ['the current context', {}, {}, { server: 'localhost:8080', plaintext: true, insecure: false, token: 'local-token', contextName: 'local' }],
    ['--auth-token wins', { authToken: 'flag' }, { KAWA_AUTH_TOKEN: 'env' }, { token: 'flag' }],
    ['env token', {}, { KAWA_AUTH_TOKEN: 'env' }, { token: 'env' }],
    ['--server of a known context lends its settings', { server: 'dev:8080' }, {}, { server: 'dev:8080', insecure: true, plaintext: false, token: 'dev-token', contextName: 'dev' }],
    ['KAWA_SERVER', {}, { KAWA_SERVER: 'http://other:1' }, { server: 'other:1', plaintext: true, insecure: false, token: undefined }],
    ['explicit https beats the context', { server: 'https://localhost:8080' }, {}, { plaintext: false, token: 'local-token' }],
    ['--plaintext and --insecure add to the context', { plaintext: true, insecure: true }, {}, { plaintext: true, insecure: true }],
  ])('%s', (_name, flags, env, expected) => {
    expect(resolveTarget(flags, env, config)).toMatchObject(expected);
  });
  it('without any server says to log in', () => {
    expect(() => resolveTarget({}, {}, emptyConfig())).toThrow(expect.objectContaining({ code: errorCodes.CLI_NOT_LOGGED_IN, message: expect.stringContaining(kawaCommand('login SERVER')) as string }));
  });
  it('a dangling current context is named', () => {
    expect(() => resolveTarget({}, {}, { ...emptyConfig(), currentContext: 'gone' })).toThrow(/"gone" does not exist/);
  });
});

describe('relogin', () => {
  const jwt = (claims: object): string => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
  it.each([
    [jwt({ sub: 'admin:login' }), 'admin'],
    [jwt({ sub: 'bob' }), 'bob'],
    [jwt({ iss: 'x' }), undefined],
    ['garbage', undefined],
  ])('tokenSubject(%s)', (token, expected) => {
    expect(tokenSubject(token)).toBe(expected);
  });
  it('uses the remembered username, else the token subject', () => {
    expect(reloginUser({ ...config, currentContext: 'dev' })).toMatchObject({ username: 'alice', server: 'dev:8080', insecure: true });
    const c = emptyConfig();
    addLogin(c, { contextName: 'x', server: 'x:1', insecure: false, plaintext: true, token: jwt({ sub: 'carol:login' }) });
    expect(reloginUser(c)).toMatchObject({ username: 'carol', plaintext: true });
    expect(() => reloginUser(emptyConfig())).toThrow(kawaCommand('login SERVER'));
  });
});

describe('SSO contexts', () => {
  const jwt = (claims: object): string => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
  it.each([
    [jwt({ iss: 'https://idp.example.com', sub: 'dave' }), true],
    [jwt({ iss: 'argocd', sub: 'admin:login' }), false],
    [jwt({ sub: 'x' }), false],
    ['garbage', false],
    [undefined, false],
  ])('isSsoToken(%s) → %s', (token, expected) => {
    expect(isSsoToken(token)).toBe(expected);
  });
  it('relogin goes through SSO only for a context holding a provider token', () => {
    const c = emptyConfig();
    addLogin(c, { contextName: 'sso', server: 'k:443', insecure: true, plaintext: false, token: jwt({ iss: 'https://idp', sub: 'dave' }) });
    expect(ssoReloginTarget(c)).toEqual({ contextName: 'sso', server: 'k:443', insecure: true, plaintext: false });
    addLogin(c, { contextName: 'local', server: 'l:80', insecure: false, plaintext: true, token: jwt({ iss: 'argocd', sub: 'admin:login' }) });
    expect(ssoReloginTarget(c)).toBeUndefined();
    expect(ssoReloginTarget(emptyConfig())).toBeUndefined();
  });
});
