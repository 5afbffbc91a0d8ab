// `cluster add CONTEXT` as Argo CD does it: in the target cluster a ServiceAccount `argocd-manager`,
// a long-lived token Secret for it, and a ClusterRole(Binding) with full access — or, with
// namespaces, a Role(Binding) in each — then the cluster (server, CA, token) is registered with kawa.
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig, type V1PolicyRule } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { UserError, errorCodes } from '../../errors.js';
import { createOrReplace, kube } from './kube.js';

export const MANAGER_SA = 'argocd-manager';
export const MANAGER_ROLE = 'argocd-manager-role';
export const MANAGER_BINDING = 'argocd-manager-role-binding';
export const MANAGER_TOKEN_SECRET = 'argocd-manager-long-lived-token';

const FULL_ACCESS: V1PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];

export interface InstallOptions {
  systemNamespace: string;
  /** Scope to these namespaces (Roles instead of a ClusterRole). */
  namespaces: readonly string[];
  log: (line: string) => void;
  tokenTimeoutMs?: number;
}

/** The CA of the context's cluster, base64 (as Argo CD's `caData`), if the kubeconfig has one. */
export function clusterCaData(kc: KubeConfig): string | undefined {
  const cluster = kc.getCurrentCluster();
  if (cluster?.caData !== undefined && cluster.caData !== '') return cluster.caData;
  if (cluster?.caFile !== undefined && cluster.caFile !== '') return readFileSync(cluster.caFile).toString('base64');
  return undefined;
}

/** Creates (or updates) the manager account and answers its bearer token. Idempotent. */
export async function installManager(kc: KubeConfig, options: InstallOptions): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const ns = options.systemNamespace;
  const subject = [{ kind: 'ServiceAccount', name: MANAGER_SA, namespace: ns }];

  await createOrReplace(`create Namespace ${ns}`, kc, () => core.createNamespace({ body: { metadata: { name: ns } } }));
  const sa = await createOrReplace(`create ServiceAccount ${ns}/${MANAGER_SA}`, kc, () => core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: MANAGER_SA } } }));
  options.log(`ServiceAccount "${MANAGER_SA}" ${sa} in namespace "${ns}"`);

  if (options.namespaces.length === 0) {
    const role = { metadata: { name: MANAGER_ROLE }, rules: FULL_ACCESS };
    const r = await createOrReplace(`create ClusterRole ${MANAGER_ROLE}`, kc, () => rbac.createClusterRole({ body: role }), () => rbac.replaceClusterRole({ name: MANAGER_ROLE, body: role }));
    options.log(`ClusterRole "${MANAGER_ROLE}" ${r}`);
    const binding = { metadata: { name: MANAGER_BINDING }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: MANAGER_ROLE }, subjects: subject };
    const b = await createOrReplace(`create ClusterRoleBinding ${MANAGER_BINDING}`, kc, () => rbac.createClusterRoleBinding({ body: binding }), () => rbac.replaceClusterRoleBinding({ name: MANAGER_BINDING, body: binding }));
    options.log(`ClusterRoleBinding "${MANAGER_BINDING}" ${b}`);
  } else {
    for (const target of options.namespaces) {
      const role = { metadata: { name: MANAGER_ROLE, namespace: target }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
      await createOrReplace(`create Role ${target}/${MANAGER_ROLE}`, kc, () => rbac.createNamespacedRole({ namespace: target, body: role }), () =>
        rbac.replaceNamespacedRole({ namespace: target, name: MANAGER_ROLE, body: role }),
      );
      const binding = { metadata: { name: MANAGER_BINDING, namespace: target }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: MANAGER_ROLE }, subjects: subject };
      await createOrReplace(`create RoleBinding ${target}/${MANAGER_BINDING}`, kc, () => rbac.createNamespacedRoleBinding({ namespace: target, body: binding }), () =>
        rbac.replaceNamespacedRoleBinding({ namespace: target, name: MANAGER_BINDING, body: binding }),
      );
      options.log(`Role and RoleBinding "${MANAGER_ROLE}" in namespace "${target}"`);
    }
  }

  await createOrReplace(`create Secret ${ns}/${MANAGER_TOKEN_SECRET}`, kc, () =>
    core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: MANAGER_TOKEN_SECRET, annotations: { 'kubernetes.io/service-account.name': MANAGER_SA } }, type: 'kubernetes.io/service-account-token' },
    }),
  );
  // The token controller (kube-controller-manager) fills the Secret in.
  const deadline = Date.now() + (options.tokenTimeoutMs ?? 30_000);
  for (;;) {
    const secret = await kube(`read Secret ${ns}/${MANAGER_TOKEN_SECRET}`, kc, () => core.readNamespacedSecret({ namespace: ns, name: MANAGER_TOKEN_SECRET }));
    const token = secret.data?.['token'];
    if (token !== undefined && token !== '') return Buffer.from(token, 'base64').toString('utf8');
    if (Date.now() > deadline) {
      throw new UserError(errorCodes.KUBE_API_FAILED, `the token of ServiceAccount ${ns}/${MANAGER_SA} was not issued in time: is kube-controller-manager running in that cluster?`);
    }
    await sleep(300);
  }
}
