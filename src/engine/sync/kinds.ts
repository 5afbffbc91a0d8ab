// Helm's install order by kind, which Argo CD uses to order objects within one wave: what others
// depend on (namespaces, quotas, accounts, config, storage, CRDs, RBAC) goes before workloads.
// Kinds not in the table — custom resources above all — come after every kind in it.

export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const RANK: ReadonlyMap<string, number> = new Map(KIND_ORDER.map((kind, index) => [kind, index]));

/** Rank given to kinds outside the table; they then sort by kind name. */
export const UNKNOWN_KIND_ORDER = KIND_ORDER.length;

/**
 * Position of a kind in the install order. `customResource` forces the last rank: a CR whose CRD is
 * in the same sync must follow that CRD even if its kind happens to share a name with a built-in.
 */
export function kindOrder(kind: string, customResource = false): number {
  if (customResource) return UNKNOWN_KIND_ORDER;
  return RANK.get(kind) ?? UNKNOWN_KIND_ORDER;
}
