// `kawa controller`: the application controller role alone (Argo CD's `argocd-application-controller`),
// running until SIGINT/SIGTERM. Running operations stop at a step boundary and resume on the next start.
import type { Command } from 'commander';
import { pino } from 'pino';
import { ControllerMetrics, runController } from '../../../controller/index.js';
import { loadKubeConfig } from '../server/server.js';

interface ControllerFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  statusProcessors: string;
  operationTimeout: string;
  metricsAddress: string;
  metricsPort: string;
  replicas?: string;
  shard?: string;
  leaseDuration: string;
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
    .option('--replicas <n>', 'controller replicas sharing the clusters through Leases (with 1: leader election); default: no Leases')
    .option('--shard <i>', 'the shard this replica asks for first (0-based); others are taken over when their holder dies')
    .option('--lease-duration <seconds>', 'how long a shard Lease lasts without renewal', '15')
    .option('--metrics-address <ip>', 'listen address of /metrics', '0.0.0.0')
    .option('--metrics-port <port>', 'port of /metrics (Argo CD\'s controller uses 8082; 0 picks one)', '8082')
    .addHelpText('after', '\nExamples:\n  kawa controller --namespace argocd\n  kawa controller --replicas 2 --shard 0   # two replicas splitting the clusters, each taking over if the other dies\n')
    .action(async (flags: ControllerFlags) => {
      const log = pino({ level: process.env['KAWA_LOG_LEVEL'] ?? 'info' });
      const metrics = new ControllerMetrics({ processMetrics: true });
      const endpoint = await metrics.serve(flags.metricsAddress, Number.parseInt(flags.metricsPort, 10) || 0);
      log.info({ address: `${endpoint.address}/metrics` }, 'metrics listening');
      const replicas = flags.replicas === undefined ? undefined : Math.max(1, Number.parseInt(flags.replicas, 10) || 1);
      const shard = flags.shard === undefined ? undefined : Number.parseInt(flags.shard, 10);
      const running = await runController({
        metrics,
        ...(replicas === undefined
          ? {}
          : {
              sharding: {
                replicas,
                ...(shard === undefined || Number.isNaN(shard) ? {} : { shard }),
                leaseDurationMs: Math.max(1, Number.parseInt(flags.leaseDuration, 10) || 15) * 1000,
                ...(process.env['POD_NAME'] === undefined ? {} : { identity: process.env['POD_NAME'] }),
              },
            }),
        kubeConfig: loadKubeConfig(flags.kubeconfig, flags.context),
        namespace: flags.namespace,
        log,
        concurrency: Math.max(1, Number.parseInt(flags.statusProcessors, 10) || 10),
        operationTimeoutMs: Math.max(0, Number.parseInt(flags.operationTimeout, 10) || 0) * 1000,
      });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          Promise.all([running.stop(), endpoint.close()]).then(() => {
            resolve();
          }, (err: unknown) => {
            log.error({ err: String(err) }, 'error while stopping');
            resolve();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
