// argocd's app tables.
import { describe, expect, it } from 'vitest';
import type { Application } from '../../model/index.js';
import { appHeader, appListTable, conditionsSummary, durationText, historyTable, resourceTable, syncPolicyLong, syncPolicyShort, treeTable } from './app-format.js';

const app = (over: Partial<Application> = {}): Application => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'guestbook', namespace: 'argocd' },
  spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' }, source: { repoURL: 'https://r.git', path: 'guestbook', targetRevision: 'HEAD' } },
  ...over,
});

const synced = app({
  status: {
    sync: { status: 'Synced', revision: '53e28ff20cc530b9ada2173fbbd64d48338583ba' },
    health: { status: 'Healthy' },
    resources: [
      { kind: 'Service', namespace: 'prod', name: 'guestbook-ui', status: 'Synced', health: { status: 'Healthy' } },
      { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'guestbook-ui', status: 'Synced', health: { status: 'Healthy' } },
    ],
    operationState: {
      operation: { sync: { revision: 'HEAD' } },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:04Z',
      syncResult: {
        revision: '53e28ff20cc530b9ada2173fbbd64d48338583ba',
        resources: [
          { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'guestbook-ui', status: 'Synced', message: 'deployment.apps/guestbook-ui created' },
          { group: 'batch', kind: 'Job', namespace: 'prod', name: 'post', hookType: 'PostSync', hookPhase: 'Succeeded', message: 'job completed' },
        ],
      },
    },
    history: [
      { id: 0, revision: '53e28ff20cc530b9ada2173fbbd64d48338583ba', deployedAt: '2026-01-01T00:00:04Z', source: { repoURL: 'https://r.git', targetRevision: 'HEAD' } },
      { id: 1, revision: 'abcdef0123', deployedAt: '2026-01-02T00:00:04Z', source: { repoURL: 'https://r.git', targetRevision: 'abcdef0123' } },
    ],
  },
});

describe('policies and conditions', () => {
  it.each<[Application['spec']['syncPolicy'], string, string]>([
    [undefined, 'Manual', 'Manual'],
    [{ automated: {} }, 'Auto', 'Automated'],
    [{ automated: { prune: true } }, 'Auto-Prune', 'Automated (Prune)'],
    [{ automated: { prune: true, enabled: false } }, 'Manual', 'Manual'],
  ])('%j', (syncPolicy, short, long) => {
    const a = app();
    a.spec.syncPolicy = syncPolicy;
    expect(syncPolicyShort(a)).toBe(short);
    expect(syncPolicyLong(a)).toBe(long);
  });
  it('conditions count by type', () => {
    expect(conditionsSummary(app())).toBe('<none>');
    expect(conditionsSummary(app({ status: { conditions: [{ type: 'ComparisonError', message: 'a' }, { type: 'ComparisonError', message: 'b' }, { type: 'SyncError', message: 'c' }] } }))).toBe('ComparisonError(2),SyncError(1)');
  });
  it.each([
    ['2026-01-01T00:00:00Z', '2026-01-01T00:00:04Z', '4s'],
    ['2026-01-01T00:00:00Z', '2026-01-01T00:02:05Z', '2m5s'],
    ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '1h0m0s'],
    [undefined, '2026-01-01T00:00:00Z', ''],
  ])('duration %s → %s', (from, to, text) => {
    expect(durationText(from, to)).toBe(text);
  });
});

describe('tables', () => {
  it('app list', () => {
    expect(appListTable([synced, app({ metadata: { name: 'other' } })])).toBe(
      [
        'NAME              CLUSTER                         NAMESPACE  PROJECT  STATUS  HEALTH   SYNCPOLICY  CONDITIONS  REPO          PATH       TARGET',
        'argocd/guestbook  https://kubernetes.default.svc  prod       default  Synced  Healthy  Manual      <none>      https://r.git  guestbook  HEAD',
        'other             https://kubernetes.default.svc  prod       default                   Manual      <none>      https://r.git  guestbook  HEAD',
        '',
      ].join('\n').replace('REPO          PATH', 'REPO           PATH'),
    );
  });
  it('app get header and resources', () => {
    const header = appHeader(synced, 'http://kawa/applications/guestbook', { showOperation: true });
    expect(header).toContain('Name:               argocd/guestbook\n');
    expect(header).toContain('- Repo:             https://r.git\n  Target:           HEAD\n  Path:             guestbook\n');
    expect(header).toContain('Sync Status:        Synced to HEAD (53e28ff)\n');
    expect(header).toContain('Health Status:      Healthy\n');
    expect(header).toContain('Phase:              Succeeded\n');
    expect(header).toContain('Duration:           4s\n');
    const table = resourceTable(synced).split('\n');
    expect(table[0]).toBe('GROUP  KIND        NAMESPACE  NAME          STATUS     HEALTH   HOOK      MESSAGE');
    expect(table[2]).toBe('apps   Deployment  prod       guestbook-ui  Synced     Healthy            deployment.apps/guestbook-ui created');
    expect(table[3]).toBe('batch  Job         prod       post          Succeeded           PostSync  job completed');
  });
  it('tree puts children below their parents', () => {
    const tree = treeTable(synced, [
      { group: 'apps', kind: 'ReplicaSet', namespace: 'prod', name: 'rs1', parentRefs: [{ group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'guestbook-ui' }], health: { status: 'Healthy' } },
      { kind: 'Pod', namespace: 'prod', name: 'pod1', parentRefs: [{ group: 'apps', kind: 'ReplicaSet', namespace: 'prod', name: 'rs1' }], health: { status: 'Healthy' } },
    ]);
    expect(tree.split('\n').map((l) => /^\s*\S+/.exec(l)?.[0] ?? '')).toEqual(['KIND/NAME', 'Service/guestbook-ui', 'Deployment/guestbook-ui', '└─ReplicaSet/rs1', '  └─Pod/pod1', '']);
  });
  it('history', () => {
    expect(historyTable(synced)).toBe(
      'SOURCE  https://r.git\nID  DATE                  REVISION\n0   2026-01-01T00:00:04Z  HEAD (53e28ff)\n1   2026-01-02T00:00:04Z  abcdef0123\n',
    );
    expect(historyTable(app())).toContain('No deployment history yet');
  });
});
