// The environment of every git process kawa starts. git reads configuration from many places
// (system and global files, GIT_* variables, url.insteadOf rewrites, credential helpers); a server
// must not depend on any of them, so they are all switched off and kawa's own settings are passed
// through GIT_CONFIG_COUNT/KEY/VALUE, which stays out of the process arguments.
import { devNull } from 'node:os';

export type GitConfigEntry = readonly [key: string, value: string];

/** The parent environment minus anything that configures git, plus isolation settings. */
export function isolatedGitEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined || key.startsWith('GIT_') || key === 'SSH_ASKPASS') continue;
    env[key] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: devNull,
    // Never wait for a human: a missing credential must fail, not hang until the timeout.
    GIT_TERMINAL_PROMPT: '0',
    // Only the protocols allowed below, even where git would trust "user" input.
    GIT_PROTOCOL_FROM_USER: '0',
    // Stable English messages, so failures can be classified.
    LC_ALL: 'C',
    LANGUAGE: 'C',
  };
}

/** Which transports git may use: https, http and ssh; `file` only when allowed; nothing else (no `ext`). */
export function protocolConfig(allowFile: boolean): GitConfigEntry[] {
  return [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['protocol.http.allow', 'always'],
    ['protocol.ssh.allow', 'always'],
    ['protocol.file.allow', allowFile ? 'always' : 'never'],
    ['protocol.ext.allow', 'never'],
    // An empty value clears any helper list, so no stored credential leaks to another host.
    ['credential.helper', ''],
  ];
}

/** `env` plus `config` encoded as GIT_CONFIG_COUNT/KEY_n/VALUE_n (git ≥ 2.31). */
export function withGitConfig(env: Readonly<Record<string, string>>, config: readonly GitConfigEntry[]): Record<string, string> {
  const out: Record<string, string> = { ...env, GIT_CONFIG_COUNT: String(config.length) };
  config.forEach(([key, value], i) => {
    out[`GIT_CONFIG_KEY_${i}`] = key;
    out[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return out;
}
