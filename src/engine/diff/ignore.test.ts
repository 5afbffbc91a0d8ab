import { describe, expect, it } from 'vitest';
import { applyIgnoreDifferences, removeFieldSet, ruleMatches, type IgnoreDifferencesRule } from './ignore.js';
import { parseFieldsV1 } from './managed-fields.js';
import { decodePointer } from './pointer.js';
import type { KubeObject } from './types.js';

const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } };

describe('ruleMatches', () => {
  const cases: ReadonlyArray<readonly [label: string, rule: IgnoreDifferencesRule, obj: KubeObject, matches: boolean]> = [
    ['group and kind', { group: 'apps', kind: 'Deployment' }, deployment, true],
    ['other kind', { group: 'apps', kind: 'StatefulSet' }, deployment, false],
    ['no group is the core group', { kind: 'Service' }, service, true],
    ['no group does not match apps', { kind: 'Deployment' }, deployment, false],
    ['kind glob', { group: 'apps', kind: 'Deploy*' }, deployment, true],
    ['everything', { group: '*', kind: '*' }, service, true],
    ['name', { group: 'apps', kind: 'Deployment', name: 'web' }, deployment, true],
    ['other name', { group: 'apps', kind: 'Deployment', name: 'api' }, deployment, false],
    ['other namespace', { group: 'apps', kind: 'Deployment', namespace: 'default' }, deployment, false],
    ['regex characters are literal', { group: 'app.', kind: 'Deployment' }, { ...deployment, apiVersion: 'appsX/v1' }, false],
  ];
  it.each(cases)('%s', (_label, rule, obj, matches) => {
    expect(ruleMatches(rule, obj)).toBe(matches);
  });
});

describe('decodePointer', () => {
  const cases: ReadonlyArray<readonly [pointer: string, segments: string[] | undefined]> = [
    ['', []],
    ['/spec/replicas', ['spec', 'replicas']],
    ['/metadata/annotations/checksum~1config', ['metadata', 'annotations', 'checksum/config']],
    ['/a~0b', ['a~b']],
    ['/a~01', ['a~1']],
    ['/', ['']],
    ['spec/replicas', undefined],
  ];
  it.each(cases)('%j', (pointer, segments) => {
    expect(decodePointer(pointer)).toEqual(segments);
  });
});

describe('applyIgnoreDifferences', () => {
  const desired: KubeObject = { ...deployment, spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } };

  it('removes pointers from both sides and leaves the inputs alone', () => {
    const live: KubeObject = { ...deployment, spec: { replicas: 5 } };
    const result = applyIgnoreDifferences(desired, live, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas', '/spec/template/spec/containers/1'] }]);
    expect([result.desired.spec, result.live.spec, desired.spec]).toEqual([
      { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } },
      {},
      { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } },
    ]);
  });

  it('warns about a pointer without a leading slash', () => {
    expect(applyIgnoreDifferences(desired, desired, [{ group: 'apps', kind: 'Deployment', jsonPointers: ['spec/replicas'] }]).warnings).toHaveLength(1);
  });
});

describe('removeFieldSet', () => {
  it('removes owned leaves but keeps the key fields of list elements', () => {
    const obj = { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'E', value: '1' }] }, { name: 'b', image: 'y' }] }, metadata: { annotations: { mine: '1', theirs: '2' } } };
    const fields = parseFieldsV1({
      'f:metadata': { 'f:annotations': { '.': {}, 'f:theirs': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:env': { 'k:{"name":"E"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } } },
    });
    removeFieldSet(obj, fields);
    expect(obj).toEqual({ spec: { containers: [{ name: 'a', env: [{ name: 'E' }] }, { name: 'b', image: 'y' }] }, metadata: { annotations: { mine: '1' } } });
  });
});
