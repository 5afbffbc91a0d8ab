// `kawa controller`: the application controller role alone (Argo CD's `argocd-application-controller`),
// running until SIGINT/SIGTERM. Running operations stop at a step boundary and resume on the next start.
import type { Command } from 'commander';
import { pino } from 'pino';
import { runController } from '../../../controller/index.js';
import { loadKubeConfig } from '../server/server.js';

interface ControllerFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  statusProcessors: string;
  operationTimeout: string;
}

export function registerController(program: Command): void {
  program
    .command('controller')
    .description('run the application controller (refresh, sync, automated sync, history, deletion)')
    .option('--kubeconfig <file>', 'kubeconfig of the cluster holding the Applications (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'namespace of the Applications, AppProjects and settings', 'argocd')
    .option('--status-processors <n>', 'apps reconciled at once', '10')
    .option('--operation-timeout <seconds>', 'terminate a sync running longer than this (0: never)', '0')
    .addHelpText('after', '\nExample:\n  kawa controller --namespace argocd\n')
    .action(async (flags: ControllerFlags) => {
      const log = pino({ level: process.env['KAWA_LOG_LEVEL'] ?? 'info' });
      const running = await runController({
        kubeConfig: loadKubeConfig(flags.kubeconfig, flags.context),
        namespace: flags.namespace,
        log,
        concurrency: Math.max(1, Number.parseInt(flags.statusProcessors, 10) || 10),
        operationTimeoutMs: Math.max(0, Number.parseInt(flags.operationTimeout, 10) || 0) * 1000,
      });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          running.stop().then(resolve, (err: unknown) => {
            log.error({ err: String(err) }, 'error while stopping');
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
