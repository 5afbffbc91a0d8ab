// Argo CD's managed namespaces of a cluster (cluster Secret `namespaces` and `clusterResources`; in a
// namespace install, the in-cluster destination's own namespace): kawa caches only those, and refuses to
// write anything else there. An app that would apply an object elsewhere gets one problem per namespace
// (an InvalidSpecError condition, and its sync fails before any request), never a 403 in the middle of a
// sync. Deletion needs no check of its own: it deletes what the cache holds, which is managed by definition.
import { groupOf, type ClusterCache, type KubeObject } from '../kube/index.js';
import type { Application } from '../model/index.js';

/** What the check reads of a destination: its names and what its live cache follows. */
export interface ManagedDestination {
  readonly name: string;
  readonly server: string;
  readonly cache: Pick<ClusterCache, 'scope' | 'isNamespaceCached' | 'lookupResource'>;
}

/** The objects named in a message before "and N more". */
const NAMED = 3;

function listed(names: readonly string[]): string {
  return names.length <= NAMED ? names.join(', ') : `${names.slice(0, NAMED).join(', ')} and ${names.length - NAMED} more`;
}

/** `in-cluster (https://kubernetes.default.svc), which manages only namespace team-a` */
function describeCluster(handle: ManagedDestination): string {
  const scope = handle.cache.scope();
  const namespaces = `namespace${scope.namespaces.length === 1 ? '' : 's'} ${scope.namespaces.join(', ')}`;
  return `cluster ${handle.name} (${handle.server}) manages only ${namespaces}${scope.clusterResources ? ' and cluster-scoped resources' : ''}`;
}

/** Whether the app's own sync options ask for its destination namespace to be created. */
function createsNamespace(app: Application): boolean {
  return (app.spec.syncPolicy?.syncOptions ?? []).some((entry) => entry.split(',').some((option) => option.trim() === 'CreateNamespace=true'));
}

/**
 * What the app would write outside the namespaces its destination cluster manages: one message per
 * namespace (and one for cluster-scoped objects), naming the objects, the namespace and the cluster.
 * Empty for a cluster that manages every namespace.
 */
export function unmanagedNamespaceProblems(app: Application, desired: readonly KubeObject[], handle: ManagedDestination): string[] {
  const cache = handle.cache;
  if (cache.scope().namespaces.length === 0) return [];
  const destination = app.spec.destination.namespace ?? '';
  const byNamespace = new Map<string, string[]>();
  const add = (namespace: string, what: string): void => {
    let names = byNamespace.get(namespace);
    if (names === undefined) byNamespace.set(namespace, (names = []));
    names.push(what);
  };
  for (const obj of desired) {
    const kind = obj.kind ?? '';
    const group = groupOf(obj.apiVersion);
    const name = obj.metadata?.name ?? '';
    // An unknown kind (its CRD comes with the app) is namespaced unless the object says otherwise: as the project check.
    const namespaced = cache.lookupResource({ group, kind })?.namespaced ?? true;
    const namespace = namespaced ? (obj.metadata?.namespace ?? '') || destination : '';
    // A namespaced object with no namespace at all is the spec check's to refuse.
    if (namespaced && namespace === '') continue;
    if (!cache.isNamespaceCached(namespace)) add(namespace, namespaced ? `${kind} ${namespace}/${name}` : `${kind} ${name}`);
  }
  if (createsNamespace(app) && destination !== '' && !cache.isNamespaceCached('')) add('', `Namespace ${destination} (CreateNamespace=true)`);
  const problems: string[] = [];
  for (const [namespace, names] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
    problems.push(
      namespace === ''
        ? `cluster-scoped resources are not managed on cluster ${handle.name}: ${describeCluster(handle)} (clusterResources is not enabled); refusing to apply ${listed(names)}`
        : `namespace ${namespace} is not managed on cluster ${handle.name}: ${describeCluster(handle)}; refusing to apply ${listed(names)}`,
    );
  }
  return problems;
}
