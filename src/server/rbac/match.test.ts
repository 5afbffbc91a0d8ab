import { describe, expect, it } from 'vitest';
import { compilePattern, PatternCache } from './match.js';

describe('glob patterns (no separators)', () => {
  it.each([
    ['*', 'anything/at/all', true],
    ['*', '', true],
    ['default/*', 'default/guestbook', true],
    ['default/*', 'default/ns/guestbook', true],
    ['default/*', 'other/guestbook', false],
    ['*/*', 'noslash', false],
    ['delete/*/Pod/*/*', 'delete//Pod/ns/web', true],
    ['delete/*/Pod/*/*', 'delete/apps/Deployment/ns/web', false],
    ['action/extensions/*', 'action/extensions/DaemonSet/test', true],
    ['action/**', 'action/a/b', true],
    ['app-?', 'app-1', true],
    ['app-?', 'app-12', false],
    ['kube-[0-9]', 'kube-7', true],
    ['kube-[!0-9]', 'kube-7', false],
    ['kube-[!0-9]', 'kube-x', true],
    ['kube-[abc]', 'kube-b', true],
    ['{prod,staging}/*', 'staging/web', true],
    ['{prod,staging}/*', 'dev/web', false],
    ['{a,{b,c}x}', 'cx', true],
    ['{a,}', '', true],
    ['team.a/*', 'teamXa/web', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['(x)|y', '(x)|y', true],
    ['(x)|y', 'y', false],
    ['https://git.example/repo', 'https://git.example/repo', true],
    ['Applications', 'applications', false],
  ])('%s ~ %j → %s', (pattern, value, matches) => {
    expect(compilePattern(pattern, 'glob')(value)).toBe(matches);
  });

  it.each([['a['], ['a[]'], ['{a,b'], ['a\\'], ['[z-a]']])('rejects %s', (pattern) => {
    expect(() => compilePattern(pattern, 'glob')).toThrow(/invalid glob/);
  });
});

describe('regex patterns (anchored)', () => {
  it.each([
    ['prod/.*', 'prod/web', true],
    ['prod/.*', 'preprod/web', false],
    ['prod', 'my-prod-app', false],
    ['(get|sync)', 'sync', true],
    ['(get|sync)', 'getx', false],
    ['a|b', 'b', true],
    ['a|b', 'ab', false],
    ['^prod/.*$', 'prod/x', true],
    ['*', 'anything', true],
  ])('%s ~ %j → %s', (pattern, value, matches) => {
    expect(compilePattern(pattern, 'regex')(value)).toBe(matches);
  });

  it('rejects an invalid regex', () => {
    expect(() => compilePattern('(a', 'regex')).toThrow(/invalid regular expression/);
  });
});

describe('PatternCache', () => {
  it('keeps glob and regex readings of one pattern apart', () => {
    const cache = new PatternCache();
    expect(cache.matches('update/x', 'update/*', 'glob')).toBe(true);
    expect(cache.matches('update/x', 'update/*', 'regex')).toBe(false);
    expect(cache.matches('update//', 'update/*', 'regex')).toBe(true);
  });
});
