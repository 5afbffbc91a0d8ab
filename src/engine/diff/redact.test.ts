import { describe, expect, it } from 'vitest';
import { redactDifferences, redactSecret, SecretMasks } from './redact.js';
import type { Difference, KubeObject } from './types.js';

const secret = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });

describe('SecretMasks', () => {
  it('gives equal values equal masks and different values different ones', () => {
    const masks = new SecretMasks();
    expect([masks.mask('a'), masks.mask('b'), masks.mask('a'), masks.mask(1)]).toEqual(['++++++++', '+++++++++', '++++++++', '++++++++++']);
  });
});

describe('redactDifferences', () => {
  const desired = secret({ a: 'MQ==', b: 'Mg==' });
  const live = secret({ a: 'Mw==', b: 'MQ==' });
  const cases: ReadonlyArray<readonly [label: string, difference: Difference, expected: Difference]> = [
    ['a data value', { path: '/data/a', kind: 'changed', desired: 'MQ==', live: 'Mw==' }, { path: '/data/a', kind: 'changed', desired: '++++++++', live: '++++++++++' }],
    ['a value shared across keys keeps its mask', { path: '/data/b', kind: 'changed', desired: 'Mg==', live: 'MQ==' }, { path: '/data/b', kind: 'changed', desired: '+++++++++', live: '++++++++' }],
    ['a whole data map', { path: '/data', kind: 'missing-in-live', desired: { a: 'MQ==' } }, { path: '/data', kind: 'missing-in-live', desired: { a: '++++++++' } }],
    ['a stringData value', { path: '/stringData/x', kind: 'removed-from-desired', live: 'plain' }, { path: '/stringData/x', kind: 'removed-from-desired', live: '+++++++++++' }],
    ['the whole object', { path: '', kind: 'missing-in-live', desired: { kind: 'Secret', data: { a: 'MQ==' } } }, { path: '', kind: 'missing-in-live', desired: { kind: 'Secret', data: { a: '++++++++' } } }],
    ['a label stays readable', { path: '/metadata/labels/app', kind: 'changed', desired: 'x', live: 'y' }, { path: '/metadata/labels/app', kind: 'changed', desired: 'x', live: 'y' }],
  ];
  it.each(cases)('%s', (_label, difference, expected) => {
    expect(redactDifferences([difference], desired, live)).toEqual([expected]);
  });

  it('leaves other kinds alone', () => {
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'x' } };
    const difference: Difference = { path: '/data/a', kind: 'changed', desired: 'x', live: 'y' };
    expect(redactDifferences([difference], configMap, configMap)).toEqual([difference]);
  });
});

describe('redactSecret', () => {
  it('masks data and stringData of a Secret only', () => {
    const masks = new SecretMasks();
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Secret', data: { a: 'MQ==' }, stringData: { b: 'two' } };
    expect(redactSecret(obj, masks)).toEqual({ apiVersion: 'v1', kind: 'Secret', data: { a: '++++++++' }, stringData: { b: '+++++++++' } });
  });
});

describe('redactSecret with maps written with no value', () => {
  it('leaves null data and stringData null: nothing to hide, and no mask to show as a difference', () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Secret', data: null, stringData: null };
    expect(redactSecret(obj, new SecretMasks())).toEqual(obj);
  });
});
