import { describe, expect, it } from 'vitest';
import type { AppComparison } from '../engine/index.js';
import type { Application } from '../model/index.js';
import { attemptKey, decideAutoSync, selfHealDelayMs, type AutoSyncInput } from './autosync.js';

const SHA = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

function app(extra: { automated?: Record<string, unknown> | undefined; operation?: Application['operation']; last?: { phase: string; revision: string } } = {}): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example/r.git', path: 'p', targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'd' },
      ...(extra.automated === undefined ? {} : { syncPolicy: { automated: extra.automated } }),
    },
    ...(extra.operation === undefined ? {} : { operation: extra.operation }),
    ...(extra.last === undefined
      ? {}
      : { status: { operationState: { operation: { sync: { revision: extra.last.revision } }, phase: extra.last.phase as 'Succeeded', startedAt: '2026-01-01T00:00:00Z', syncResult: { revision: extra.last.revision } } } }),
  };
}

const comparison = (sync: 'Synced' | 'OutOfSync', resources: AppComparison['resources'] = [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'd', name: 'c', status: sync, syncWave: 0 }]): AppComparison =>
  ({ resources, sync, health: { status: 'Healthy' }, prune: [], conditions: [] });

const base = (a: Application, c: AppComparison, more: Partial<AutoSyncInput> = {}): AutoSyncInput => ({
  app: a,
  comparison: c,
  revision: SHA,
  desiredCount: 1,
  selfHeal: { attempts: 0, lastAt: 0 },
  now: 100_000,
  ...more,
});

describe('decideAutoSync', () => {
  const cases: { name: string; input: AutoSyncInput; kind: string; selfHeal?: boolean }[] = [
    { name: 'automated off', input: base(app(), comparison('OutOfSync')), kind: 'none' },
    { name: 'automated disabled with enabled: false', input: base(app({ automated: { enabled: false } }), comparison('OutOfSync')), kind: 'none' },
    { name: 'in sync', input: base(app({ automated: {} }), comparison('Synced')), kind: 'none' },
    { name: 'out of sync, never attempted', input: base(app({ automated: {} }), comparison('OutOfSync')), kind: 'sync', selfHeal: false },
    { name: 'an operation already set', input: base(app({ automated: {}, operation: { sync: {} } }), comparison('OutOfSync')), kind: 'none' },
    { name: 'empty render without allowEmpty', input: base(app({ automated: { prune: true } }), comparison('OutOfSync'), { desiredCount: 0 }), kind: 'none' },
    { name: 'empty render with allowEmpty', input: base(app({ automated: { prune: true, allowEmpty: true } }), comparison('OutOfSync'), { desiredCount: 0 }), kind: 'sync' },
    {
      name: 'only prunes out of sync and prune off',
      input: base(app({ automated: {} }), comparison('OutOfSync', [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'd', name: 'old', status: 'OutOfSync', requiresPruning: true, syncWave: 0 }])),
      kind: 'none',
    },
    { name: 'same revision already failed', input: base(app({ automated: {}, last: { phase: 'Failed', revision: SHA } }), comparison('OutOfSync')), kind: 'none' },
    { name: 'same revision succeeded, no self-heal', input: base(app({ automated: {}, last: { phase: 'Succeeded', revision: SHA } }), comparison('OutOfSync')), kind: 'none' },
    { name: 'same revision succeeded, self-heal', input: base(app({ automated: { selfHeal: true }, last: { phase: 'Succeeded', revision: SHA } }), comparison('OutOfSync')), kind: 'sync', selfHeal: true },
    {
      name: 'self-heal within its backoff',
      input: base(app({ automated: { selfHeal: true }, last: { phase: 'Succeeded', revision: SHA } }), comparison('OutOfSync'), { selfHeal: { attempts: 2, lastAt: 99_000 } }),
      kind: 'wait',
    },
    { name: 'a new revision after a failure', input: base(app({ automated: {}, last: { phase: 'Failed', revision: OTHER } }), comparison('OutOfSync')), kind: 'sync', selfHeal: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideAutoSync(c.input);
      expect(decision.kind).toBe(c.kind);
      if (decision.kind === 'sync' && c.selfHeal !== undefined) expect(decision.selfHeal).toBe(c.selfHeal);
    });
  }

  it('explains an empty render held back with prune on in a SyncError condition, as Argo CD does', () => {
    const decision = decideAutoSync(base(app({ automated: { prune: true } }), comparison('OutOfSync'), { desiredCount: 0 }));
    expect(decision).toEqual({
      kind: 'none',
      reason: 'the render is empty and allowEmpty is off: nothing would remain',
      condition: { type: 'SyncError', message: `Skipping sync attempt to ${SHA}: auto-sync will wipe out all resources` },
    });
    // Without prune the sync would delete nothing: no condition, the resources show requiresPruning.
    expect(decideAutoSync(base(app({ automated: {} }), comparison('OutOfSync'), { desiredCount: 0 }))).not.toHaveProperty('condition');
  });

  it('builds the operation Argo CD does: the resolved revision, prune and sync options, automated initiator', () => {
    const a = app({ automated: { prune: true } });
    a.spec.syncPolicy = { ...a.spec.syncPolicy, syncOptions: ['CreateNamespace=true'], retry: { limit: 2 } };
    const decision = decideAutoSync(base(a, comparison('OutOfSync')));
    expect(decision).toMatchObject({
      kind: 'sync',
      operation: { sync: { revision: SHA, prune: true, syncOptions: ['CreateNamespace=true'], source: a.spec.source }, initiatedBy: { username: 'automated', automated: true }, retry: { limit: 2 } },
    });
  });

  it('keys attempts by revision and source, not by the revision words', () => {
    const a = app();
    const b = app();
    b.spec.source = { ...b.spec.source, repoURL: a.spec.source?.repoURL ?? '', targetRevision: 'main' };
    expect(attemptKey(a, SHA)).toBe(attemptKey(b, SHA));
    expect(attemptKey(a, SHA)).not.toBe(attemptKey(a, OTHER));
  });

  it('doubles the self-heal delay up to its cap', () => {
    expect([1, 2, 3, 10].map((n) => selfHealDelayMs(n, 5_000, 30_000))).toEqual([5_000, 10_000, 20_000, 30_000]);
  });
});
