// The options every long-running role (`kawa server`, `kawa controller`) takes to find its cluster and
// namespace, declared once so they read the same in each role's --help.
import type { Command } from 'commander';

export interface RoleClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

/** Adds --kubeconfig, --context and -n/--namespace (default `argocd`, as Argo CD installs). */
export function roleClusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'kubeconfig of the cluster holding the Applications (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'namespace of the Applications, AppProjects and settings', 'argocd');
}
