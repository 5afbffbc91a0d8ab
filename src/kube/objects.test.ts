import { describe, expect, it } from 'vitest';
import { metadataString, ownerReferencesOf, type KubeObject } from './objects.js';

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

describe('metadataString: a tolerant reader', () => {
  it.each<[unknown, string | undefined]>([
    [undefined, undefined],
    [null, undefined],
    [{ annotations: null }, undefined],
    [{ annotations: ['k'] }, undefined],
    [{ annotations: { k: null } }, undefined],
    [{ annotations: { k: 2 } }, undefined],
    [{ annotations: { k: 'v' } }, 'v'],
  ])('metadataString(%j)', (metadata, expected) => {
    expect(metadataString(metadata, 'annotations', 'k')).toBe(expected);
  });
});
