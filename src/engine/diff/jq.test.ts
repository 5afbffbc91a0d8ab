import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff } from './index.js';
import { createJqEvaluator, parsePaths, type JqEvaluator } from './jq.js';
import type { KubeObject } from './types.js';

const deployment = (initImage: string, annotations: Record<string, string>, replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', annotations },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        initContainers: [
          { name: 'setup', image: 'busybox:1' },
          { name: 'injected', image: initImage },
        ],
        containers: [{ name: 'app', image: 'web:1' }],
      },
    },
  },
});

describe('createJqEvaluator', () => {
  // A generous limit for ordinary expressions, so a busy machine cannot turn them into time-outs; the
  // time-limit cases use an evaluator of their own with a short one.
  let jq: JqEvaluator;
  let short: JqEvaluator;
  beforeAll(async () => {
    jq = await createJqEvaluator({ timeoutMs: 10_000 });
    short = await createJqEvaluator({ timeoutMs: 500 });
  });
  afterAll(async () => {
    await jq.close();
    await short.close();
  });

  const obj = deployment('proxy:1', { 'example.com/checksum.config': 'abc', other: 'x' }, 3);
  const cases: ReadonlyArray<readonly [expression: string, paths: Array<Array<string | number>>]> = [
    ['.spec.template.spec.initContainers[] | select(.name == "injected")', [['spec', 'template', 'spec', 'initContainers', 1]]],
    ['.metadata.annotations["example.com/checksum.config"]', [['metadata', 'annotations', 'example.com/checksum.config']]],
    ['.spec.replicas', [['spec', 'replicas']]],
    ['.spec.template.spec.initContainers[] | select(.name == "absent")', []],
    ['.metadata.annotations | keys[] as $k | .[$k] | select(. == "x") # a comment', [['metadata', 'annotations', 'other']]],
  ];
  it.each(cases)('%s', (expression, paths) => {
    expect(jq.paths(expression, obj)).toEqual(paths);
  });

  it('makes an injected init container not count as drift through diff()', () => {
    const desired = deployment('proxy:1', {}, 3);
    const live = deployment('proxy:2-injected', {}, 3);
    const rule = { group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.initContainers[] | select(.name == "injected")'] };
    expect(diff(desired, live).status).toBe('OutOfSync');
    expect(diff(desired, live, { ignoreDifferences: [rule] }).warnings).toEqual([expect.stringContaining('not supported yet')]);
    const result = diff(desired, live, { ignoreDifferences: [rule], jq });
    expect([result.status, result.differences, result.warnings]).toEqual(['Synced', [], []]);
  });

  it('warns about an invalid expression, naming it, and still compares', () => {
    const desired = deployment('proxy:1', {}, 3);
    const result = diff(desired, deployment('proxy:1', {}, 5), {
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.[', '.spec.replicas'] }],
      jq,
    });
    expect(result.status).toBe('Synced');
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('".spec.["');
    expect(result.warnings[0]).toContain('syntax error');
  });

  it.each(['def f: f; f', 'repeat(.)'])('stops %s at the time limit and recovers', (expression) => {
    expect(() => short.paths(expression, obj)).toThrow(`jq "${expression}" did not finish within 500 ms`);
    // The worker was replaced: the next evaluation works.
    expect(short.paths('.spec.replicas', obj)).toEqual([['spec', 'replicas']]);
  });

  it('keeps working past the point where one jq-wasm instance hangs (~300 runs)', () => {
    for (let i = 0; i < 350; i++) expect(jq.paths('.spec.replicas', obj)).toHaveLength(1);
  });

  it('reports a runtime error', () => {
    expect(() => jq.paths('.spec.replicas[0]', obj)).toThrow(/jq "\.spec\.replicas\[0\]" is invalid or failed: .*Cannot index number/);
  });
});

describe('parsePaths', () => {
  it('rejects slices', () => {
    expect(() => parsePaths('.a[1:2]', '[["a",{"start":1,"end":2}]]')).toThrow('unsupported path segment');
  });
});
