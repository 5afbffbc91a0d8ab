// Repository credentials, shaped like the fields of Argo CD repository secrets, and how they reach
// git without ever appearing in process arguments, environments, logs or errors: every secret is
// written to a 0600 file in a private (0700) temp directory that is removed after the command, and
// git reads it from there — passwords through an askpass script that prints the file, a bearer token
// through a config file git includes, keys and certificates as files git or ssh is pointed at. The
// environment of a git process (readable in /proc/<pid>/environ by anything running as the same
// user, e.g. a config management plugin) and its arguments only ever hold paths.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import path from 'node:path';
import { UserError, errorCodes } from '../errors.js';
import type { GitConfigEntry } from './env.js';
import { parseRepoUrl, type RepoUrl } from './url.js';

export interface GitCredentials {
  /** HTTPS user name (with `password`). */
  username?: string;
  /** HTTPS password or personal access token. */
  password?: string;
  /** HTTPS bearer token, sent as an `Authorization: Bearer` header (e.g. Bitbucket Server). */
  bearerToken?: string;
  /** PEM client certificate for HTTPS mutual TLS (with `tlsClientCertKey`). */
  tlsClientCertData?: string;
  /** PEM private key of `tlsClientCertData`. */
  tlsClientCertKey?: string;
  /** PEM CA bundle to trust for this repository's HTTPS server. */
  caData?: string;
  /** SSH private key (OpenSSH or PEM format, no passphrase). */
  sshPrivateKey?: string;
  /** known_hosts lines for SSH; without them the user's default known_hosts file is used. */
  knownHosts?: string;
  /** HTTPS: skip TLS verification. SSH: skip host key checking. Off by default. */
  insecure?: boolean;
}

/** A credential template (Argo CD `repo-creds`): applies to every repository URL under `url`. */
export interface RepoCredsTemplate extends GitCredentials {
  url: string;
}

const credentialFields = [
  'username',
  'password',
  'bearerToken',
  'tlsClientCertData',
  'tlsClientCertKey',
  'caData',
  'sshPrivateKey',
  'knownHosts',
] as const satisfies readonly (keyof GitCredentials)[];

/** True when any credential is set (`insecure` alone is a setting, not a credential). */
export function hasCredentials(creds: GitCredentials | undefined): boolean {
  return creds !== undefined && credentialFields.some((field) => (creds[field] ?? '') !== '');
}

/**
 * The template whose URL is the longest prefix of `url`, like Argo CD. Unlike a plain string
 * prefix, the host must match exactly, so `https://git.example.com` never lends its credentials to
 * `https://git.example.com.attacker.io`. scp-like and ssh:// URLs of the same host and user match
 * each other. Templates with invalid URLs are skipped.
 */
export function findRepoCredsTemplate<T extends RepoCredsTemplate>(url: string, templates: readonly T[]): T | undefined {
  const repo = matchForm(parseRepoUrl(url, { allowFile: true }));
  let best: T | undefined;
  let bestLength = -1;
  for (const template of templates) {
    let prefix: MatchForm;
    try {
      prefix = matchForm(parseRepoUrl(template.url, { allowFile: true, allowEmptyPath: true }));
    } catch {
      continue;
    }
    const sameServer =
      prefix.family === repo.family &&
      prefix.host === repo.host &&
      prefix.port === repo.port &&
      (prefix.user === undefined || prefix.user === repo.user);
    // Strictly longer wins, so on a tie the first template listed is kept.
    if (sameServer && repo.path.startsWith(prefix.path) && prefix.path.length > bestLength) {
      best = template;
      bestLength = prefix.path.length;
    }
  }
  return best;
}

/**
 * The credentials to use for `url`: the repository's own when it has any, otherwise those of the
 * best-matching template (Argo CD inherits from `repo-creds` only when the repository has none).
 */
export function credentialsFor(url: string, own: GitCredentials | undefined, templates: readonly RepoCredsTemplate[]): GitCredentials | undefined {
  if (hasCredentials(own)) return own;
  const template = findRepoCredsTemplate(url, templates);
  if (template === undefined) return own;
  const { url: _url, ...creds } = template;
  return { ...creds, insecure: own?.insecure ?? creds.insecure };
}

interface MatchForm {
  family: 'http' | 'https' | 'ssh' | 'file';
  user: string | undefined;
  host: string;
  port: number | undefined;
  path: string;
}

function matchForm(repo: RepoUrl): MatchForm {
  const family = repo.scheme === 'scp' ? 'ssh' : repo.scheme;
  // Compare paths in normalised form, rooted at `/` for scp-like URLs too.
  const trimmed = repo.path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  const rooted = trimmed.startsWith('/') || trimmed === '' ? trimmed : `/${trimmed}`;
  return { family, user: repo.user, host: repo.host, port: repo.port, path: rooted };
}

/** What a git process needs to authenticate to one repository. */
export interface GitAuth {
  /** Environment variables for the git process: paths only (GIT_ASKPASS, GIT_SSH_COMMAND), never a secret. */
  readonly env: Readonly<Record<string, string>>;
  /** git configuration to pass through GIT_CONFIG_*: paths and settings only (secrets sit in the files named). */
  readonly config: readonly GitConfigEntry[];
  /** Strings to scrub from anything shown to users. */
  readonly secrets: readonly string[];
  /** The private directory holding helper files, if any were needed. */
  readonly dir: string | undefined;
  /** Remove the helper files; safe to call more than once. */
  dispose(): Promise<void>;
}

export interface GitAuthOptions {
  /** Where to create the private helper directory (default: the OS temp directory). */
  tempRoot?: string;
}

// Answers git's "Username for …" / "Password for …" prompts by printing a file beside the script, so
// the script holds no secret and the secret is in neither argv nor any environment. git takes the
// answer up to the first newline.
const askPassScript = (dir: string): string => `#!/bin/sh
case "$1" in
  [Uu]sername*) exec cat -- ${shellQuote(path.join(dir, 'username'))} ;;
  *) exec cat -- ${shellQuote(path.join(dir, 'password'))} ;;
esac
`;

/** A git config value in double quotes, backslashes and quotes escaped (callers refuse line breaks). */
function gitConfigQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Prepare the environment, config and helper files that let git authenticate to `repo` with
 * `creds`. Credentials that do not apply to the URL's transport are ignored. Always call
 * `dispose()` (see withGitAuth).
 */
export async function prepareGitAuth(repo: RepoUrl, creds: GitCredentials | undefined, options: GitAuthOptions = {}): Promise<GitAuth> {
  const env: Record<string, string> = {};
  const config: GitConfigEntry[] = [];
  const secrets: string[] = [];
  let dir: string | undefined;
  const privateDir = async (): Promise<string> => {
    // mkdtemp creates the directory with mode 0700: only this user can list or read it.
    dir ??= await mkdtemp(path.join(options.tempRoot ?? tmpdir(), 'kawa-git-auth-'));
    return dir;
  };
  const writePrivate = async (name: string, content: string, mode: number): Promise<string> => {
    const file = path.join(await privateDir(), name);
    await writeFile(file, content, { mode, flag: 'wx' });
    await chmod(file, mode); // the umask may have narrowed `mode`; make it exact
    return file;
  };
  const dispose = async (): Promise<void> => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  };

  try {
    if (repo.scheme === 'http' || repo.scheme === 'https') {
      await prepareHttps(creds ?? {}, { env, config, secrets, writePrivate, privateDir });
    } else if (repo.scheme === 'ssh' || repo.scheme === 'scp') {
      await prepareSsh(creds ?? {}, { env, secrets, writePrivate });
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return { env, config, secrets, get dir() { return dir; }, dispose };
}

/** Run `fn` with prepared auth and remove the helper files afterwards, whatever happens. */
export async function withGitAuth<T>(repo: RepoUrl, creds: GitCredentials | undefined, options: GitAuthOptions, fn: (auth: GitAuth) => Promise<T>): Promise<T> {
  const auth = await prepareGitAuth(repo, creds, options);
  try {
    return await fn(auth);
  } finally {
    await auth.dispose();
  }
}

interface Sink {
  env: Record<string, string>;
  config: GitConfigEntry[];
  secrets: string[];
  writePrivate: (name: string, content: string, mode: number) => Promise<string>;
  privateDir: () => Promise<string>;
}

async function prepareHttps(creds: GitCredentials, sink: Sink): Promise<void> {
  const { env, config, secrets, writePrivate, privateDir } = sink;
  if (nonEmpty(creds.username) || nonEmpty(creds.password)) {
    await writePrivate('username', `${creds.username ?? ''}\n`, 0o600);
    await writePrivate('password', `${creds.password ?? ''}\n`, 0o600);
    env.GIT_ASKPASS = await writePrivate('askpass.sh', askPassScript(await privateDir()), 0o700);
    addSecret(secrets, creds.password);
  }
  if (nonEmpty(creds.bearerToken)) {
    // A line break would smuggle another header (or config line) in.
    if (/[\r\n]/.test(creds.bearerToken)) throw new UserError(errorCodes.GIT_AUTH_FAILED, 'the repository bearer token holds a line break');
    // Not as GIT_CONFIG_VALUE_n (the environment): in a config file that git includes.
    const header = `Authorization: Bearer ${creds.bearerToken}`;
    config.push(['include.path', await writePrivate('auth.gitconfig', `[http]\n\textraHeader = ${gitConfigQuote(header)}\n`, 0o600)]);
    addSecret(secrets, creds.bearerToken);
  }
  if (nonEmpty(creds.caData)) {
    config.push(['http.sslCAInfo', await writePrivate('ca.pem', pemText(creds.caData), 0o600)]);
  }
  if (nonEmpty(creds.tlsClientCertData) && nonEmpty(creds.tlsClientCertKey)) {
    config.push(['http.sslCert', await writePrivate('client.crt', pemText(creds.tlsClientCertData), 0o600)]);
    config.push(['http.sslKey', await writePrivate('client.key', pemText(creds.tlsClientCertKey), 0o600)]);
    addSecret(secrets, creds.tlsClientCertKey);
  }
  if (creds.insecure) config.push(['http.sslVerify', 'false']);
}

async function prepareSsh(creds: GitCredentials, sink: Omit<Sink, 'config' | 'privateDir'>): Promise<void> {
  const { env, secrets, writePrivate } = sink;
  // BatchMode: fail instead of asking for a passphrase or a host-key confirmation.
  const args = ['ssh', '-o', 'BatchMode=yes'];
  if (nonEmpty(creds.sshPrivateKey)) {
    // ssh refuses keys readable by others, and needs the final newline.
    const keyFile = await writePrivate('id_key', pemText(creds.sshPrivateKey), 0o600);
    args.push('-i', keyFile, '-o', 'IdentitiesOnly=yes');
    addSecret(secrets, creds.sshPrivateKey);
  }
  if (creds.insecure) {
    args.push('-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${devNull}`);
  } else {
    args.push('-o', 'StrictHostKeyChecking=yes');
    if (nonEmpty(creds.knownHosts)) {
      args.push('-o', `UserKnownHostsFile=${await writePrivate('known_hosts', pemText(creds.knownHosts), 0o600)}`);
    }
  }
  // git runs GIT_SSH_COMMAND through a shell, so every word is quoted.
  env.GIT_SSH_COMMAND = args.map(shellQuote).join(' ');
  env.GIT_SSH_VARIANT = 'ssh';
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function pemText(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Remember a secret, and each long line of a multi-line one (a key may be quoted line by line). */
function addSecret(secrets: string[], value: string | undefined): void {
  if (!nonEmpty(value)) return;
  secrets.push(value);
  for (const line of value.split(/\r?\n/)) {
    if (line.length >= 16 && !line.startsWith('-----')) secrets.push(line.trim());
  }
}

/** Single-quote a word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Replace every secret in `text` with `***`, also in URL-encoded and Basic-auth forms, and any
 * `Authorization:` header value or `user:password@` in a URL. Secrets shorter than 4 characters are
 * left alone: hiding every "a" would make messages unreadable and protect nothing.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret, 'utf8').toString('base64'));
  }
  // Longest first, so a secret that contains another is hidden whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  return out
    .replace(/(authorization:\s*)\S+(\s+\S+)?/gi, '$1***')
    .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/\s@]*@/g, '$1***@');
}
