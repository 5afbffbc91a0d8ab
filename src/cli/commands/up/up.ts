// `kawa up`: the one-command start. In one process: the API server, the controller and the renderer,
// against the current kubeconfig's cluster — or, when there is none (or with --local), a local control
// plane started (or reused) first. Installs the CRDs, the default project and the admin password, serves
// the bundled examples over git and (on first run) creates the `guestbook` Application and waits for it
// to be synced and healthy. Ctrl-C (or SIGTERM) stops kawa within --shutdown-timeout; the local control
// plane keeps running for the next start. The controller takes a Lease: a second `kawa up` against the
// same Applications serves its API but reconciles nothing until the first one stops.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import { defaultCacheDir, runController, type LeaseEvent, type RunningController } from '../../../controller/index.js';
import { messageOf } from '../../../errors.js';
import { up as startLocalCluster } from '../../../localcluster/cluster.js';
import { projectRoot } from '../../../tools/pins.js';
import { IN_CLUSTER_SERVER, RESOURCES_FINALIZER } from '../../../model/index.js';
import { ensureCrds, serverSettingsReader, startServer, type RunningServer } from '../../../server/index.js';
import type { Shutdown } from '../../../util/shutdown.js';
import { kawaCommand } from '../../services/kawa-command.js';
import { httpServerPart, roleShutdown, shutdownTimeoutOption } from '../../shutdown.js';
import { loadKubeConfig } from '../../services/kube.js';
import { prepareRenderers, setToolBuildLog } from '../../../render/tools.js';
import { serveExampleRepo, type ExampleRepo } from './example.js';

export interface UpFlags {
  kubeconfig?: string;
  context?: string;
  local?: boolean;
  clusterName: string;
  namespace: string;
  address: string;
  port: number;
  examplePort?: number;
  /** true: create the example app; false: never; undefined: on first run (no Applications yet). */
  example?: boolean;
  /** How long to wait for the example to be Synced and Healthy, in seconds. */
  wait: number;
  shutdownTimeout?: string;
}

/** How runUp registers what it starts for a signal to stop (the `kawa up` command passes its Shutdown). */
export interface UpShutdown {
  shutdown: Shutdown;
  timeoutMs: number;
}

export interface RunningKawa {
  url: string;
  kubeconfigPath?: string;
  example?: { url: string; app: string; sync: string; health: string };
  /** Another controller held the Lease at start: this one reconciles nothing until it is free. */
  waitingForLease?: string;
  stop(): Promise<void>;
}

const EXAMPLE_APP = 'guestbook';

function port(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!/^\d+$/.test(value) || n > 65_535) throw new InvalidArgumentError('a port from 0 to 65535');
  return n;
}

function hasDefaultKubeconfig(): boolean {
  const env = process.env['KUBECONFIG'];
  if (env !== undefined && env !== '') return env.split(path.delimiter).some((f) => existsSync(f));
  return existsSync(path.join(homedir(), '.kube', 'config'));
}

async function ensureNamespace(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.readNamespace({ name });
  } catch {
    await core.createNamespace({ body: { metadata: { name } } }).catch((err: unknown) => {
      if (!messageOf(err).includes('AlreadyExists') && !messageOf(err).includes('already exists')) throw err;
    });
  }
}

function exampleApplication(namespace: string, repoURL: string): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: EXAMPLE_APP, namespace, finalizers: [RESOURCES_FINALIZER] },
    spec: {
      project: 'default',
      source: { repoURL, path: 'guestbook', targetRevision: 'HEAD' },
      destination: { server: IN_CLUSTER_SERVER, namespace: 'guestbook' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    },
  };
}

/** Starts everything; resolves once the API server listens and (with the example) the example is synced. */
export async function runUp(flags: UpFlags, say: (line: string) => void, stopping?: UpShutdown): Promise<RunningKawa> {
  let kubeconfigPath = flags.kubeconfig;
  let localCluster: string | undefined;
  if (flags.local === true || (kubeconfigPath === undefined && !hasDefaultKubeconfig())) {
    say(`starting the local control plane "${flags.clusterName}" (the first start builds the pinned Kubernetes binaries: about 10 minutes)`);
    const state = await startLocalCluster({ root: projectRoot(), name: flags.clusterName, nodes: 2, log: (line) => { say(`  ${line}`); } });
    kubeconfigPath = state.kubeconfig;
    localCluster = state.kubeconfig;
  }
  // The renderers are built in the background while kawa starts, so a Helm, Kustomize or Jsonnet app
  // created right after `kawa up` syncs; a render that needs one first waits for its build.
  setToolBuildLog((line) => { say(line); });
  prepareRenderers();
  const kubeConfig = loadKubeConfig(kubeconfigPath, flags.context);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await ensureNamespace(core, flags.namespace);

  const logger = pino({ level: process.env['KAWA_LOG_LEVEL'] ?? 'warn' });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    // The CRDs first (the controller watches Applications), then the controller, then the server reading its caches.
    await ensureCrds(kubeConfig.makeApiClient(ApiextensionsV1Api));
    let waitingForLease: string | undefined;
    const onLease = (event: LeaseEvent): void => {
      if (event.kind === 'waiting') {
        waitingForLease = event.holder;
        say(`waiting for the lease ${flags.namespace}/${event.lease}: another kawa controller (${event.holder}) reconciles these Applications; this one starts when it stops`);
      } else if (waitingForLease !== undefined && event.shards.length > 0) {
        waitingForLease = undefined;
        say(`took over the lease: this kawa now reconciles the Applications in ${flags.namespace}`);
      }
    };
    // One watch of argocd-cm and the Secrets for both roles of this process; closed after both stopped.
    const settings = serverSettingsReader(kubeConfig, flags.namespace, logger);
    stops.push(() => settings.close());
    const controller: RunningController = await runController({ kubeConfig, namespace: flags.namespace, log: logger, onLease, settingsReader: settings });
    stops.push(() => controller.stop());
    stopping?.shutdown.add({ name: 'controller', stop: () => controller.stop(), pending: () => controller.pending() });
    const server: RunningServer = await startServer({
      kubeConfig,
      namespace: flags.namespace,
      host: flags.address,
      port: flags.port,
      installCrds: false,
      logger,
      liveState: controller.controller.liveStateSource(),
      settings,
    });
    stops.push(() => server.close());
    if (stopping !== undefined) stopping.shutdown.add(httpServerPart('API server', server.app.server, () => server.close(), stopping.timeoutMs / 2, undefined, say));

    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const apps = (await custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: flags.namespace, plural: 'applications' })) as { items?: { metadata?: { name?: string } }[] };
    const exampleExists = apps.items?.some((a) => a.metadata?.name === EXAMPLE_APP) === true;
    const wantExample = flags.example ?? ((apps.items?.length ?? 0) === 0 || exampleExists);
    const result: RunningKawa = {
      url: server.address,
      ...(localCluster === undefined ? {} : { kubeconfigPath: localCluster }),
      ...(waitingForLease === undefined ? {} : { waitingForLease }),
      stop: stopAll,
    };
    if (wantExample && flags.example !== false) {
      const serverPort = Number(new URL(server.address).port);
      const examplePort = flags.examplePort ?? (flags.port === 0 ? 0 : serverPort + 1);
      const repo: ExampleRepo = await serveExampleRepo(path.join(projectRoot(), 'examples'), path.join(defaultCacheDir(), 'example'), examplePort);
      stops.push(() => repo.server.close());
      stopping?.shutdown.add({ name: 'example git server', stop: () => repo.server.close() });
      const body = exampleApplication(flags.namespace, repo.url);
      if (exampleExists) {
        await custom.patchNamespacedCustomObject(
          { group: 'argoproj.io', version: 'v1alpha1', namespace: flags.namespace, plural: 'applications', name: EXAMPLE_APP, body: [{ op: 'replace', path: '/spec/source/repoURL', value: repo.url }] },
        );
      } else {
        await custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: flags.namespace, plural: 'applications', body });
        say(`created Application ${flags.namespace}/${EXAMPLE_APP} from ${repo.url} (path guestbook, automated sync)`);
      }
      controller.controller.refresh(flags.namespace, EXAMPLE_APP, 'normal');
      // Another controller reconciles meanwhile (it holds the Lease): report what it made of the example, do not wait for it.
      const deadline = Date.now() + (controller.controller.holdsLease() ? flags.wait * 1000 : 0);
      let sync = 'Unknown';
      let health = 'Unknown';
      do {
        const app = (await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: flags.namespace, plural: 'applications', name: EXAMPLE_APP })) as {
          status?: { sync?: { status?: string }; health?: { status?: string }; conditions?: { message?: string }[] };
        };
        sync = app.status?.sync?.status ?? 'Unknown';
        health = app.status?.health?.status ?? 'Unknown';
        if (sync === 'Synced' && health === 'Healthy') break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      } while (Date.now() < deadline);
      result.example = { url: repo.url, app: EXAMPLE_APP, sync, health };
    }
    return result;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run kawa (API server + controller + renderer) in one process, with a local control plane when there is no cluster')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config; none → a local control plane)')
    .option('--context <name>', 'kubeconfig context')
    .option('--local', 'start (or reuse) the local control plane even when a kubeconfig exists', false)
    .option('--cluster-name <name>', 'name of the local control plane (.kawa/<name>.kubeconfig)', 'kawa')
    .option('-n, --namespace <ns>', 'namespace for kawa\'s Applications, AppProjects and settings', 'argocd')
    .option('--address <ip>', 'listen address of the API server and UI', '127.0.0.1')
    .option('--port <port>', 'listen port (0 picks a free one)', port, 8080)
    .option('--example-port <port>', 'port of the example git repository (default: --port + 1)', port)
    .option('--example', 'create the example guestbook Application (default: on first run)')
    .option('--no-example', 'do not create or serve the example')
    .option('--wait <seconds>', 'how long to wait for the example to be synced', (v) => Number.parseInt(v, 10), 300)
    .option(...shutdownTimeoutOption)
    .addHelpText('after', '\nExamples:\n  kawa up                     # local control plane + kawa + the example app\n  kawa up --kubeconfig ~/.kube/config --no-example\n')
    .action(async (flags: UpFlags) => {
      const say = (line: string): void => {
        process.stderr.write(`[kawa] ${line}\n`);
      };
      // Listening from the start: a signal while the cluster, controller or server start stops what started.
      const stopping = roleShutdown(flags.shutdownTimeout, say);
      const kawa = await runUp(flags, say, stopping);
      // Runnable as printed: the same cluster as this kawa, not whatever the default kubeconfig names.
      const kubeconfig = kawa.kubeconfigPath ?? flags.kubeconfig;
      const passwordArgs = [
        'admin',
        'initial-password',
        '--namespace',
        flags.namespace,
        ...(kubeconfig === undefined ? [] : ['--kubeconfig', path.resolve(kubeconfig)]),
        ...(flags.context === undefined ? [] : ['--context', flags.context]),
      ];
      const lines = [
        `kawa is up: ${kawa.url}`,
        `  username: admin`,
        `  password: ${kawaCommand(passwordArgs)}   (Secret ${flags.namespace}/argocd-initial-admin-secret)`,
        ...(kawa.kubeconfigPath === undefined ? [] : [`  cluster:  KUBECONFIG=${kawa.kubeconfigPath}`]),
        ...(kawa.example === undefined ? [] : [`  example:  Application ${kawa.example.app} is ${kawa.example.sync} and ${kawa.example.health}: ${kawa.url}/applications/${flags.namespace}/${kawa.example.app} (repo ${kawa.example.url}, path guestbook)`]),
        ...(kawa.waitingForLease === undefined ? [] : [`  controller: waiting for the lease held by ${kawa.waitingForLease} (another kawa reconciles these Applications)`]),
        `Ctrl-C stops kawa; the local control plane keeps running (npm run cluster:down -- --name ${flags.clusterName} stops it).`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      await stopping.shutdown.wait();
    });
}
