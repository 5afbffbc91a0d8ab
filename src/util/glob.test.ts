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

describe('globMatchLiteralFallback (resource filters)', () => {
  it.each([
    ['*', '', true],
    ['*', 'apps', true],
    ['*.k8s.io', 'events.k8s.io', true],
    ['*.k8s.io', 'apps', false],
    ['apps', 'apps', true],
    ['apps', 'apps.x', false],
    ['Deploy?ent', 'Deployment', true],
    ['[DR]eplicaSet', 'ReplicaSet', true],
    ['[!DR]eplicaSet', 'ReplicaSet', false],
    ['[a-c]pps', 'apps', true],
    ['{apps,batch}', 'batch', true],
    ['{apps,batch}', 'policy', false],
    ['cert-manager.io', 'cert-manager.io', true],
    ['cert-manager.io', 'cert-managerXio', false],
    ['https://*.example.com', 'https://prod.example.com', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['{unclosed', '{unclosed', true],
    ['deployment', 'Deployment', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(globMatchLiteralFallback(pattern, value)).toBe(expected);
  });
});
