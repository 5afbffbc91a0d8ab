import { describe, expect, it } from 'vitest';
import { globMatch, globMatchLiteralFallback } from './glob.js';

describe('globMatch', () => {
  it.each([
    ['*', 'a/b', undefined, true],
    ['https://github.com/org/*', 'https://github.com/org/repo', '/', true],
    ['https://github.com/org/*', 'https://github.com/org/group/repo', '/', false],
    ['https://github.com/org/**', 'https://github.com/org/group/repo', '/', true],
    ['org/?', 'org//', '/', false],
    ['org/?', 'org//', undefined, true],
    ['{kube-*,default}', 'kube-system', undefined, true],
    ['[!a]pps', 'apps', undefined, false],
  ])('%s matches %s (separator %s): %s', (pattern, value, separator, expected) => {
    expect(globMatch(pattern, value, separator)).toBe(expected);
  });
});

describe('malformed patterns', () => {
  it.each([
    ['{unclosed', '{unclosed', true],
    ['[ab*', '[abc', true],
    ['a*\\', 'ax\\', true],
    ['[z-a]', '[z-a]', true],
    ['[z-a]', 'b', false],
  ])('%s against %s: nothing with globMatch, literally with the fallback (%s)', (pattern, value, literally) => {
    expect(globMatch(pattern, value)).toBe(false);
    expect(globMatchLiteralFallback(pattern, value)).toBe(literally);
  });
});
