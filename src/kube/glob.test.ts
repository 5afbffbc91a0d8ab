import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch', () => {
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
    expect(globMatch(pattern, value)).toBe(expected);
  });
});
