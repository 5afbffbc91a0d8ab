// The flags of the admin verbs that read and write kawa's objects through a kubeconfig, not the API server:
// kawa's namespace, the kubeconfig and its context.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';

export interface KubeAccessFlags {
  namespace: string;
  kubeconfig?: string;
  context?: string;
}

export function kubeAccessOptions(command: Command, kubeconfigHelp: string): Command {
  return command.option('-n, --namespace <ns>', "kawa's namespace", 'argocd').option('--kubeconfig <file>', kubeconfigHelp).option('--context <name>', 'kubeconfig context');
}

export async function kubeConfigOf(flags: KubeAccessFlags): Promise<KubeConfig> {
  // Loaded on use: @kubernetes/client-node is heavy (CLI start-up time).
  const { loadKubeConfig } = await import('../../services/kube.js');
  return loadKubeConfig(flags.kubeconfig, flags.context);
}
