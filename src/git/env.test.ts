import { devNull } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isolatedGitEnv, protocolConfig, withGitConfig } from './env.js';

describe('isolatedGitEnv', () => {
  it('keeps only PATH, HOME, proxies and the like of the parent (no git settings, no kubeconfig, no tokens) and adds isolation', () => {
    const env = isolatedGitEnv({
      PATH: '/bin',
      HOME: '/home/x',
      GIT_DIR: '/elsewhere',
      GIT_SSH_COMMAND: 'evil',
      GIT_CONFIG_PARAMETERS: "'url.x.insteadOf'='y'",
      SSH_ASKPASS: '/bin/ask',
      KUBECONFIG: '/home/x/.kube/config',
      ARGOCD_AUTH_TOKEN: 'secret',
      https_proxy: 'http://proxy:3128',
    });
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/x',
      https_proxy: 'http://proxy:3128',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: devNull,
      GIT_TERMINAL_PROMPT: '0',
      GIT_PROTOCOL_FROM_USER: '0',
      LC_ALL: 'C',
      LANGUAGE: 'C',
    });
  });
});

describe('withGitConfig', () => {
  it('encodes entries as GIT_CONFIG_COUNT/KEY_n/VALUE_n', () => {
    expect(withGitConfig({ A: '1' }, [['http.extraHeader', 'Authorization: Bearer t'], ['gc.auto', '0']])).toEqual({
      A: '1',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: 'Authorization: Bearer t',
      GIT_CONFIG_KEY_1: 'gc.auto',
      GIT_CONFIG_VALUE_1: '0',
    });
  });

  it('allows the file protocol only on request and never ext', () => {
    expect(Object.fromEntries(protocolConfig(false))).toMatchObject({ 'protocol.allow': 'never', 'protocol.file.allow': 'never', 'protocol.ext.allow': 'never' });
    expect(Object.fromEntries(protocolConfig(true))).toMatchObject({ 'protocol.file.allow': 'always' });
  });
});
