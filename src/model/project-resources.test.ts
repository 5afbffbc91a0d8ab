import { describe, expect, it } from 'vitest';
import type { AppProjectSpec } from './project.js';
import { desiredObjectViolations, type DesiredObject } from './project-resources.js';

const CLUSTER = { server: 'https://kubernetes.default.svc', name: 'in-cluster' };
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);

function check(spec: AppProjectSpec, objects: DesiredObject[], destNamespace = 'team-a'): string[] {
  return desiredObjectViolations({
    project: { metadata: { name: 'team' }, spec },
    objects,
    destination: { ...CLUSTER, namespace: destNamespace },
    isNamespaced: (_group, kind) => !CLUSTER_SCOPED.has(kind),
  });
}

const cm = (name: string, namespace?: string): DesiredObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace === undefined ? {} : { namespace }) } });
const teamA: AppProjectSpec = { sourceRepos: ['*'], destinations: [{ server: CLUSTER.server, namespace: 'team-a' }] };

describe('desiredObjectViolations', () => {
  const cases: { name: string; spec: AppProjectSpec; objects: DesiredObject[]; want: string[] }[] = [
    { name: 'objects in the destination namespace', spec: teamA, objects: [cm('a'), cm('b', 'team-a')], want: [] },
    { name: 'an explicit namespace outside the destinations', spec: teamA, objects: [cm('a'), cm('evil', 'kube-system')], want: ["namespace kube-system is not permitted in project 'team'"] },
    {
      name: 'a hook in another namespace (hooks are desired objects too)',
      spec: teamA,
      objects: [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pre', namespace: 'other' } }],
      want: ["namespace other is not permitted in project 'team'"],
    },
    { name: 'each refused namespace once', spec: teamA, objects: [cm('x', 'kube-system'), cm('y', 'kube-system')], want: ["namespace kube-system is not permitted in project 'team'"] },
    { name: 'a glob destination allows the namespace', spec: { destinations: [{ server: '*', namespace: 'team-*' }] }, objects: [cm('x', 'team-b')], want: [] },
    {
      name: 'a deny entry refuses the namespace',
      spec: { destinations: [{ server: '*', namespace: '*' }, { server: '*', namespace: '!kube-system' }] },
      objects: [cm('x', 'kube-system'), cm('y', 'default')],
      want: ["namespace kube-system is not permitted in project 'team'"],
    },
    {
      name: 'cluster-scoped objects are governed by the cluster resource lists, not destinations',
      spec: { ...teamA, clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] },
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }],
      want: [],
    },
    {
      name: 'a cluster-scoped kind the project does not list',
      spec: teamA,
      objects: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'admin2' } }],
      want: ['resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team'],
    },
    {
      name: 'a named blacklist entry refuses the matching name only',
      spec: { ...teamA, namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap', name: 'secret-*' }] },
      objects: [cm('secret-config'), cm('plain')],
      want: ['resource :ConfigMap is not permitted in project team'],
    },
    {
      name: 'a named blacklist entry lets other names through',
      spec: { ...teamA, namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap', name: 'secret-*' }] },
      objects: [cm('plain'), cm('other')],
      want: [],
    },
    {
      name: 'a named whitelist entry allows the matching name only',
      spec: { ...teamA, clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'team-*' }] },
      objects: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'team-reader' } }],
      want: [],
    },
    {
      name: 'a named whitelist entry refuses other names',
      spec: { ...teamA, clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'team-*' }] },
      objects: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-admin-2' } }],
      want: ['resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(check(c.spec, c.objects)).toEqual(c.want);
    });
  }
});
