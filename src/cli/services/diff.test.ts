// Unified diffs and the live/target comparison of `app diff`.
import { describe, expect, it } from 'vitest';
import { cleanObject, diffLines, projectLive, renderDiffs, unifiedDiff } from './diff.js';

describe('unifiedDiff', () => {
  it.each([
    ['equal', 'a\nb\n', 'a\nb\n', ''],
    ['one change', 'a\nb\nc\n', 'a\nB\nc\n', '--- live\n+++ target\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n'],
    ['added at end', 'a\n', 'a\nb\n', '--- live\n+++ target\n@@ -1,1 +1,2 @@\n a\n+b\n'],
    ['from nothing', '', 'a\n', '--- live\n+++ target\n@@ -0,0 +1,1 @@\n+a\n'],
    ['to nothing', 'a\n', '', '--- live\n+++ target\n@@ -1,1 +0,0 @@\n-a\n'],
  ])('%s', (_name, before, after, expected) => {
    expect(unifiedDiff(before, after, { before: 'live', after: 'target' })).toBe(expected);
  });
  it('keeps hunks apart when far from each other', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l1\n', 'x1\n').replace('l18', 'x18');
    const text = unifiedDiff(before, after, { before: 'a', after: 'b' });
    expect(text.match(/^@@/gm)).toHaveLength(2);
    expect(text).toContain('@@ -1,5 +1,5 @@');
    expect(text).toContain('@@ -16,5 +16,5 @@');
  });
  it('diffLines finds the longest common subsequence', () => {
    expect(diffLines(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'e']).map((o) => `${o.type}${o.line}`)).toEqual([' a', '-b', ' c', ' d', '+e']);
  });
});

describe('comparison', () => {
  it('projects the live object onto the fields the target sets', () => {
    expect(projectLive({ spec: { replicas: 1, strategy: { type: 'RollingUpdate' } }, status: {} }, { spec: { replicas: 2 } })).toEqual({ spec: { replicas: 1 } });
    expect(projectLive({ l: [{ a: 1, b: 2 }, { a: 3 }] }, { l: [{ a: 1 }] })).toEqual({ l: [{ a: 1 }, { a: 3 }] });
  });
  it('drops server-managed metadata and status', () => {
    expect(cleanObject({ metadata: { name: 'x', uid: 'u', resourceVersion: '1', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, status: { a: 1 } })).toEqual({ metadata: { name: 'x' } });
  });
  it('renders only what differs, with a header per object', () => {
    const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'p', uid: 'u' }, spec: { replicas: 1, paused: false } };
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'p' }, spec: { replicas: 2 } };
    const same = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'p' }, spec: { ports: [{ port: 80 }] } };
    const result = renderDiffs([
      { group: 'apps', kind: 'Deployment', namespace: 'p', name: 'web', live, target },
      { kind: 'Service', namespace: 'p', name: 'web', live: { ...same, status: {} }, target: same },
      { kind: 'ConfigMap', namespace: 'p', name: 'new', live: null, target: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' } } },
    ]);
    expect(result.different).toBe(2);
    expect(result.text).toContain('===== apps/Deployment p/web ======');
    expect(result.text).toContain('-  replicas: 1\n+  replicas: 2\n');
    expect(result.text).not.toContain('paused');
    expect(result.text).not.toContain('Service');
    expect(result.text).toContain('===== ConfigMap p/new ======');
  });
});
