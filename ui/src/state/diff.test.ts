import { describe, expect, it } from 'vitest';
import { diffLines, manifestsForDiff, sideBySide } from './diff';

function apply(a: string[], b: string[]): { left: string[]; right: string[] } {
  const ops = diffLines(a, b);
  return { left: ops.filter((o) => o.op !== 'add').map((o) => o.text), right: ops.filter((o) => o.op !== 'del').map((o) => o.text) };
}

describe('diffLines', () => {
  it('reconstructs both sides and finds a minimal script', () => {
    const a = ['a', 'b', 'c', 'a', 'b', 'b', 'a'];
    const b = ['c', 'b', 'a', 'b', 'a', 'c'];
    expect(apply(a, b)).toEqual({ left: a, right: b });
    // Myers' classic example: edit distance 5.
    expect(diffLines(a, b).filter((o) => o.op !== 'same')).toHaveLength(5);
  });
  it('handles empty sides', () => {
    expect(diffLines([], ['x'])).toEqual([{ op: 'add', text: 'x' }]);
    expect(diffLines(['x'], [])).toEqual([{ op: 'del', text: 'x' }]);
    expect(diffLines([], [])).toEqual([]);
  });
  it('is fast on big, mostly equal inputs', () => {
    const a = Array.from({ length: 20000 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[10000] = 'changed';
    const started = Date.now();
    const ops = diffLines(a, b);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ops.filter((o) => o.op !== 'same')).toEqual([
      { op: 'del', text: 'line 10000' },
      { op: 'add', text: 'changed' },
    ]);
  });
});

describe('sideBySide', () => {
  it('pairs changed lines and numbers each side', () => {
    const rows = sideBySide('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows.map((r) => r.kind)).toEqual(['same', 'changed', 'same', 'added']);
    expect(rows[1]).toEqual({ kind: 'changed', left: { line: 2, text: 'b' }, right: { line: 2, text: 'B' } });
    expect(rows[3]).toEqual({ kind: 'added', left: undefined, right: { line: 4, text: 'd' } });
  });
});

describe('manifestsForDiff', () => {
  it('redacts Secret values but keeps a change visible', () => {
    const desired = JSON.stringify({ kind: 'Secret', metadata: { name: 's' }, data: { a: 'c2VjcmV0', b: 'eA==' } });
    const live = JSON.stringify({ kind: 'Secret', metadata: { name: 's', managedFields: [{ manager: 'x' }] }, data: { a: 'c2VjcmV0', b: 'eQ==' } });
    const out = manifestsForDiff(desired, live);
    expect(out.desired).not.toContain('c2VjcmV0');
    expect(out.live).not.toContain('c2VjcmV0');
    expect(out.live).not.toContain('managedFields');
    const changed = sideBySide(out.desired, out.live).filter((r) => r.kind !== 'same');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.left?.text).toContain('b:');
  });
  it('orders the live keys like the desired ones, so key order alone is no change', () => {
    const desired = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, revisionHistoryLimit: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } } });
    const live = JSON.stringify({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { uid: 'u', name: 'web' },
      spec: { replicas: 1, template: { spec: { containers: [{ image: 'nginx', name: 'web', imagePullPolicy: 'Always' }] } }, revisionHistoryLimit: 3 },
      status: { replicas: 1 },
    });
    const out = manifestsForDiff(desired, live);
    const changed = sideBySide(out.live, out.desired).filter((r) => r.kind !== 'same');
    expect(changed.map((r) => [r.left?.text.trim(), r.right?.text.trim()])).toEqual([
      ['uid: u', undefined],
      ['replicas: 1', 'replicas: 2'],
      ['imagePullPolicy: Always', undefined],
      ['status:', undefined],
      ['replicas: 1', undefined],
    ]);
  });
  it('leaves other kinds alone and tolerates a missing side', () => {
    const out = manifestsForDiff(JSON.stringify({ kind: 'ConfigMap', data: { a: '1' } }), undefined);
    expect(out.desired).toContain('a: "1"');
    expect(out.live).toBe('');
  });
});
