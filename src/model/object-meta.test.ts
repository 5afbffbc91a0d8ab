import { describe, expect, it } from 'vitest';
import { checkObjectMeta } from './object-meta.js';

describe('checkObjectMeta: null is absent, what the API server refuses is refused', () => {
  it.each<[string, unknown, Record<string, unknown> | undefined]>([
    ['absent', undefined, undefined],
    ['metadata: null', null, undefined],
    ['null labels and annotations', { name: 'a', labels: null, annotations: null }, { name: 'a' }],
    ['null finalizers and ownerReferences', { name: 'a', finalizers: null, ownerReferences: null }, { name: 'a' }],
    ['null namespace and generateName', { name: 'a', namespace: null, generateName: null }, { name: 'a' }],
    ['null label value kept (the API server stores "")', { name: 'a', labels: { x: null, y: 'b' } }, { name: 'a', labels: { x: null, y: 'b' } }],
    ['empty maps kept', { name: 'a', labels: {}, annotations: {} }, { name: 'a', labels: {}, annotations: {} }],
    ['unknown fields kept', { name: 'a', clusterName: 'c', x: { y: null } }, { name: 'a', clusterName: 'c', x: { y: null } }],
  ])('%s', (_name, input, expected) => {
    expect(checkObjectMeta(input)).toEqual({ metadata: expected, problems: [] });
  });

  it.each<[string, unknown, string[]]>([
    ['metadata a string', 'web', ['metadata: must be a map, found a string']],
    ['metadata a list', ['web'], ['metadata: must be a map, found an array']],
    ['labels a list', { name: 'a', labels: ['x=y'] }, ['metadata.labels: must be a map of strings, found an array']],
    ['annotations a string', { name: 'a', annotations: 'x' }, ['metadata.annotations: must be a map of strings, found a string']],
    [
      'annotation value a number',
      { name: 'a', annotations: { 'argocd.argoproj.io/sync-wave': 1 } },
      ['metadata.annotations["argocd.argoproj.io/sync-wave"]: must be a string, found a number (quote the value in YAML)'],
    ],
    ['label value a boolean', { name: 'a', labels: { enabled: true } }, ['metadata.labels.enabled: must be a string, found a boolean (quote the value in YAML)']],
    ['name a number', { name: 42 }, ['metadata.name: must be a string, found a number']],
    ['finalizers a string', { name: 'a', finalizers: 'x' }, ['metadata.finalizers: must be a list of strings, found a string']],
    ['finalizer null', { name: 'a', finalizers: ['x', null] }, ['metadata.finalizers[1]: must be a string, found null']],
    ['ownerReferences a map', { name: 'a', ownerReferences: { uid: 'u' } }, ['metadata.ownerReferences: must be a list of maps, found an object']],
    [
      'two problems',
      { name: 'a', labels: [], annotations: { a: 1 } },
      ['metadata.labels: must be a map of strings, found an array', 'metadata.annotations.a: must be a string, found a number (quote the value in YAML)'],
    ],
  ])('refuses %s', (_name, input, problems) => {
    expect(checkObjectMeta(input).problems).toEqual(problems);
  });

  it('does not modify its input', () => {
    const input = { name: 'a', labels: null, annotations: { x: null } };
    checkObjectMeta(input);
    expect(input).toEqual({ name: 'a', labels: null, annotations: { x: null } });
  });
});
