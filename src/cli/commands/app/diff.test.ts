import { describe, expect, it } from 'vitest';
import { renderDiffs } from '../../services/diff.js';
import { pairTargets, withoutNulls } from './diff.js';

describe('app diff --local: fields written with no value', () => {
  const live = {
    kind: 'ConfigMap',
    name: 'settings',
    namespace: 'shop',
    liveState: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'shop', uid: 'u1', annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/ConfigMap:shop/settings' } },
      data: { a: '1' },
    }),
  };

  it('shows no difference for null fields live does not have', () => {
    const target = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: null, annotations: null }, data: { a: '1' }, binaryData: null };
    const items = pairTargets([live], [target], 'shop');
    expect(renderDiffs(items)).toEqual({ text: '', different: 0 });
  });

  it('still shows a real difference', () => {
    const target = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: null }, data: { a: '2' } };
    expect(renderDiffs(pairTargets([live], [target], 'shop')).different).toBe(1);
  });

  it('withoutNulls drops null map entries at any depth, keeping list positions', () => {
    expect(withoutNulls({ a: null, b: { c: null, d: [1, null, { e: null }] } })).toEqual({ b: { d: [1, null, {}] } });
  });
});
