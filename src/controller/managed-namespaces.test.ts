import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ClusterCache, groupKindKey, type ApiResource, type GroupKind, type KubeObject } from '../kube/index.js';
import { parseApplication } from '../model/index.js';
import { unmanagedNamespaceProblems, type ManagedDestination } from './managed-namespaces.js';

const SERVER = 'https://kubernetes.default.svc';
/** What discovery would say of the kinds below (the check reads only `namespaced`). */
const served: Record<string, boolean> = { '/ConfigMap': true, 'apps/Deployment': true, '/Namespace': false, 'rbac.authorization.k8s.io/ClusterRole': false };

/** A real cache's scope (never started: no request), with discovery's answers for the kinds above. */
function destination(namespaces: string[], clusterResources = false): ManagedDestination {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const cache = new ClusterCache({ kubeConfig: kc, namespaces, clusterResources });
  return {
    name: 'in-cluster',
    server: SERVER,
    cache: {
      scope: () => cache.scope(),
      isNamespaceCached: (ns) => cache.isNamespaceCached(ns),
      lookupResource: (gk: GroupKind): ApiResource | undefined => {
        const namespaced = served[groupKindKey(gk)];
        return namespaced === undefined ? undefined : { ...gk, version: 'v1', resource: `${gk.kind.toLowerCase()}s`, namespaced, verbs: ['list', 'watch'] };
      },
    },
  };
}

const app = (namespace: string, syncOptions?: string[]) =>
  parseApplication({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: 'team' },
    spec: { project: 'default', source: { repoURL: 'https://git.example/apps.git', path: 'shop' }, destination: { server: SERVER, namespace }, ...(syncOptions === undefined ? {} : { syncPolicy: { syncOptions } }) },
  });

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({ apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } });
const cm = (name: string, namespace?: string) => obj('v1', 'ConfigMap', name, namespace);

describe('unmanagedNamespaceProblems', () => {
  it('has nothing to say of a cluster that manages every namespace', () => {
    expect(unmanagedNamespaceProblems(app('prod'), [cm('a'), obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r')], destination([]))).toEqual([]);
  });

  it.each([
    ['objects in the destination namespace (explicit or defaulted)', 'team', [cm('a'), cm('b', 'team')], []],
    [
      'an object in another namespace',
      'team',
      [cm('a'), cm('b', 'prod')],
      ['namespace prod is not managed on cluster in-cluster: cluster in-cluster (https://kubernetes.default.svc) manages only namespace team; refusing to apply ConfigMap prod/b'],
    ],
    [
      'a destination namespace the cluster does not manage, more than three objects named once',
      'prod',
      [cm('a'), cm('b'), cm('c'), cm('d'), obj('apps/v1', 'Deployment', 'web')],
      ['namespace prod is not managed on cluster in-cluster: cluster in-cluster (https://kubernetes.default.svc) manages only namespace team; refusing to apply ConfigMap prod/a, ConfigMap prod/b, ConfigMap prod/c and 2 more'],
    ],
    [
      'a cluster-scoped object',
      'team',
      [obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader')],
      ['cluster-scoped resources are not managed on cluster in-cluster: cluster in-cluster (https://kubernetes.default.svc) manages only namespace team (clusterResources is not enabled); refusing to apply ClusterRole reader'],
    ],
    // A kind discovery does not know yet (its CRD comes with the app) counts as namespaced, as the project check.
    ['an unknown kind in the destination', 'team', [obj('example.com/v1', 'Widget', 'w')], []],
  ])('%s', (_what, namespace, desired, expected) => {
    expect(unmanagedNamespaceProblems(app(namespace), desired, destination(['team']))).toEqual(expected);
  });

  it('allows cluster-scoped objects with clusterResources, and names every managed namespace', () => {
    const d = destination(['team', 'ops'], true);
    expect(unmanagedNamespaceProblems(app('team'), [obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'), cm('x', 'prod')], d)).toEqual([
      'namespace prod is not managed on cluster in-cluster: cluster in-cluster (https://kubernetes.default.svc) manages only namespaces ops, team and cluster-scoped resources; refusing to apply ConfigMap prod/x',
    ]);
  });

  it('refuses CreateNamespace=true without clusterResources (the Namespace is cluster-scoped)', () => {
    expect(unmanagedNamespaceProblems(app('team', ['CreateNamespace=true']), [cm('a')], destination(['team']))).toEqual([
      'cluster-scoped resources are not managed on cluster in-cluster: cluster in-cluster (https://kubernetes.default.svc) manages only namespace team (clusterResources is not enabled); refusing to apply Namespace team (CreateNamespace=true)',
    ]);
    expect(unmanagedNamespaceProblems(app('team', ['CreateNamespace=true']), [cm('a')], destination(['team'], true))).toEqual([]);
  });
});
