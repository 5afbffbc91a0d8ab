// The options every long-running role (`kawa server`, `kawa controller`) takes to find its cluster and
// namespace, and how it checks its rights there, declared once so they read the same in each role's --help.
import type { Command } from 'commander';

export interface RoleClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** Namespace install: the role may act in its own namespace only (no ClusterRoles). */
  namespaced: boolean;
  /** Start without checking the role's Kubernetes permissions first. */
  accessCheck: boolean;
}

/** Adds --kubeconfig, --context and -n/--namespace (default `argocd`, as Argo CD installs). */
export function roleClusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'kubeconfig of the cluster holding the Applications (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'namespace of the Applications, AppProjects and settings', 'argocd')
    .option('--namespaced', 'namespace install: manage and read only the role\'s own namespace (the in-cluster destination is limited to it; no cluster-wide rights needed)', false)
    // Before it starts, the role asks the API server (SelfSubjectAccessReviews) for every permission it needs; while one
    // is missing it logs exactly which, answers /healthz with 503 and checks again every 30 s instead of crash-looping.
    .option('--no-access-check', 'start without checking the role\'s Kubernetes permissions first');
}
