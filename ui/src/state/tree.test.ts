import { describe, expect, it } from 'vitest';
import type { Application, ApplicationTree } from '../api/types';
import { buildGraph, ROOT_ID, treeResources, worseHealth } from './tree';

const app: Application = {
  metadata: { name: 'guestbook' },
  spec: { project: 'default', destination: {} },
  status: {
    sync: { status: 'OutOfSync' },
    resources: [
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'gb', name: 'web', status: 'OutOfSync', health: { status: 'Progressing' } },
      { version: 'v1', kind: 'Service', namespace: 'gb', name: 'web', status: 'Synced', health: { status: 'Healthy' } },
      { version: 'v1', kind: 'ConfigMap', namespace: 'gb', name: 'missing', status: 'OutOfSync', health: { status: 'Missing' } },
    ],
  },
};

const pods = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ version: 'v1', kind: 'Pod', namespace: 'gb', name: `web-abc-${i}`, uid: `pod-${i}`, parentRefs: [{ group: 'apps', kind: 'ReplicaSet', namespace: 'gb', name: 'web-abc', uid: 'rs-1' }], health: { status: 'Healthy' as const } }));

const tree = (podCount: number): ApplicationTree => ({
  nodes: [
    { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'gb', name: 'web', uid: 'dep-1', health: { status: 'Progressing' } },
    { version: 'v1', kind: 'Service', namespace: 'gb', name: 'web', uid: 'svc-1', health: { status: 'Healthy' } },
    { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: 'gb', name: 'web-abc', uid: 'rs-1', parentRefs: [{ group: 'apps', kind: 'Deployment', namespace: 'gb', name: 'web', uid: 'dep-1' }] },
    ...pods(podCount),
  ],
});

describe('treeResources', () => {
  it('merges the tree with status.resources (sync from status, owned objects from the tree)', () => {
    const rs = treeResources(app, tree(2));
    const byKey = new Map(rs.map((r) => [r.key, r]));
    expect(byKey.get('apps/Deployment/gb/web')).toMatchObject({ sync: 'OutOfSync', health: 'Progressing', managed: true, parents: [] });
    expect(byKey.get('apps/ReplicaSet/gb/web-abc')).toMatchObject({ managed: false, parents: ['apps/Deployment/gb/web'] });
    expect(byKey.get('/ConfigMap/gb/missing')).toMatchObject({ managed: true, health: 'Missing' });
    expect(rs).toHaveLength(6);
  });
  it('works from status.resources alone when there is no tree', () => {
    expect(treeResources(app, undefined).map((r) => r.key).sort()).toEqual(['/ConfigMap/gb/missing', '/Service/gb/web', 'apps/Deployment/gb/web']);
  });
});

describe('buildGraph', () => {
  it('hangs managed objects from the app and owned objects from their owners', () => {
    const g = buildGraph(app, treeResources(app, tree(2)));
    expect(g.nodes).toHaveLength(7);
    expect(g.edges).toContainEqual({ id: `${ROOT_ID}->apps/Deployment/gb/web`, source: ROOT_ID, target: 'apps/Deployment/gb/web' });
    expect(g.edges).toContainEqual({ id: 'apps/ReplicaSet/gb/web-abc->/Pod/gb/web-abc-0', source: 'apps/ReplicaSet/gb/web-abc', target: '/Pod/gb/web-abc-0' });
  });
  it('groups many children of one kind, and expands a group on demand', () => {
    const resources = treeResources(app, tree(2000));
    const grouped = buildGraph(app, resources, { groupThreshold: 10 });
    const group = grouped.nodes.find((n) => n.data.type === 'group');
    expect(group?.data).toMatchObject({ type: 'group', kind: 'Pod', count: 2000, health: 'Healthy' });
    expect(grouped.nodes.length).toBeLessThan(10);
    const expanded = buildGraph(app, resources, { groupThreshold: 10, expanded: new Set([group?.id ?? '']) });
    expect(expanded.nodes.length).toBe(2000 + 5);
  });
  it('keeps the ancestors of the resources a search shows', () => {
    const g = buildGraph(app, treeResources(app, tree(3)), { visible: (r) => r.name === 'web-abc-1' });
    expect(g.nodes.map((n) => n.id)).toEqual([ROOT_ID, 'apps/Deployment/gb/web', 'apps/ReplicaSet/gb/web-abc', '/Pod/gb/web-abc-1']);
  });
});

describe('worseHealth', () => {
  it('orders as Argo CD does', () => {
    expect(worseHealth('Healthy', 'Degraded')).toBe('Degraded');
    expect(worseHealth('Missing', 'Progressing')).toBe('Missing');
    expect(worseHealth(undefined, 'Suspended')).toBe('Suspended');
  });
});
