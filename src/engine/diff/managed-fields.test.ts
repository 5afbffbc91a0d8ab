import { describe, expect, it } from 'vitest';
import { describeFieldSet, parseFieldsV1, parsePathElement, resolveElement } from './managed-fields.js';

describe('parsePathElement', () => {
  const cases: ReadonlyArray<readonly [text: string, element: unknown]> = [
    ['f:replicas', { type: 'field', name: 'replicas' }],
    ['f:app.kubernetes.io/name', { type: 'field', name: 'app.kubernetes.io/name' }],
    ['f:', { type: 'field', name: '' }],
    ['k:{"name":"app"}', { type: 'key', keys: { name: 'app' } }],
    ['k:{"containerPort":80,"protocol":"TCP"}', { type: 'key', keys: { containerPort: 80, protocol: 'TCP' } }],
    ['v:"example.com/cleanup"', { type: 'value', value: 'example.com/cleanup' }],
    ['v:8080', { type: 'value', value: 8080 }],
    ['i:3', { type: 'index', index: 3 }],
    ['k:[1]', undefined], // keys must be an object
    ['k:{bad json', undefined],
    ['i:-1', undefined],
    ['i:x', undefined],
    ['x:future', undefined],
    ['.', undefined],
  ];
  it.each(cases)('%s', (text, element) => {
    expect(parsePathElement(text)).toEqual(element);
  });
});

describe('parseFieldsV1', () => {
  const fieldsV1 = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:finalizers': { '.': {}, 'v:"example.com/cleanup"': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"app"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
      'f:items': { 'i:0': { 'f:x': {} } },
      'x:unknown': {},
    },
  };

  it('lists every owned path, including nodes owned through "."', () => {
    expect(describeFieldSet(parseFieldsV1(fieldsV1))).toEqual([
      '.metadata.labels',
      '.metadata.labels.app',
      '.metadata.finalizers',
      '.metadata.finalizers[="example.com/cleanup"]',
      '.spec.replicas',
      '.spec.template.spec.containers[name="app"]',
      '.spec.template.spec.containers[name="app"].image',
      '.spec.template.spec.containers[name="app"].name',
      '.spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"]',
      '.spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].containerPort',
      '.spec.items[0].x',
    ]);
  });

  it('tolerates what is not a FieldsV1 trie', () => {
    expect(describeFieldSet(parseFieldsV1(null))).toEqual([]);
    expect(describeFieldSet(parseFieldsV1('f:spec'))).toEqual([]);
  });

  it('returns the same parse for the same object (cached)', () => {
    expect(parseFieldsV1(fieldsV1)).toBe(parseFieldsV1(fieldsV1));
  });
});

describe('resolveElement', () => {
  const ports = [
    { containerPort: 53, protocol: 'UDP' },
    { containerPort: 80 }, // protocol left to its TCP default
  ];
  const cases: ReadonlyArray<readonly [label: string, node: unknown, text: string, segment: string | number | undefined]> = [
    ['field', { a: 1 }, 'f:a', 'a'],
    ['absent field', { a: 1 }, 'f:b', undefined],
    ['field of a list', [1], 'f:a', undefined],
    ['key with explicit protocol', ports, 'k:{"containerPort":53,"protocol":"UDP"}', 0],
    ['key with defaulted protocol', ports, 'k:{"containerPort":80,"protocol":"TCP"}', 1],
    ['absent key', ports, 'k:{"containerPort":53,"protocol":"TCP"}', undefined],
    ['value', ['a', 'b'], 'v:"b"', 1],
    ['index', ['a', 'b'], 'i:1', 1],
    ['index out of range', ['a', 'b'], 'i:2', undefined],
  ];
  it.each(cases)('%s', (_label, node, text, segment) => {
    const element = parsePathElement(text);
    expect(element && resolveElement(node, element)?.segment).toBe(segment);
  });
});
