// The SSO flags of `kawa login` / `kawa relogin`, parsed as commander parses them.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SSO_PORT, booleanValue, ssoPort } from './login.js';

const parse = (...args: string[]): Record<string, unknown> => {
  const command = new Command('login')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .argument('<server>')
    .option('--sso')
    .option('--sso-port <port>', '', ssoPort, DEFAULT_SSO_PORT)
    .option('--sso-launch-browser [bool]', '', booleanValue, true)
    .action(() => undefined);
  command.parse(args, { from: 'user' });
  return command.opts();
};

describe('kawa login --sso flags', () => {
  it.each([
    [['kawa:443', '--sso'], { sso: true, ssoPort: 8085, ssoLaunchBrowser: true }],
    [['kawa:443', '--sso', '--sso-port', '9000', '--sso-launch-browser=false'], { ssoPort: 9000, ssoLaunchBrowser: false }],
    [['kawa:443', '--sso', '--sso-launch-browser'], { ssoLaunchBrowser: true }],
    [['kawa:443', '--sso', '--sso-launch-browser=true'], { ssoLaunchBrowser: true }],
    [['kawa:443', '--sso', '--sso-launch-browser', 'false'], { ssoLaunchBrowser: false }],
  ])('%j', (args, expected) => {
    expect(parse(...args)).toMatchObject(expected);
  });
  it('refuses a port out of range and a non-boolean', () => {
    expect(() => parse('kawa:443', '--sso-port', '70000')).toThrow(/a port number/);
    expect(() => parse('kawa:443', '--sso-port', 'http')).toThrow(/a port number/);
    expect(() => parse('kawa:443', '--sso-launch-browser=maybe')).toThrow(/true or false/);
  });
  it('booleanValue', () => {
    expect([booleanValue(undefined), booleanValue('0'), booleanValue('YES')]).toEqual([true, false, true]);
  });
});
