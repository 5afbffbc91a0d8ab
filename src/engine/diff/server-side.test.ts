import { describe, expect, it } from 'vitest';
import type { IgnoreDifferencesRule } from './ignore.js';
import { ServerSideDiffCache, desiredHash, serverSideVerdict } from './server-side.js';
import type { KubeObject } from './types.js';

function deployment(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', ...metadata }, spec, status: { replicas: 2 } };
}

const LIVE = deployment({ replicas: 2, paused: false, minReadySeconds: 5, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } }, { resourceVersion: '7', generation: 3 });

/** [case, predicted (the dry-run answer), ignoreDifferences, synced, differences as `kind path`] */
const CASES: readonly (readonly [string, KubeObject, IgnoreDifferencesRule[], boolean, string[]])[] = [
  ['the apply changes nothing (server fields aside)', { ...LIVE, metadata: { ...LIVE.metadata, resourceVersion: '7', generation: 3, managedFields: [{ manager: 'kawa' }] } }, [], true, []],
  [
    'the apply changes a field',
    deployment({ replicas: 3, paused: false, minReadySeconds: 5, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } }, { generation: 4 }),
    [],
    false,
    ['changed /spec/replicas'],
  ],
  ['the apply removes a field', deployment({ replicas: 2, paused: false, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } }), [], false, ['removed-from-desired /spec/minReadySeconds']],
  ['an ignored field does not count', deployment({ replicas: 3, paused: false, minReadySeconds: 5, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } }), [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }], true, []],
];

describe('serverSideVerdict', () => {
  it.each(CASES)('%s', (_name, predicted, rules, synced, differences) => {
    const verdict = serverSideVerdict(predicted, predicted, LIVE, { ignoreDifferences: rules });
    expect([verdict.synced, verdict.differences.map((d) => `${d.kind} ${d.path}`)]).toEqual([synced, differences]);
  });

  it('never shows Secret values', () => {
    const secret = (value: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, data: { password: value } });
    const verdict = serverSideVerdict(secret('bmV3'), secret('bmV3'), secret('b2xk'));
    expect(verdict.synced).toBe(false);
    expect(JSON.stringify(verdict.differences)).not.toMatch(/bmV3|b2xk/);
  });
});

describe('ServerSideDiffCache', () => {
  it('answers only for the same desired hash and live resourceVersion', () => {
    const cache = new ServerSideDiffCache();
    const hash = desiredHash(LIVE);
    cache.set('k', hash, '7', { synced: true, differences: [] });
    expect([cache.get('k', hash, '7')?.synced, cache.get('k', hash, '8'), cache.get('k', 'other', '7'), cache.get('k', hash, undefined), cache.get('x', hash, '7')]).toEqual([
      true,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('forgets the oldest entries beyond its size', () => {
    const cache = new ServerSideDiffCache(2);
    for (const key of ['a', 'b', 'c']) cache.set(key, 'h', '1', { synced: true, differences: [] });
    expect([cache.size, cache.get('a', 'h', '1'), cache.get('c', 'h', '1')?.synced]).toEqual([2, undefined, true]);
  });
});
