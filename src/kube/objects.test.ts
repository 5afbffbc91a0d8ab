import { describe, expect, it } from 'vitest';
import { ownerReferencesOf, type KubeObject } from './objects.js';

describe('ownerReferencesOf', () => {
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1' };
  it.each<[string, unknown, unknown[]]>([
    ['absent', undefined, []],
    ['null', null, []],
    ['a map instead of a list', owner, []],
    ['a list with a null entry', [owner, null], [owner]],
    ['a list', [owner], [owner]],
  ])('%s', (_name, ownerReferences, expected) => {
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences } } as unknown as KubeObject;
    expect(ownerReferencesOf(obj)).toEqual(expected);
  });
});
