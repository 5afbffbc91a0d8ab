// `kawa repo-server`: the repo server role alone (Argo CD's `argocd-repo-server`): the RepoService the
// controller otherwise runs in-process, behind its HTTP API, until SIGINT/SIGTERM; then renders in flight
// get --shutdown-timeout to finish before the process exits anyway. It needs no Kubernetes access: the
// controller and the API server (`--repo-server`) send the repository credentials an app's project may use
// inside each request, and it uses them for that request only. Deprecated: with --namespace it also reads
// the repository and repo-creds Secrets of that namespace (a watch) for requests that carry no credentials.
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { defaultCacheDir } from '../../../controller/index.js';
import { errorCodes, UserError } from '../../../errors.js';
import { GitMirrorCache } from '../../../git/mirror.js';
import { parseDuration } from '../../../model/duration.js';
import { loadPluginConfigs } from '../../../render/index.js';
import { KubeRest } from '../../../kube/rest.js';
import { RepoService, startRepoServerHttp, watchedRepoCredentials, type RepoServerHttp } from '../../../reposerver/index.js';
import { SettingsReader } from '../../../settings/index.js';
import { loadKubeConfig } from '../../services/kube.js';
import { httpServerPart, roleShutdown, shutdownTimeoutOption } from '../../shutdown.js';

interface RepoServerFlags {
  address: string;
  port: string;
  parallelismLimit: string;
  queueLimit?: string;
  renderTimeout: string;
  cacheDir?: string;
  pluginConfig: string[];
  shutdownTimeout?: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

/** How long start-up waits for the first list of the repository Secrets. */
const SECRETS_LIST_WAIT_MS = 30_000;

/** Seams for running the role inside another program (tests): where it listens, its log, when to stop. */
export interface RepoServerHooks {
  onListening?: (server: RepoServerHttp) => void;
  log?: pino.Logger;
  /** Stops the server like SIGTERM does (and then returns instead of exiting the process). */
  stop?: AbortSignal;
}

function positiveInt(text: string, flag: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
  if (!(value >= min)) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${flag} must be an integer ≥ ${min}, got "${text}"`);
  return value;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerRepoServer(program: Command, hooks: RepoServerHooks = {}): void {
  program
    .command('repo-server')
    .description('run the repo server (git fetch, checkout and manifest rendering) behind an HTTP API')
    .option('--address <ip>', 'listen address (127.0.0.1: this host only; the pod IP or 0.0.0.0: the cluster network)', '127.0.0.1')
    .option('--port <port>', 'listen port (Argo CD\'s repo server uses 8081; 0 picks one)', '8081')
    .option('--parallelism-limit <n>', 'manifest generations at once; more requests wait in a queue', '10')
    .option('--queue-limit <n>', 'requests that may wait for a render slot; over that they get 503 (default: 10 × parallelism limit)')
    .option('--render-timeout <duration>', 'time for one render, every tool included (Go duration: 90s, 2m; a bare number is seconds)', '90s')
    .option('--cache-dir <dir>', 'git mirrors and checkouts (default: $XDG_CACHE_HOME/kawa/repo-server or ~/.cache/kawa/repo-server)')
    .option('--plugin-config <file>', 'a config management plugin (plugin.yaml); repeatable', collect, [])
    .option(
      '-n, --namespace <ns>',
      'deprecated: also read the repository and repo-creds Secrets of this namespace, for requests that carry no credentials (the controller and the server send them with each request; default: no Kubernetes access)',
    )
    .option('--kubeconfig <file>', 'deprecated, with --namespace: kubeconfig of the cluster holding the Secrets (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'deprecated, with --namespace: kubeconfig context')
    .option(...shutdownTimeoutOption)
    .addHelpText(
      'after',
      '\nExamples:\n  kawa repo-server                                      # 127.0.0.1:8081, 10 renders at once, 90 s each\n  kawa repo-server --address 0.0.0.0 --parallelism-limit 4 --render-timeout 2m\n',
    )
    .action(async (flags: RepoServerFlags) => {
      const port = positiveInt(flags.port, '--port', 0);
      if (port > 65_535) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--port must be at most 65535, got ${port}`);
      const maxConcurrent = positiveInt(flags.parallelismLimit, '--parallelism-limit', 1);
      const maxQueued = flags.queueLimit === undefined ? undefined : positiveInt(flags.queueLimit, '--queue-limit', 0);
      const renderTimeoutMs = parseDuration(flags.renderTimeout, { bareIntegerAsSeconds: true });
      if (renderTimeoutMs === undefined || !(renderTimeoutMs > 0)) {
        throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--render-timeout must be a positive duration like 90s or 2m, got "${flags.renderTimeout}"`);
      }
      const plugins = await loadPluginConfigs(flags.pluginConfig);
      const log = hooks.log ?? pino({ level: process.env['KAWA_LOG_LEVEL'] ?? 'info' });
      const { shutdown, timeoutMs } = roleShutdown(
        flags.shutdownTimeout,
        (line) => {
          log.info({}, line);
        },
        hooks.stop === undefined ? undefined : () => undefined,
      );
      if (hooks.stop?.aborted === true) void shutdown.stop('stop requested');
      else hooks.stop?.addEventListener('abort', () => void shutdown.stop('stop requested'), { once: true });
      const cacheDir = flags.cacheDir ?? path.join(defaultCacheDir(), 'repo-server');
      if (flags.namespace !== undefined) {
        log.warn({ namespace: flags.namespace }, '--namespace is deprecated: the controller and the server send repository credentials with each request, and the repo server needs no Kubernetes access');
      }
      const secrets = flags.namespace === undefined ? undefined : SettingsReader.forCluster(new KubeRest(loadKubeConfig(flags.kubeconfig, flags.context)), flags.namespace, { log });
      if (secrets !== undefined && !(await secrets.waitForSync(SECRETS_LIST_WAIT_MS))) {
        log.warn({ namespace: flags.namespace }, 'the repository Secrets could not be listed yet; fetches go without credentials until they are');
      }
      const repoCredentials =
        secrets === undefined
          ? undefined
          : watchedRepoCredentials(secrets, (secret, problem) => {
              log.warn({ secret, err: problem }, 'secret ignored');
            });
      const service = new RepoService({
        mirrors: new GitMirrorCache({ cacheRoot: path.join(cacheDir, 'repos') }),
        workRoot: path.join(cacheDir, 'checkouts'),
        renderTimeoutMs,
        plugins: () => plugins,
        ...(repoCredentials === undefined ? {} : { credentials: repoCredentials.credentials, helmRepositories: repoCredentials.helmRepositories }),
      });
      const server = await startRepoServerHttp({ service, host: flags.address, port, maxConcurrent, ...(maxQueued === undefined ? {} : { maxQueued }), log });
      const renders = (): string[] => {
        const { running, queued } = server.limiter;
        return running + queued === 0 ? [] : [`${running} renders running, ${queued} waiting`];
      };
      shutdown.add(httpServerPart('repo server', server.fastify.server, () => server.close(), timeoutMs / 2, renders, (line) => {
        log.info({}, line);
      }));
      log.info({ url: server.url, parallelismLimit: maxConcurrent, renderTimeoutMs, cacheDir }, 'repo server listening');
      hooks.onListening?.(server);
      await shutdown.wait();
      await secrets?.close();
    });
}
