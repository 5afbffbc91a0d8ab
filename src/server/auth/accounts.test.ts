// Pure parsing of argocd-cm / argocd-secret data. AccountStore against the API server: test/e2e/server-auth-accounts.test.ts.
import { describe, expect, it } from 'vitest';
import {
  formatTokens,
  parseAuthSettings,
  parseCapabilities,
  parseGoBool,
  parseRfc3339,
  parseTokens,
  secretKeys,
  type Account,
} from './accounts.js';

describe('parseAuthSettings', () => {
  const accountOf = (cm: Record<string, string>, secret: Record<string, string> = {}, name = 'alice'): Account | undefined =>
    parseAuthSettings(cm, secret).accounts.get(name);

  it('always has admin, with login, enabled', () => {
    const admin = accountOf({}, { 'admin.password': '$2a$10$x', 'admin.passwordMtime': '2024-05-01T10:00:00Z' }, 'admin');
    expect(admin).toEqual({
      name: 'admin',
      enabled: true,
      capabilities: ['login'],
      passwordHash: '$2a$10$x',
      passwordMtime: new Date('2024-05-01T10:00:00Z'),
      tokens: [],
    });
  });

  it.each([
    ['admin.enabled false disables admin', { 'admin.enabled': 'false' }, { enabled: false }],
    ['accounts.admin adds apiKey to admin', { 'accounts.admin': 'apiKey, login' }, { capabilities: ['apiKey', 'login'] }],
  ])('%s', (_name, cm, expected) => {
    expect(accountOf(cm, {}, 'admin')).toMatchObject(expected);
  });

  it.each([
    ['capabilities', { 'accounts.alice': 'apiKey, login' }, {}, { enabled: true, capabilities: ['apiKey', 'login'] }],
    ['apiKey only', { 'accounts.alice': 'apiKey' }, {}, { capabilities: ['apiKey'] }],
    ['no capabilities', { 'accounts.alice': '' }, {}, { capabilities: [] }],
    ['disabled', { 'accounts.alice': 'login', 'accounts.alice.enabled': 'false' }, {}, { enabled: false }],
    ['Go-style bools', { 'accounts.alice': 'login', 'accounts.alice.enabled': 'F' }, {}, { enabled: false }],
    ['explicitly enabled', { 'accounts.alice': 'login', 'accounts.alice.enabled': 'true' }, {}, { enabled: true }],
    [
      'password and tokens from the Secret',
      { 'accounts.alice': 'apiKey, login' },
      { 'accounts.alice.password': '$2b$10$h', 'accounts.alice.passwordMtime': '2024-05-01T10:00:00.250Z', 'accounts.alice.tokens': '[{"id":"t1","iat":1714557600,"exp":1714644000},{"id":"t2","iat":1714557601}]' },
      {
        passwordHash: '$2b$10$h',
        passwordMtime: new Date('2024-05-01T10:00:00.250Z'),
        tokens: [
          { id: 't1', iat: 1714557600, exp: 1714644000 },
          { id: 't2', iat: 1714557601 },
        ],
      },
    ],
    ['unknown capability disables', { 'accounts.alice': 'login, superuser' }, {}, { enabled: false }],
    ['bad enabled flag disables', { 'accounts.alice': 'login', 'accounts.alice.enabled': 'nope' }, {}, { enabled: false }],
    ['unreadable tokens disable', { 'accounts.alice': 'apiKey' }, { 'accounts.alice.tokens': '{not json' }, { enabled: false, tokens: [] }],
    ['unreadable mtime disables', { 'accounts.alice': 'login' }, { 'accounts.alice.passwordMtime': 'yesterday' }, { enabled: false }],
  ])('%s', (_name, cm, secret, expected) => {
    expect(accountOf(cm, secret)).toMatchObject(expected);
  });

  it('names each problem and the account it disables', () => {
    const settings = parseAuthSettings({ 'accounts.alice': 'login, root', 'accounts.bad:name': 'login', 'users.session.duration': 'forever' }, {});
    expect(settings.problems).toEqual([
      expect.stringMatching(/^argocd-cm accounts\.bad:name: account name "bad:name" is not allowed/),
      'argocd-cm accounts.alice: unknown capability "root" (expected login or apiKey); account alice is disabled until this is fixed',
      expect.stringMatching(/^argocd-cm users\.session\.duration: "forever" is not a positive duration/),
    ]);
    expect(settings.accounts.has('bad:name')).toBe(false);
  });

  it('ignores a name that is too long', () => {
    expect(parseAuthSettings({ [`accounts.${'a'.repeat(33)}`]: 'login' }, {}).accounts.size).toBe(1);
  });

  it.each([
    [undefined, 24 * 3_600_000],
    ['1h', 3_600_000],
    ['90m', 5_400_000],
    ['0s', 24 * 3_600_000],
  ])('users.session.duration %j', (raw, ms) => {
    expect(parseAuthSettings(raw === undefined ? {} : { 'users.session.duration': raw }, {}).sessionDurationMs).toBe(ms);
  });

  it('reads server.secretkey', () => {
    expect(parseAuthSettings({}, { 'server.secretkey': 'k' }).secretKey).toBe('k');
    expect(parseAuthSettings({}, { 'server.secretkey': '' }).secretKey).toBeUndefined();
  });
});

describe('small parsers', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['T', true],
    [' false ', false],
    ['0', false],
    ['yes', undefined],
  ])('parseGoBool(%j)', (raw, value) => {
    expect(parseGoBool(raw)).toBe(value);
  });

  it('parseCapabilities dedupes and rejects unknown ones', () => {
    expect(parseCapabilities('login,login , apiKey,')).toEqual(['login', 'apiKey']);
    expect(() => parseCapabilities('Login')).toThrow(/unknown capability "Login"/);
  });

  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123456789Z', '2024-05-01T10:00:00.123Z'],
  ])('parseRfc3339(%s)', (raw, iso) => {
    expect(parseRfc3339(raw).toISOString()).toBe(iso);
  });

  it.each([['2024-05-01'], ['2024-05-01 10:00:00'], ['2024-13-01T10:00:00Z']])('parseRfc3339 rejects %s', (raw) => {
    expect(() => parseRfc3339(raw)).toThrow();
  });

  it('round-trips tokens, dropping exp 0', () => {
    expect(parseTokens('[{"id":"a","iat":1,"exp":0},{"id":"b","iat":"2","exp":3}]')).toEqual([
      { id: 'a', iat: 1 },
      { id: 'b', iat: 2, exp: 3 },
    ]);
    expect(formatTokens([{ id: 'a', iat: 1 }, { id: 'b', iat: 2, exp: 3 }])).toBe('[{"id":"a","iat":1},{"id":"b","iat":2,"exp":3}]');
    expect(parseTokens('')).toEqual([]);
    expect(parseTokens('null')).toEqual([]);
    expect(() => parseTokens('[{"iat":1}]')).toThrow(/not a list of/);
  });

  it('secretKeys', () => {
    expect(secretKeys('admin')).toEqual({ password: 'admin.password', passwordMtime: 'admin.passwordMtime', tokens: 'admin.tokens' });
    expect(secretKeys('alice')).toEqual({ password: 'accounts.alice.password', passwordMtime: 'accounts.alice.passwordMtime', tokens: 'accounts.alice.tokens' });
  });
});
