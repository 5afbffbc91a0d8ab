// `kawa server`: the Argo CD compatible API server. startServer wires the real pieces together (Kubernetes
// clients from a kubeconfig, accounts and sessions in argocd-cm/argocd-secret, RBAC from argocd-rbac-cm and
// the AppProjects) and listens; buildServer (app.ts) is the same server with everything injected.
//
// Decisions worth knowing (details in each file):
// - Credentials: `Authorization: Bearer` or the `argocd.token` cookie. Cookie-authenticated requests that
//   change state must carry an `X-Requested-With` header (CSRF); the cookie is HttpOnly and SameSite=Strict.
// - Errors: `{error, code, message}` with gRPC codes, as Argo CD's REST gateway answers.
// - Logout is recorded in the cluster (one Secret per logged-out session id, until it would have expired),
//   so every replica refuses the token; each replica watches those Secrets, so a token check costs no API call.
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { AccountStore, LoginService, OidcService, SessionManager, bootstrapAuth, federatedTokens } from './auth/index.js';
import { buildServer, DEFAULT_NAMESPACE, type KawaServer } from './app.js';
import { ensureCrds, ensureDefaultProject } from './bootstrap.js';
import { RbacService, loadProjectRoles } from './rbac/index.js';
import { reloadPolicy, reloadProjectRoles, reloadRbac, type RbacSources } from './rbac-sync.js';
import { KubeRevocationStore, SessionRevocations, isRevocationSecret, revocationListWatch } from './auth/revocations.js';
import { ArgoStore } from './store.js';
import type { GitProbe } from './services/repositories.js';
import { defaultLiveStateSource, type LiveStateSource } from '../livestate/source.js';
import { KubeRest } from '../kube/rest.js';
import { SettingsReader, parseArgoCdSecrets, type SettingsReaderOptions } from '../settings/index.js';
import { inClusterDefault, inClusterOf, type RepoCreds, type Repository } from '../model/index.js';
import { RepoServerClient, repoCredentialsFrom } from '../reposerver/index.js';

export { buildServer, DEFAULT_BODY_LIMIT, DEFAULT_NAMESPACE, type KawaServer, type ServerDeps } from './app.js';
export { ensureCrds, ensureDefaultProject } from './bootstrap.js';
export { AUTH_COOKIE, CSRF_HEADER, type RouteAuth, type RouteInfo } from './guard.js';
export { reloadRbac, reloadPolicy, reloadProjectRoles } from './rbac-sync.js';
export { KubeRevocationStore, SessionRevocations } from './revocations.js';
export { defaultLiveStateSource, renderApp, type DesiredState, type LiveCache, type LiveCluster, type LiveStateSource } from '../livestate/source.js';
export { ArgoStore } from './store.js';

/** How long start-up waits for the first list of logged-out sessions. */
const REVOCATIONS_LIST_WAIT_MS = 10_000;
/** How long start-up waits for the settings reader's first lists (argocd-cm, argocd-secret, …). */
const SETTINGS_LIST_WAIT_MS = 10_000;

export interface StartOptions {
  /** Default: the usual kubeconfig lookup (KUBECONFIG, ~/.kube/config, in-cluster). */
  readonly kubeConfig?: KubeConfig;
  readonly namespace?: string;
  /** Default 0.0.0.0: the server runs in a Pod and is reached through a Service. */
  readonly host?: string;
  /** Default 8080, Argo CD's API port. */
  readonly port?: number;
  readonly logger?: FastifyBaseLogger;
  readonly bodyLimit?: number;
  readonly secureCookies?: boolean;
  readonly applicationNamespaces?: readonly string[];
  /** Apply kawa's CRDs at start-up (server-side apply, field manager `kawa`). Default false. */
  readonly installCrds?: boolean;
  /** How often argocd-rbac-cm and the project roles are re-read, in ms (default 15 s). */
  readonly rbacReloadMs?: number;
  /**
   * A settings reader another role of this process already runs (`kawa up` shares the controller's), so
   * one process keeps one watch of argocd-cm and the Secrets; its owner closes it. By default the server
   * builds and closes its own.
   */
  readonly settings?: SettingsReader;
  /**
   * `http://host:port` of a `kawa repo-server` the manifests, diff and revision routes render with, sending
   * it the repository credentials of each app's project (default: render in this process; for renders it
   * is not used when `liveState` is given, the controller's in `kawa up`). The repositories API's
   * connection checks and refs listings go through it too (unless `git` is given).
   */
  readonly repoServer?: string;
  /**
   * A namespace install: the server's identity holds Roles in `namespace` only, so the in-cluster
   * destination's live state (resource tree, live objects, events, logs) is read in that namespace alone,
   * without cluster-scoped resources — unless a cluster Secret for `https://kubernetes.default.svc` says
   * otherwise. Not used when `liveState` is given. Default false: every namespace.
   */
  readonly namespaced?: boolean;
}

export interface RunningServer {
  readonly app: KawaServer;
  /** `http://host:port`. */
  readonly address: string;
  close(): Promise<void>;
}

/** What assembleServer also needs beyond StartOptions' wiring: test-only knobs of buildServer. */
export interface AssembleOptions extends Omit<StartOptions, 'host' | 'port' | 'rbacReloadMs'> {
  /** Check responses against their schemas (tests). */
  readonly validateResponses?: boolean;
  /** How long `?refresh=` waits for the controller, in ms. */
  readonly refreshWaitMs?: number;
  /** `git ls-remote` for repository checks (default: a GitMirrorCache under ~/.cache/kawa/repos). */
  readonly git?: GitProbe;
  /**
   * Live state for the resource-tree, managed-resources, manifests, events, resource and logs routes: the
   * controller's when it runs in this process; by default one ClusterCache for the kubeconfig's cluster
   * (as `in-cluster`) and a RepoService of the server's own.
   */
  readonly liveState?: LiveStateSource;
  /** Serve Application reads from a watch cache (default true); false: a LIST/GET per request (benchmarks compare the two). */
  readonly cacheApplications?: boolean;
  /** Where the default live-state source keeps git mirrors (default ~/.cache/kawa/repos; checkouts go to its sibling `work`). */
  readonly repoCacheRoot?: string;
}

export interface AssembledServer {
  readonly app: KawaServer;
  readonly kubeConfig: KubeConfig;
  readonly accounts: AccountStore;
  readonly sessions: SessionManager;
  /** Re-reads argocd-rbac-cm and the project roles. */
  readonly reloadRbac: () => Promise<void>;
}

/**
 * The server wired from a kubeconfig, ready but not listening: CRDs (optional), the default project,
 * the auth bootstrap, sessions, RBAC. startServer and the tests share this one wiring.
 */
export async function assembleServer(options: AssembleOptions = {}): Promise<AssembledServer> {
  const kc = options.kubeConfig ?? defaultKubeConfig();
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const logger: FastifyBaseLogger = options.logger ?? pino({ level: process.env['KAWA_LOG_LEVEL'] ?? 'info' });
  // argocd-cm, argocd-secret and the Secrets they reference, followed by one watch shared by accounts, SSO,
  // webhooks and RBAC: checking a token costs no API call. The server closes it; until then, a failure closes it here.
  const settings = options.settings ?? serverSettingsReader(kc, namespace, logger);
  try {
    return await wireServer(options, kc, namespace, logger, settings);
  } catch (err) {
    if (options.settings === undefined) await settings.close();
    throw err;
  }
}

async function wireServer(options: AssembleOptions, kc: KubeConfig, namespace: string, logger: FastifyBaseLogger, settings: SettingsReader): Promise<AssembledServer> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const store = new ArgoStore(custom, core);

  if (options.installCrds === true) await ensureCrds(kc.makeApiClient(ApiextensionsV1Api));
  if (await ensureDefaultProject(store, namespace)) logger.info(`created the default project in ${namespace}`);

  if (!(await settings.waitForSync(SETTINGS_LIST_WAIT_MS))) logger.warn(`argocd-cm and argocd-secret in ${namespace} could not be listed yet; logins and token checks fail until they are`);
  const accounts = new AccountStore({ core, namespace, settings });
  const boot = await bootstrapAuth(accounts);
  if (boot.initialSecretCreated) logger.info(`the initial admin password is in Secret ${namespace}/argocd-initial-admin-secret`);
  for (const problem of (await accounts.load()).problems) logger.warn(problem);

  // Logged-out sessions, followed by a watch so checking a token costs no API call. Waiting for the first
  // list here means requests are not refused for want of it; if it does not come in time the server starts
  // anyway and token checks fail closed until it does (see SessionRevocations.isRevoked).
  // The watch starts once the server is built (its close stops it), before the server is handed out.
  const revocations = new SessionRevocations({ store: new KubeRevocationStore(core, namespace, revocationListWatch(kc, namespace)), log: logger });
  const rbac = await RbacService.create();
  const oidc = new OidcService({ settings });
  const sessions = new SessionManager({
    settings: accounts,
    // Group claims are read with argocd-rbac-cm `scopes` as they are when the token is checked.
    federated: federatedTokens(oidc, () => rbac.enforcer.scopes),
    isRevoked: (id) => revocations.isRevoked(id),
    projectRole: async (project, role) => {
      const obj = await store.get('appprojects', namespace, project);
      return obj === undefined ? undefined : loadProjectRoles([obj]).roles.find((r) => r.name === role);
    },
  });
  const login = await LoginService.create({ settings: accounts, sessions });
  const sources: RbacSources = { rbac, core, store, namespace, log: logger, settings };
  await reloadRbac(sources);
  // A change to argocd-rbac-cm or argocd-cm applies as soon as the watch delivers it.
  settings.onChange((change) => {
    if (change.kind !== 'ConfigMap') return;
    reloadPolicy(sources, { delivered: true }).catch((err: unknown) => {
      logger.warn({ err }, 'could not reload RBAC; the previous policy stays in force');
    });
  });

  // With a remote repo server, it also runs the repository connection checks and refs listings: the API
  // server then reaches no git host itself.
  const repoServer = options.repoServer === undefined ? undefined : remoteRepoServer(options.repoServer, settings);
  const liveState =
    options.liveState ??
    defaultLiveStateSource({
      kubeConfig: kc,
      namespace,
      ...(options.repoCacheRoot === undefined ? {} : { cacheRoot: options.repoCacheRoot }),
      repositories: () => Promise.resolve(repositorySecretsOf(settings)),
      ...(repoServer === undefined ? {} : { repo: repoServer }),
      log: logger,
      inClusterScope: () => inClusterOf(parseArgoCdSecrets(settings.allSecrets(), () => undefined).clusters, { onlyNamespace: options.namespaced === true ? namespace : undefined }),
    });

  const app = await buildServer({
    liveState,
    closeLiveState: options.liveState === undefined,
    custom,
    core,
    sessions,
    login,
    rbac,
    oidc,
    settings,
    closeSettings: options.settings === undefined,
    revocations,
    namespace,
    logger,
    processMetrics: true,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.secureCookies === undefined ? {} : { secureCookies: options.secureCookies }),
    ...(options.applicationNamespaces === undefined ? {} : { applicationNamespaces: options.applicationNamespaces }),
    ...(options.validateResponses === undefined ? {} : { validateResponses: options.validateResponses }),
    ...(options.refreshWaitMs === undefined ? {} : { refreshWaitMs: options.refreshWaitMs }),
    ...(options.cacheApplications === undefined ? {} : { cacheApplications: options.cacheApplications }),
    onProjectsChanged: () => reloadProjectRoles(sources),
    accounts,
    kubeConfig: kc,
    ...(options.git === undefined ? (repoServer === undefined ? {} : { git: repoServer }) : { git: options.git }),
    ...(options.namespaced === true ? { inCluster: inClusterDefault({ onlyNamespace: namespace }) } : {}),
    streams: { kubeConfig: kc },
  });
  if (!(await revocations.ready(REVOCATIONS_LIST_WAIT_MS))) logger.warn(`the logged-out sessions (Secrets in ${namespace}) could not be listed yet; session tokens are refused until they are`);
  return { app, kubeConfig: kc, accounts, sessions, reloadRbac: () => reloadRbac(sources) };
}

/** Ordered as a list of the Secrets sorted by URL would be (same URL: by name), so the first listed still wins a tie. */
const byUrlThenName = (a: { url: string; secretName: string }, b: { url: string; secretName: string }): number => a.url.localeCompare(b.url) || a.secretName.localeCompare(b.secretName);

/** The repository and repo-creds Secrets as the settings reader holds them: credentials cost no API call. */
function repositorySecretsOf(settings: SettingsReader): { repos: Repository[]; templates: RepoCreds[] } {
  // A malformed Secret is skipped, as before: one bad Secret must not hide the others (the controller reports it).
  const { repositories, templates } = parseArgoCdSecrets(settings.allSecrets(), () => undefined);
  return { repos: repositories.sort(byUrlThenName), templates: templates.sort(byUrlThenName) };
}

/** A remote repo server's client that sends, with each request, the Secrets the app's project may use. */
function remoteRepoServer(url: string, settings: SettingsReader): RepoServerClient {
  const { sources } = repoCredentialsFrom(() => {
    const { repos, templates } = repositorySecretsOf(settings);
    return { repositories: repos, templates };
  });
  return new RepoServerClient({ url, credentials: sources });
}

export async function startServer(options: StartOptions & Pick<AssembleOptions, 'liveState'> = {}): Promise<RunningServer> {
  const { app, reloadRbac: reload } = await assembleServer(options);
  const timer = setInterval(() => {
    reload().catch((err: unknown) => {
      app.log.warn({ err }, 'could not reload RBAC; the previous policy stays in force');
    });
  }, options.rbacReloadMs ?? 15_000);
  timer.unref();

  const address = await app.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? 8080 });
  return {
    app,
    address,
    close: async () => {
      clearInterval(timer);
      await app.close();
    },
  };
}

/**
 * The server's settings reader: everything but the session revocations (one Secret per logout, which the
 * revocation watch follows), so a logout re-parses no settings.
 */
export function serverSettingsReader(kc: KubeConfig, namespace: string, log: SettingsReaderOptions['log']): SettingsReader {
  return SettingsReader.forCluster(new KubeRest(kc), namespace, { ...(log === undefined ? {} : { log }), ignoreSecret: isRevocationSecret });
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
