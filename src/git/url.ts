// Repository URLs and revisions come from users (Application specs, CLI flags) and end up as git
// arguments, so they are checked against an allow-list before git ever sees them: no option
// injection, no remote-helper transports (`ext::` runs arbitrary commands), no credentials in URLs.
import { UserError, errorCodes } from '../errors.js';

export type RepoUrlScheme = 'https' | 'http' | 'ssh' | 'scp' | 'file';

export interface RepoUrl {
  /** The URL exactly as given: this is what git receives. */
  readonly url: string;
  /** `scp` is the `user@host:path` form. */
  readonly scheme: RepoUrlScheme;
  /** SSH login name (never set for http/https: a user there is a credential). */
  readonly user: string | undefined;
  /** Lower-cased host name, IPv6 literals in brackets; empty for `file://`. */
  readonly host: string;
  /** Explicit port, dropped when it is the scheme's default. */
  readonly port: number | undefined;
  /** Repository path as written (scp paths have no leading `/`). */
  readonly path: string;
  /** Cache key: lower-case scheme and host, no default port, no trailing `/` or `.git`. */
  readonly normalized: string;
}

export interface RepoUrlOptions {
  /** Accept `file://` URLs (tests, local mirrors). Off by default: a local path reads the server's disk. */
  allowFile?: boolean;
  /** Accept a URL with no repository path, such as a credential template `https://github.com/`. */
  allowEmptyPath?: boolean;
}

const defaultPorts: Partial<Record<RepoUrlScheme, number>> = { https: 443, http: 80, ssh: 22, scp: 22 };

// Host names and SSH users: letters, digits and a few separators, never starting with `-`, which
// ssh would read as an option (CVE-2017-1000117).
const hostPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ipv6Pattern = /^\[[0-9A-Fa-f:.]+\]$/;
const userPattern = /^[A-Za-z0-9_][A-Za-z0-9_.~+%-]*$/;

/** Validate a repository URL and split it into parts; throws UserError GIT_URL_INVALID. */
export function parseRepoUrl(raw: string, options: RepoUrlOptions = {}): RepoUrl {
  const fail = (reason: string): never => {
    throw new UserError(errorCodes.GIT_URL_INVALID, `invalid repository URL ${JSON.stringify(redactUrl(raw))}: ${reason}`);
  };
  if (raw === '') fail('it is empty');
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) fail('it contains control characters');
  if (/\s/.test(raw)) fail('it contains whitespace');
  if (raw.startsWith('-')) fail('it starts with "-" and would be read as a git option');
  // git treats `<transport>::<address>` as "run git-remote-<transport>": ext::, fd::, file:: …
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(raw)) fail('remote-helper transports ("<transport>::<address>") are not allowed');
  if (raw.includes('\\')) fail('it contains a backslash');
  if (/[?#]/.test(raw)) fail('query strings and fragments are not supported');

  const withScheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(raw);
  const parts = withScheme ? parseHierarchical(withScheme[1] ?? '', withScheme[2] ?? '', options, fail) : parseScpLike(raw, fail);

  if (parts.path.replace(/^\/+/, '').startsWith('-')) fail('the repository path starts with "-"');
  if (!options.allowEmptyPath && trimRepoPath(parts.path).replace(/^\/+/, '') === '') fail('it names no repository path');

  const port = parts.port === defaultPorts[parts.scheme] ? undefined : parts.port;
  const path = trimRepoPath(parts.path);
  const userAt = parts.user === undefined ? '' : `${parts.user}@`;
  // scp-like paths are relative to the login's home while ssh:// paths are absolute, so the two
  // forms may name different repositories: they get different cache keys.
  const normalized =
    parts.scheme === 'scp'
      ? `${userAt}${parts.host}:${path}`
      : `${parts.scheme}://${userAt}${parts.host}${port === undefined ? '' : `:${port}`}${path}`;
  return { url: raw, scheme: parts.scheme, user: parts.user, host: parts.host, port, path: parts.path, normalized };
}

interface UrlParts {
  scheme: RepoUrlScheme;
  user: string | undefined;
  host: string;
  port: number | undefined;
  path: string;
}

function parseHierarchical(schemeRaw: string, rest: string, options: RepoUrlOptions, fail: (reason: string) => never): UrlParts {
  const scheme = schemeRaw.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh' && scheme !== 'file') {
    return fail(`the "${scheme}" scheme is not supported (use https://, http://, ssh:// or user@host:path)`);
  }
  if (scheme === 'file' && !options.allowFile) fail('file:// URLs are not allowed here');

  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);

  let user: string | undefined;
  if (userinfo !== undefined) {
    // A password, or for http(s) even a bare user name, belongs in the repository credentials where
    // it is kept out of logs and process arguments.
    if (scheme !== 'ssh' || userinfo.includes(':')) fail('credentials in the URL are not allowed; configure them as repository credentials');
    if (!userPattern.test(userinfo)) fail('the user name is not valid');
    user = userinfo;
  }

  const { host, port } = splitHostPort(hostPort, fail);
  if (scheme === 'file') {
    if (host !== '' && host !== 'localhost') fail('a file:// URL must not name a host');
    if (path === '') fail('it names no repository path');
  } else if (host === '') {
    fail('it names no host');
  }
  return { scheme, user, host, port, path };
}

function parseScpLike(raw: string, fail: (reason: string) => never): UrlParts {
  const match = /^([^@/:]+)@(\[[^\]]*\]|[^/:[\]]+):(.*)$/.exec(raw);
  if (!match) return fail('use https://, http://, ssh:// or user@host:path');
  const [, user = '', host = '', path = ''] = match;
  if (!userPattern.test(user)) fail('the user name is not valid');
  if (user.includes(':')) fail('credentials in the URL are not allowed; configure them as repository credentials');
  if (!hostPattern.test(host) && !ipv6Pattern.test(host)) fail('the host name is not valid');
  return { scheme: 'scp', user, host: host.toLowerCase(), port: undefined, path };
}

function splitHostPort(hostPort: string, fail: (reason: string) => never): { host: string; port: number | undefined } {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(hostPort);
  if (!match) return fail('the host name is not valid');
  const host = (match[1] ?? '').toLowerCase();
  if (host !== '' && !hostPattern.test(host) && !ipv6Pattern.test(host)) fail('the host name is not valid');
  const portText = match[2];
  if (portText === undefined || portText === '') return { host, port: undefined };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('the port is not valid');
  return { host, port };
}

/** Drop trailing `/` and one `.git`: `…/repo.git/` and `…/repo` are the same repository. */
function trimRepoPath(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/**
 * The URL with everything up to its last `@` hidden, safe to show in messages even when it held a
 * password, and even one with `/` or `@` in it that a strict parser would split elsewhere.
 */
export function redactUrl(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at === -1) return raw;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(raw)?.[0] ?? '';
  return at < scheme.length ? raw : `${scheme}***${raw.slice(at)}`;
}

/**
 * Validate a revision (branch, tag, `refs/…`, `HEAD` or a commit SHA) before it reaches git;
 * returns it unchanged. Follows git's ref-name rules (git-check-ref-format) plus no leading `-`.
 */
export function validateRevision(revision: string): string {
  const fail = (reason: string): never => {
    throw new UserError(errorCodes.GIT_REVISION_INVALID, `invalid revision ${JSON.stringify(revision)}: ${reason}`);
  };
  if (revision === '') fail('it is empty');
  if (revision.length > 1024) fail('it is longer than 1024 characters');
  if (revision.startsWith('-')) fail('it starts with "-" and would be read as a git option');
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(revision)) fail('it contains control characters');
  if (/\s/.test(revision)) fail('it contains whitespace');
  if (revision.includes('..')) fail('it contains ".."');
  if (/[~^:?*[\\]/.test(revision)) fail('it contains one of ~ ^ : ? * [ \\');
  if (revision.includes('@{') || revision === '@') fail('it uses reflog syntax ("@{" or "@")');
  if (revision.startsWith('/') || revision.endsWith('/') || revision.includes('//')) fail('it has an empty path component');
  if (revision.endsWith('.')) fail('it ends with "."');
  for (const component of revision.split('/')) {
    if (component.startsWith('.')) fail('a path component starts with "."');
    if (component.endsWith('.lock')) fail('a path component ends with ".lock"');
  }
  return revision;
}

/** A full commit SHA (SHA-1 or SHA-256), any case. */
export function isFullSha(revision: string): boolean {
  return /^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(revision);
}

/** Could be an abbreviated commit SHA: 7 or more hex digits. */
export function isShortShaCandidate(revision: string): boolean {
  return /^[0-9a-fA-F]{7,64}$/.test(revision);
}
