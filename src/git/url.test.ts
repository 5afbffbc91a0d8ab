import { describe, expect, it } from 'vitest';
import { UserError, errorCodes } from '../errors.js';
import { isFullSha, isShortShaCandidate, parseRepoUrl, redactUrl, validateRevision } from './url.js';

/** The message of what `fn` throws, after checking it is a UserError with `code`. */
function rejection(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe(code);
    return (err as UserError).message;
  }
  throw new Error('expected an error');
}

describe('parseRepoUrl accepts', () => {
  it.each([
    ['https://github.com/argoproj/argocd-example-apps.git', 'https://github.com/argoproj/argocd-example-apps'],
    ['HTTPS://GitHub.COM/Org/Repo/', 'https://github.com/Org/Repo'],
    ['https://git.example.com:443/a/b.git/', 'https://git.example.com/a/b'],
    ['https://git.example.com:8443/a/b', 'https://git.example.com:8443/a/b'],
    ['http://127.0.0.1:41234/app.git', 'http://127.0.0.1:41234/app'],
    ['http://[::1]:8080/app.git', 'http://[::1]:8080/app'],
    ['ssh://git@github.com/org/repo.git', 'ssh://git@github.com/org/repo'],
    ['ssh://git@GitHub.com:22/org/repo', 'ssh://git@github.com/org/repo'],
    ['ssh://git@[::1]:2222/repo', 'ssh://git@[::1]:2222/repo'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo'],
    ['git@GitLab.example.com:group/sub/repo', 'git@gitlab.example.com:group/sub/repo'],
  ])('%s → key %s', (url, key) => {
    const parsed = parseRepoUrl(url);
    expect(parsed.normalized).toBe(key);
    expect(parsed.url).toBe(url);
  });

  it('file:// only when allowed', () => {
    expect(parseRepoUrl('file:///srv/git/app.git', { allowFile: true }).normalized).toBe('file:///srv/git/app');
    expect(rejection(() => parseRepoUrl('file:///srv/git/app.git'), errorCodes.GIT_URL_INVALID)).toMatch(/file:\/\/ URLs are not allowed/);
  });

  it('an empty path only for templates', () => {
    expect(parseRepoUrl('https://github.com/', { allowEmptyPath: true }).normalized).toBe('https://github.com');
    expect(rejection(() => parseRepoUrl('https://github.com/'), errorCodes.GIT_URL_INVALID)).toMatch(/no repository path/);
  });
});

describe('parseRepoUrl rejects', () => {
  it.each([
    ['', /empty/],
    ['-uhttps://example.com/x', /starts with "-"/],
    ['--upload-pack=touch /tmp/pwned', /control characters|whitespace|starts with "-"/],
    ['ext::sh -c touch% /tmp/pwned', /whitespace|remote-helper/],
    ['ext::sh', /remote-helper/],
    ['fd::17', /remote-helper/],
    ['file::/etc', /remote-helper/],
    ['https::example.com/x', /remote-helper/],
    ['transport::https://example.com/x', /remote-helper/],
    ['https://example.com/x\n', /control characters/],
    ['https://example.com/\u0000x', /control characters/],
    ['https://exa mple.com/x', /whitespace/],
    ['https://user:s3cr3t@example.com/x', /credentials in the URL/],
    ['https://token@example.com/x', /credentials in the URL/],
    ['ssh://git:pw@example.com/x', /credentials in the URL/],
    ['user:pw@example.com:repo', /use https/],
    ['ssh://-oProxyCommand=touch%20x/repo', /host name is not valid/],
    ['ssh://git@-oProxyCommand=x/repo', /host name is not valid/],
    ['git@-oProxyCommand=x:repo', /host name is not valid/],
    ['-oProxyCommand=x@host:repo', /starts with "-"/],
    ['git@host:-repo', /path starts with "-"/],
    ['ssh://git@host/-repo', /path starts with "-"/],
    ['git://example.com/x', /"git" scheme is not supported/],
    ['ftp://example.com/x', /"ftp" scheme is not supported/],
    ['/srv/git/app.git', /use https/],
    ['./app', /use https/],
    ['example.com/x', /use https/],
    ['https:///x', /no host/],
    ['https://example.com:99999/x', /port is not valid/],
    ['https://example.com/x?y=1', /query strings/],
    ['https://example.com\\x', /backslash/],
  ])('%j', (url, message) => {
    expect(rejection(() => parseRepoUrl(url), errorCodes.GIT_URL_INVALID)).toMatch(message);
  });

  it('without echoing a password it was given', () => {
    for (const url of ['https://user:hunter2-secret@example.com/x', 'https://user:hunter2/secret@example.com/x', 'u:hunter2-secret@host:x']) {
      expect(rejection(() => parseRepoUrl(url), errorCodes.GIT_URL_INVALID)).not.toContain('hunter2');
    }
    expect(redactUrl('https://u:p@ss@example.com/x')).toBe('https://***@example.com/x');
    expect(redactUrl('https://example.com/x')).toBe('https://example.com/x');
  });
});

describe('validateRevision', () => {
  it.each(['HEAD', 'main', 'feature/x-1', 'refs/heads/main', 'refs/tags/v1.2.3', 'v1.0.0+build', 'a'.repeat(40), 'abc1234'])('accepts %j', (rev) => {
    expect(validateRevision(rev)).toBe(rev);
  });

  it.each([
    ['', /empty/],
    ['-n', /starts with "-"/],
    ['--upload-pack=x', /starts with "-"/],
    ['main\n', /control characters/],
    ['ma\u0007in', /control characters/],
    ['main branch', /whitespace/],
    ['main..evil', /"\.\."/],
    ['../../etc', /"\.\."/],
    ['HEAD~1', /~ \^/],
    ['v1^{}', /~ \^/],
    ['a:b', /~ \^/],
    ['feat*', /~ \^/],
    ['main@{1}', /reflog/],
    ['@', /reflog/],
    ['/main', /empty path component/],
    ['main/', /empty path component/],
    ['a//b', /empty path component/],
    ['main.', /ends with "\."/],
    ['.hidden', /starts with "\."/],
    ['refs/heads/x.lock', /\.lock/],
    ['x'.repeat(1025), /longer than/],
  ])('rejects %j', (rev, message) => {
    expect(rejection(() => validateRevision(rev), errorCodes.GIT_REVISION_INVALID)).toMatch(message);
  });
});

describe('SHA shapes', () => {
  it('full and short', () => {
    expect(isFullSha('a'.repeat(40))).toBe(true);
    expect(isFullSha('A'.repeat(64))).toBe(true);
    expect(isFullSha('a'.repeat(41))).toBe(false);
    expect(isShortShaCandidate('abc1234')).toBe(true);
    expect(isShortShaCandidate('abc123')).toBe(false);
    expect(isShortShaCandidate('main')).toBe(false);
  });
});
