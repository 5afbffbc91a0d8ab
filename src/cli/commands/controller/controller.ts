// `kawa controller`: the application controller role alone (Argo CD's `argocd-application-controller`),
// running until SIGINT/SIGTERM. Then running operations stop at a step boundary (they resume on the next
// start) within --shutdown-timeout. Leader election is on: a second controller waits for the Lease.
// With --repo-server it renders through a remote `kawa repo-server`, sending the repository credentials
// each app's project may use with each request; without, it renders in this process.
import { Option, type Command } from 'commander';
import { pino } from 'pino';
import { ControllerMetrics, runController } from '../../../controller/index.js';
import { waitForControllerAccess } from '../../../controller/permissions.js';
import { parseRepoServerUrl } from '../../../reposerver/index.js';
import { roleShutdown, shutdownTimeoutOption } from '../../shutdown.js';
import { loadKubeConfig } from '../../services/kube.js';
import { roleClusterOptions, type RoleClusterFlags } from '../role-options.js';

interface ControllerFlags extends RoleClusterFlags {
  statusProcessors: string;
  operationTimeout: string;
  metricsAddress: string;
  metricsPort: string;
  replicas?: string;
  shard?: string;
  leaseDuration: string;
  shutdownTimeout?: string;
  repoServer?: string;
}

export function registerController(program: Command): void {
  roleClusterOptions(program.command('controller').description('run the application controller (refresh, sync, automated sync, history, deletion)'))
    .option('--status-processors <n>', 'apps reconciled at once', '10')
    .option('--operation-timeout <seconds>', 'terminate a sync running longer than this (0: never)', '0')
    .option('--replicas <n>', 'controller replicas sharing the clusters through Leases (1: leader election, a second controller waits for the Lease)', '1')
    .option('--shard <i>', 'the shard this replica asks for first (0-based); others are taken over when their holder dies')
    .option('--lease-duration <seconds>', 'how long a shard Lease lasts without renewal', '15')
    .option('--metrics-address <ip>', 'listen address of /metrics', '0.0.0.0')
    .option('--metrics-port <port>', 'port of /metrics (Argo CD\'s controller uses 8082; 0 picks one)', '8082')
    .addOption(
      new Option('--repo-server <url>', 'render with this repo server (http://host:port or host:port), sending it the repository credentials each app may use (default: render in this process)').env(
        'ARGOCD_APPLICATION_CONTROLLER_REPO_SERVER',
      ),
    )
    .option(...shutdownTimeoutOption)
    .addHelpText('after', '\nExamples:\n  kawa controller --namespace argocd\n  kawa controller --namespace argocd --repo-server http://kawa-repo-server:8081\n  kawa controller --replicas 2 --shard 0   # two replicas splitting the clusters, each taking over if the other dies\n')
    .action(async (flags: ControllerFlags) => {
      // Checked before anything starts: a bad URL is a usage error, not a failure at the first render.
      const repoServer = flags.repoServer === undefined || flags.repoServer === '' ? undefined : parseRepoServerUrl(flags.repoServer);
      const log = pino({ level: process.env['KAWA_LOG_LEVEL'] ?? 'info' });
      const { shutdown } = roleShutdown(flags.shutdownTimeout, (line) => {
        log.info({}, line);
      });
      const metrics = new ControllerMetrics({ processMetrics: true });
      const endpoint = await metrics.serve(flags.metricsAddress, Number.parseInt(flags.metricsPort, 10) || 0);
      shutdown.add({ name: 'metrics endpoint', stop: () => endpoint.close() });
      log.info({ address: `${endpoint.address}/metrics` }, 'metrics listening');
      const kubeConfig = loadKubeConfig(flags.kubeconfig, flags.context);
      if (flags.accessCheck) await waitForControllerAccess(kubeConfig, flags.namespace, log, undefined, { readiness: metrics, namespaced: flags.namespaced });
      const replicas = Math.max(1, Number.parseInt(flags.replicas ?? '1', 10) || 1);
      const shard = flags.shard === undefined ? undefined : Number.parseInt(flags.shard, 10);
      const running = await runController({
        metrics,
        sharding: {
          replicas,
          ...(shard === undefined || Number.isNaN(shard) ? {} : { shard }),
          leaseDurationMs: Math.max(1, Number.parseInt(flags.leaseDuration, 10) || 15) * 1000,
          ...(process.env['POD_NAME'] === undefined ? {} : { identity: process.env['POD_NAME'] }),
        },
        kubeConfig,
        namespace: flags.namespace,
        namespaced: flags.namespaced,
        log,
        concurrency: Math.max(1, Number.parseInt(flags.statusProcessors, 10) || 10),
        operationTimeoutMs: Math.max(0, Number.parseInt(flags.operationTimeout, 10) || 0) * 1000,
        ...(repoServer === undefined ? {} : { repoServer }),
      });
      shutdown.add({ name: 'controller', stop: () => running.stop(), pending: () => running.pending() });
      await shutdown.wait();
    });
}
