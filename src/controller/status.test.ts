import { describe, expect, it } from 'vitest';
import type { AppComparison } from '../engine/index.js';
import type { Application } from '../model/index.js';
import { appendHistory, buildStatus, imagesOf, mergeConditions, statusChanged } from './status.js';

const app: Application = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'a', namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://git.example/r.git', path: 'p' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'd' } },
};

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { template: { spec: { initContainers: [{ name: 'i', image: 'busybox:1' }], containers: [{ name: 'w', image: 'nginx:1.27' }, { name: 's', image: 'nginx:1.27' }] } } },
};

const comparison: AppComparison = {
  resources: [
    { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'd', name: 'web', status: 'OutOfSync', health: { status: 'Progressing', message: 'rolling' }, syncWave: 1, desired: deployment },
    { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'd', name: 'old', status: 'OutOfSync', requiresPruning: true, syncWave: 0 },
  ],
  sync: 'OutOfSync',
  health: { status: 'Progressing' },
  prune: [],
  conditions: [{ type: 'SharedResource', message: 'ConfigMap d/x is part of app other' }],
};

describe('buildStatus', () => {
  it('writes Argo CD shaped status fields from a comparison', () => {
    const status = buildStatus({ app, comparison, revision: 'abc', sourceType: 'Directory', conditions: [], now: 'T1', controllerNamespace: 'argocd' });
    expect(status.sync).toEqual({ status: 'OutOfSync', comparedTo: { source: app.spec.source, destination: app.spec.destination }, revision: 'abc' });
    expect(status.health).toEqual({ status: 'Progressing', lastTransitionTime: 'T1' });
    expect(status.resources).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'd', name: 'web', status: 'OutOfSync', health: { status: 'Progressing', message: 'rolling' }, syncWave: 1 },
      { version: 'v1', kind: 'ConfigMap', namespace: 'd', name: 'old', status: 'OutOfSync', requiresPruning: true },
    ]);
    expect(status.summary).toEqual({ images: ['busybox:1', 'nginx:1.27'] });
    expect(status.conditions).toEqual([{ type: 'SharedResourceWarning', message: 'ConfigMap d/x is part of app other', lastTransitionTime: 'T1' }]);
  });

  it('without a comparison: Unknown sync, the previous resources kept, the override health', () => {
    const previous = { ...app, status: { resources: [{ kind: 'ConfigMap', name: 'c' }], health: { status: 'Healthy' as const } } };
    const status = buildStatus({ app: previous, conditions: [{ type: 'ComparisonError', message: 'cluster down' }], healthOverride: { status: 'Unknown' }, now: 'T2', controllerNamespace: 'argocd' });
    expect(status.sync?.status).toBe('Unknown');
    expect(status.health?.status).toBe('Unknown');
    expect(status.resources).toEqual([{ kind: 'ConfigMap', name: 'c' }]);
  });

  it('with a comparison against the last good render (the render failed now): Unknown sync, live resources and health kept', () => {
    const synced: AppComparison = { ...comparison, sync: 'Synced', resources: comparison.resources.map((r) => ({ ...r, status: 'Synced' as const })) };
    const status = buildStatus({ app, comparison: synced, revision: 'abc', conditions: [{ type: 'ComparisonError', message: 'rendering failed: a.yaml:3' }], desiredUnknown: true, now: 'T3', controllerNamespace: 'argocd' });
    expect(status.sync?.status).toBe('Unknown');
    expect(status.sync?.revision).toBe('abc');
    expect(status.health?.status).toBe('Progressing');
    expect(status.resources?.map((r) => r.name)).toEqual(['web', 'old']);
    expect(status.conditions?.map((c) => c.type)).toEqual(['ComparisonError', 'SharedResourceWarning']);
  });

  it('is unchanged when only reconciledAt moves (the steady state writes nothing)', () => {
    const first = buildStatus({ app, comparison, revision: 'abc', conditions: [], now: 'T1', controllerNamespace: 'argocd' });
    const again = buildStatus({ app: { ...app, status: first }, comparison, revision: 'abc', conditions: [], now: 'T9', controllerNamespace: 'argocd' });
    expect(again.reconciledAt).toBe('T9');
    expect(statusChanged(first, again)).toBe(false);
    expect(statusChanged(first, { ...again, sync: { status: 'Synced' } })).toBe(true);
    expect(statusChanged(undefined, again)).toBe(true);
  });
});

describe('mergeConditions', () => {
  it('keeps the transition time of a condition that persists and orders errors first', () => {
    const merged = mergeConditions(
      [{ type: 'ComparisonError', message: 'x', lastTransitionTime: 'old' }],
      [
        { type: 'OrphanedResourceWarning', message: 'o' },
        { type: 'ComparisonError', message: 'x' },
        { type: 'InvalidSpecError', message: 'bad' },
      ],
      'now',
    );
    expect(merged).toEqual([
      { type: 'InvalidSpecError', message: 'bad', lastTransitionTime: 'now' },
      { type: 'ComparisonError', message: 'x', lastTransitionTime: 'old' },
      { type: 'OrphanedResourceWarning', message: 'o', lastTransitionTime: 'now' },
    ]);
  });
});

describe('appendHistory', () => {
  it('numbers entries from 0, continues after the highest id and trims to the limit', () => {
    let history = appendHistory(undefined, { revision: 'r0' }, 2);
    history = appendHistory(history, { revision: 'r1' }, 2);
    history = appendHistory(history, { revision: 'r2' }, 2);
    expect(history).toEqual([
      { revision: 'r1', id: 1 },
      { revision: 'r2', id: 2 },
    ]);
  });
});

describe('imagesOf', () => {
  it('collects container images of live objects first, desired otherwise, without duplicates', () => {
    expect(imagesOf(comparison)).toEqual(['busybox:1', 'nginx:1.27']);
  });
});
