// The environment of every git process kawa starts. git reads configuration from many places
// (system and global files, GIT_* variables, url.insteadOf rewrites, credential helpers); a server
// must not depend on any of them, so they are all switched off and kawa's own settings are passed
// through GIT_CONFIG_COUNT/KEY/VALUE, which stays out of the process arguments.
import { devNull } from 'node:os';

export type GitConfigEntry = readonly [key: string, value: string];

/**
 * What git and ssh may see of the parent's environment: where programs and HOME are (ssh's default
 * known_hosts), the temp dir, proxies and CA bundles. Nothing else: kawa's own environment may hold a
 * kubeconfig path or tokens, and a git child's environment is readable by any process of the same user.
 */
const passedThrough = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'TZ',
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'no_proxy',
  'NO_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'SSH_AUTH_SOCK',
]);

/** The parent's PATH, HOME, proxy and CA settings (nothing that configures git), plus isolation settings. */
export function isolatedGitEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined || !passedThrough.has(key)) continue;
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
