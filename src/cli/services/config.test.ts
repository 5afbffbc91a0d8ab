// The contexts file: parsing, corrupt files, atomic private writes, login/context bookkeeping.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { addLogin, clearToken, configPath, deleteContext, emptyConfig, findContext, normalizeServer, parseConfig, readConfig, serializeConfig, updateConfig, writeConfig } from './config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kawa-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('configPath', () => {
  it.each([
    [{ KAWA_CONFIG: '/x/c' }, '/x/c'],
    [{ XDG_CONFIG_HOME: '/xdg' }, '/xdg/kawa/config'],
    [{ KAWA_CONFIG: '', XDG_CONFIG_HOME: '/xdg' }, '/xdg/kawa/config'],
  ])('%j → %s', (env, expected) => {
    expect(configPath(env)).toBe(expected);
  });
  it('defaults to ~/.config/kawa/config', () => {
    expect(configPath({})).toMatch(/\.config\/kawa\/config$/);
  });
});

describe('normalizeServer', () => {
  it.each([
    ['localhost:8080', { server: 'localhost:8080' }],
    ['http://localhost:8080/', { server: 'localhost:8080', plaintext: true }],
    ['HTTPS://kawa.example.com', { server: 'kawa.example.com', plaintext: false }],
  ])('%s', (input, expected) => {
    expect(normalizeServer(input)).toEqual(expected);
  });
  it.each(['', 'a b', 'ftp://x'])('refuses %j', (input) => {
    expect(() => normalizeServer(input)).toThrow(expect.objectContaining({ code: errorCodes.CLI_INVALID_ARGUMENT }));
  });
});

describe('parseConfig', () => {
  it('reads argocd-style config', () => {
    const config = parseConfig(
      'current-context: a\ncontexts:\n- {name: a, server: "s:1", user: a}\nservers:\n- {server: "s:1", plain-text: true}\nusers:\n- {name: a, auth-token: t, username: admin}\n',
      'f',
    );
    expect(findContext(config, undefined)).toEqual({
      context: { name: 'a', server: 's:1', user: 'a' },
      server: { server: 's:1', 'plain-text': true },
      user: { name: 'a', 'auth-token': 't', username: 'admin' },
    });
  });
  it.each([
    ['not YAML', 'contexts: [\n  a: b: c\n', /not YAML/],
    ['wrong shape', 'contexts: 3\n', /contexts: /],
    ['missing field', 'contexts:\n- {name: a}\n', /contexts\.0\.server/],
  ])('%s → a clear error', (_what, text, why) => {
    expect(() => parseConfig(text, '/cfg')).toThrow(expect.objectContaining({ code: errorCodes.CLI_CONFIG_INVALID, message: expect.stringMatching(why) as string }));
    expect(() => parseConfig(text, '/cfg')).toThrow(/it was left unchanged/);
  });
  it('an empty file is an empty config', () => {
    expect(parseConfig('', 'f')).toEqual(emptyConfig());
  });
});

describe('files', () => {
  it('a missing file is an empty config; writes are 0600 and create the directory', async () => {
    const file = path.join(dir, 'a', 'b', 'config');
    expect(await readConfig(file)).toEqual(emptyConfig());
    const config = emptyConfig();
    addLogin(config, { contextName: 'c', server: 's:1', insecure: true, plaintext: false, token: 'tok', username: 'admin' });
    await writeConfig(file, config);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readConfig(file)).toEqual(config);
  });
  it('never overwrites a corrupt file', async () => {
    const file = path.join(dir, 'config');
    await writeFile(file, 'users: {{{');
    await expect(updateConfig(file, () => undefined)).rejects.toMatchObject({ code: errorCodes.CLI_CONFIG_INVALID });
    expect(await readFile(file, 'utf8')).toBe('users: {{{');
  });
});

describe('contexts', () => {
  it('login replaces the entries of the same context, deleting keeps shared servers', () => {
    const config = emptyConfig();
    addLogin(config, { contextName: 'one', server: 's:1', insecure: false, plaintext: true, token: 't1' });
    addLogin(config, { contextName: 'one', server: 's:1', insecure: false, plaintext: true, token: 't2' });
    addLogin(config, { contextName: 'two', server: 's:1', insecure: false, plaintext: true, token: 't3' });
    expect(config.contexts.map((c) => c.name)).toEqual(['one', 'two']);
    expect(config.users.find((u) => u.name === 'one')?.['auth-token']).toBe('t2');
    expect(config.currentContext).toBe('two');
    expect(deleteContext(config, 'two')).toBe(true);
    expect(config.currentContext).toBe('one');
    expect(config.servers).toHaveLength(1);
    expect(deleteContext(config, 'one')).toBe(true);
    expect(config).toEqual(emptyConfig());
    expect(deleteContext(config, 'none')).toBe(false);
  });
  it('logout clears only the token', () => {
    const config = emptyConfig();
    addLogin(config, { contextName: 'one', server: 's:1', insecure: false, plaintext: false, token: 't1', username: 'bob' });
    clearToken(config, 'one');
    expect(config.users).toEqual([{ name: 'one', username: 'bob' }]);
  });
  it("keeps an SSO login's refresh token as argocd does, and logout clears it too", () => {
    const config = emptyConfig();
    addLogin(config, { contextName: 'sso', server: 's:1', insecure: false, plaintext: false, token: 'id', refreshToken: 'rt' });
    expect(config.users).toEqual([{ name: 'sso', 'auth-token': 'id', 'refresh-token': 'rt' }]);
    expect(parseConfig(serializeConfig(config), 'f').users).toEqual(config.users);
    clearToken(config, 'sso');
    expect(config.users).toEqual([{ name: 'sso' }]);
  });
});
