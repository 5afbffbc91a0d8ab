// The controller role wired from a kubeconfig: a repo service (mirrors and checkouts under the cache
// directory, credentials from the repository Secrets the controller watches) and the controller itself.
// `kawa controller` and `kawa up` both start it through here, with leader election on by default.
// With `repoServer` the controller renders nothing itself: a remote `kawa repo-server` (which has no
// Kubernetes access) does, and each request carries the repository Secrets the app's project may use.
import { homedir } from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { GitMirrorCache } from '../git/mirror.js';
import { execGitRunner } from '../git/run.js';
import { RepoServerClient, RepoService, type ManifestSource } from '../reposerver/index.js';
import { ApplicationController, type ControllerLogger, type ControllerOptions } from './controller.js';

export interface RunControllerOptions extends Partial<Omit<ControllerOptions, 'kubeConfig' | 'namespace' | 'repo' | 'log' | 'sharding'>> {
  kubeConfig: KubeConfig;
  namespace: string;
  log: ControllerLogger;
  /** Default `$XDG_CACHE_HOME/kawa` or `~/.cache/kawa`. */
  cacheDir?: string;
  /** Accept `file://` repository URLs (local development only). */
  allowFileUrls?: boolean;
  /**
   * Default: leader election (one replica, one Lease), so a second controller against the same
   * Applications waits instead of reconciling beside the first. `false`: no Lease at all (tests only).
   */
  sharding?: ControllerOptions['sharding'] | false;
  /**
   * `http://host:port` of a `kawa repo-server` to render with (Argo CD's `--repo-server`). Default: render
   * in this process (`kawa up`, a controller started alone without it).
   */
  repoServer?: string;
}

export interface RunningController {
  controller: ApplicationController;
  repo: ManifestSource;
  stop(): Promise<void>;
  /** What stop() still waits for (named when a shutdown deadline passes). */
  pending(): string[];
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(homedir(), '.cache'), 'kawa');
}

export async function runController(options: RunControllerOptions): Promise<RunningController> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const { kubeConfig, namespace, log, cacheDir: _c, allowFileUrls, sharding, repoServer, ...rest } = options;
  // The controller is created after the repo service but the credentials live in the controller: a late binding.
  const late: { controller?: ApplicationController } = {};
  const repo: ManifestSource =
    repoServer === undefined
      ? new RepoService({
          mirrors: new GitMirrorCache({
            cacheRoot: path.join(cacheDir, 'repos'),
            ...(allowFileUrls === true ? { allowFileUrls: true } : {}),
            ...(rest.metrics === undefined ? {} : { runGit: rest.metrics.gitRunner(execGitRunner()) }),
          }),
          workRoot: path.join(cacheDir, 'checkouts'),
          // Per (URL, app project): a project-scoped repository Secret serves only its own project's apps.
          credentials: (url, project) => late.controller?.repoCredentials.credentials(url, project),
          helmRepositories: (project) => late.controller?.repoCredentials.helmRepositories(project) ?? [],
        })
      : new RepoServerClient({
          url: repoServer,
          // The project's own and the global Secrets, as watched; nothing of other projects leaves the controller.
          credentials: (project) => late.controller?.repoCredentials.sources(project) ?? { repositories: [], templates: [] },
        });
  if (repoServer !== undefined) log.info({ repoServer }, 'rendering with a remote repo server');
  const started = new ApplicationController({
    kubeConfig,
    namespace,
    repo,
    log,
    ...rest,
    ...(sharding === false ? {} : { sharding: sharding ?? { replicas: 1 } }),
  });
  late.controller = started;
  await started.start();
  return {
    controller: started,
    repo,
    stop: () => started.stop(),
    pending: () => started.pendingWork(),
  };
}
