// The one place that assembles `kawa server`'s HTTP API: fastify with zod schemas, authentication and the
// CSRF rule (guard.ts), the Argo CD routes, OpenAPI at /swagger.json with Swagger UI at /swagger-ui,
// /healthz and /metrics. Everything it talks to is injected, so tests build it against a real or a
// fake API server and call it through inject().
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BugError } from '../errors.js';
import { KAWA_VERSION } from '../version.js';
import { Auditor } from './audit.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { GitMirrorCache } from '../git/mirror.js';
import { KubeRest } from '../kube/rest.js';
import { SettingsReader, emptySettingsSources } from '../settings/index.js';
import { OidcService, type AccountStore, type LoginService, type SessionManager } from './auth/index.js';
import { authenticationHook, rbacSafetyNet, trackRoutes, type RouteInfo } from './guard.js';
import { answerFor, grpcCodes, problemsOf, RequestValidationError } from './http-errors.js';
import { ServerMetrics } from './metrics.js';
import type { RbacService } from './rbac/index.js';
import { SessionRevocations } from './revocations.js';
import { isRevocationSecret } from './auth/revocations.js';
import { accountRoutes } from './routes/accounts.js';
import { applicationRoutes } from './routes/applications.js';
import { projectRoutes } from './routes/projects.js';
import { clusterRoutes, repositoryRoutes } from './routes/repositories.js';
import { sessionRoutes } from './routes/session.js';
import { ssoRoutes } from './routes/sso.js';
import { systemRoutes } from './routes/system.js';
import type { ZodApp } from './routes/types.js';
import { schemaRegistry } from './schemas.js';
import { streamRoutes } from './streams/route.js';
import { namespacedAppListWatch } from './streams/app-watch.js';
import { AppCache, PreSerialized } from './services/app-cache.js';
import { ApplicationService } from './services/applications.js';
import { ClusterService, restClusterProbe, type ClusterProbe } from './services/clusters.js';
import { ProjectService } from './services/projects.js';
import { RepositoryService, type GitProbe } from './services/repositories.js';
import { SecretStore } from './services/secret-store.js';
import { LiveService } from './services/live.js';
import type { LiveStateSource } from '../livestate/source.js';
import type { Cluster } from '../model/index.js';
import { liveRoutes } from './routes/live.js';
import type { SseWriter } from './streams/sse.js';
import { ArgoStore, type CoreClient, type CustomObjectsClient } from './store.js';
import { uiPlugin } from './ui.js';
import { webhookRoutes } from './webhooks/route.js';

export const DEFAULT_NAMESPACE = 'argocd';
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
/** How long building the server waits for the settings reader's first lists. */
const SETTINGS_LIST_WAIT_MS = 10_000;

export interface ServerDeps {
  /** Applications and AppProjects (raw JSON in and out). */
  readonly custom: CustomObjectsClient;
  /** Events (audit), cluster Secrets. */
  readonly core: CoreClient;
  readonly sessions: SessionManager;
  readonly login: LoginService;
  readonly rbac: RbacService;
  /** SSO (default: one over `settings`; give SessionManager the same one as `federated`). */
  readonly oidc?: OidcService;
  /**
   * The watch-backed reader of argocd-cm, argocd-secret and the Secrets they reference; it stops with the
   * server. Default: one of its own over `kubeConfig` (or the streams' kubeconfig), or none to read.
   */
  readonly settings?: SettingsReader;
  /** Logged-out sessions; give the same one to the SessionManager's `isRevoked`. */
  readonly revocations?: SessionRevocations;
  /** The control-plane namespace (default `argocd`). */
  readonly namespace?: string;
  /** Further namespaces Applications may live in. */
  readonly applicationNamespaces?: readonly string[];
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A pino logger (or any fastify logger); none by default. */
  readonly logger?: FastifyBaseLogger;
  /** Largest accepted request body, in bytes (default 10 MiB); larger ones get 413. */
  readonly bodyLimit?: number;
  /** Mark the session cookie `Secure` (default false: set it when clients reach the server over TLS). */
  readonly secureCookies?: boolean;
  /** Check every response against its schema and fail loudly on a mismatch (tests turn this on). */
  readonly validateResponses?: boolean;
  /** Also export process metrics (CPU, memory, event loop) on /metrics. */
  readonly processMetrics?: boolean;
  /** How long `GET /api/v1/applications/{name}?refresh=` waits for the controller (default 10 s). */
  readonly refreshWaitMs?: number;
  /** Called after a project changed (startServer reloads the project roles into RBAC). */
  readonly onProjectsChanged?: () => Promise<void>;
  /** Local accounts, for /api/v1/account (answers 503 without). */
  readonly accounts?: AccountStore;
  /** The server's own cluster credentials: the in-cluster connection check. */
  readonly kubeConfig?: KubeConfig;
  /** `git ls-remote` for repository connection checks and refs (default: a GitMirrorCache under ~/.cache/kawa/repos). */
  readonly git?: GitProbe;
  /** Cluster connection checks (default: `GET /version` with the cluster's credentials). */
  readonly clusterProbe?: ClusterProbe;
  /** The in-cluster destination listed when no cluster Secret declares it (default: every namespace; a namespace install's own only). */
  readonly inCluster?: Cluster;
  /** Live state of destination clusters and rendered desired state (the controller's, or assembleServer's default). */
  readonly liveState?: LiveStateSource;
  /** Serve Application reads from a watch cache (default true when `streams` says how to watch). */
  readonly cacheApplications?: boolean;
  /** Close `liveState` with the server (it was built for this server alone). */
  readonly closeLiveState?: boolean;
  /** Whether closing the server closes `settings` (default true; false when another role of the process owns it). */
  readonly closeSettings?: boolean;
}

export interface KawaServerExtras {
  /** Every registered route with its protection, in registration order. */
  readonly routes: readonly RouteInfo[];
  readonly metrics: ServerMetrics;
}

export type KawaServer = ZodApp & { readonly kawa: KawaServerExtras };

/** The response half of validation: serialize as JSON, and in strict mode check against the schema first. */
function serializerFor(validate: boolean) {
  return ({ schema, method, url }: { schema: unknown; method: string; url: string }) => {
    const zod = schema instanceof z.ZodType ? schema : undefined;
    return (data: unknown): string => {
      const value = data instanceof PreSerialized ? data.value : data;
      if (validate && zod !== undefined) {
        const result = zod.safeParse(value, { reportInput: true });
        if (!result.success) {
          throw new BugError(`the response of ${method} ${url} does not match its schema: ${problemsOf(result.error.issues).map((p) => `${p.path}: ${p.message}`).join('; ')}`);
        }
      }
      return data instanceof PreSerialized ? data.json() : JSON.stringify(data);
    };
  };
}

/** A settings reader of the server's own, over whichever kubeconfig it was given (none: nothing to read). */
function settingsReaderFor(deps: ServerDeps, namespace: string, log: FastifyBaseLogger): SettingsReader {
  const kubeConfig = deps.kubeConfig ?? deps.streams?.kubeConfig;
  if (kubeConfig === undefined) return new SettingsReader({ namespace, sources: emptySettingsSources() });
  return SettingsReader.forCluster(new KubeRest(kubeConfig), namespace, { log, ignoreSecret: isRevocationSecret });
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path parameter', headers: 'headers' };

/**
 * The Application watch cache, when there is something to watch with: the streams' kubeconfig (every
 * namespace) or their injected list+watch (the control-plane namespace only). Off with `cacheApplications: false`.
 */
function appCacheFor(deps: ServerDeps, namespace: string, log: FastifyBaseLogger): AppCache | undefined {
  const settings = deps.streams ?? {};
  if (deps.cacheApplications === false || (settings.kubeConfig === undefined && settings.listWatch === undefined)) return undefined;
  return new AppCache({
    listWatchFor: (ns) => (ns === namespace && settings.listWatch !== undefined ? settings.listWatch : settings.kubeConfig === undefined ? undefined : namespacedAppListWatch(settings.kubeConfig, ns)),
    ...(settings.ringSize === undefined ? {} : { ringSize: settings.ringSize }),
    log,
  });
}

export async function buildServer(deps: ServerDeps): Promise<KawaServer> {
  const namespace = deps.namespace ?? DEFAULT_NAMESPACE;
  const now = deps.now ?? (() => new Date());
  const fastify: FastifyInstance = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Longer than any Kubernetes name (253), so an overlong name reaches validation and gets a 400 saying why.
    routerOptions: { maxParamLength: 512 },
    // Never trust X-Forwarded-* unless a deployment opts in (not configurable yet).
    trustProxy: false,
  });
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const metrics = new ServerMetrics({ processMetrics: deps.processMetrics === true });
  const routes: RouteInfo[] = [];
  app.decorate('kawa', { routes, metrics });
  app.decorateRequest('caller', undefined);
  app.decorateRequest('rbacChecked', false);

  app.setValidatorCompiler(({ schema, httpPart }) => (data) => {
    const result = (schema as z.ZodType).safeParse(data, { reportInput: true });
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(PART_NAMES[httpPart ?? ''] ?? 'input', problemsOf(result.error.issues)) };
  });
  app.setSerializerCompiler(serializerFor(deps.validateResponses === true));

  app.setErrorHandler((err, request, reply) => {
    const answer = answerFor(err);
    if (answer.internal) request.log.error({ err }, 'request failed');
    else if (answer.status >= 500) request.log.warn({ err }, 'request failed');
    return reply.code(answer.status).headers(answer.headers).type('application/json; charset=utf-8').send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`;
    return reply.code(404).send({ error: message, code: grpcCodes.NotFound, message });
  });

  trackRoutes(fastify, routes);
  app.addHook('onRequest', authenticationHook(deps.sessions));
  app.addHook('onSend', rbacSafetyNet);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.requestDuration.observe({ method: request.method, route, code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    return Promise.resolve();
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'kawa API', description: 'Argo CD compatible REST API of kawa server', version: KAWA_VERSION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'argocd.token' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: createJsonSchemaTransform({ schemaRegistry, skipList: [] }),
    transformObject: createJsonSchemaTransformObject({ schemaRegistry }),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/swagger-ui' });

  const appCache = appCacheFor(deps, namespace, app.log);
  const store = new ArgoStore(deps.custom, deps.core, (plural, ns, name, result, deleted) => {
    if (plural === 'applications') appCache?.noteWrite(ns, name, result, deleted);
  });
  const ctx = {
    appCache,
    store,
    audit: new Auditor(deps.core, now, app.log),
    namespace,
    appNamespaces: new Set((deps.applicationNamespaces ?? []).filter((ns) => ns !== namespace)),
    now,
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    refreshWaitMs: deps.refreshWaitMs ?? 10_000,
    onProjectsChanged: deps.onProjectsChanged ?? (() => Promise.resolve()),
  };
  const secrets = new SecretStore(deps.core, namespace);
  const settings = deps.settings ?? settingsReaderFor(deps, namespace, app.log);
  // A reader of its own is waited for here (assembleServer waits for the one it gives before bootstrapping).
  if (!(await settings.waitForSync(SETTINGS_LIST_WAIT_MS))) app.log.warn(`argocd-cm and argocd-secret in ${namespace} could not be listed yet; SSO and webhooks answer errors until they are`);
  // Open resource-tree streams would keep server.close() waiting for ever: end them first.
  const liveWriters = new Set<SseWriter>();
  app.addHook('preClose', async () => {
    for (const writer of liveWriters) writer.end();
    if (deps.closeLiveState === true) await deps.liveState?.close();
    await appCache?.stop();
    // The revocation watch (when assembleServer gave one) would keep a request open after close.
    await deps.revocations?.stop();
    if (deps.closeSettings !== false) await settings.close();
  });
  const routeDeps = {
    applications: new ApplicationService(ctx),
    projects: new ProjectService(ctx),
    repositories: new RepositoryService({ secrets, git: deps.git ?? new GitMirrorCache(), now }),
    clusters: new ClusterService({ secrets, probe: deps.clusterProbe ?? restClusterProbe(deps.kubeConfig), now, ...(deps.inCluster === undefined ? {} : { inCluster: deps.inCluster }) }),
    accounts: deps.accounts,
    live: new LiveService(deps.liveState, deps.core),
    liveSource: deps.liveState,
    streamSettings: deps.streams ?? {},
    appCache,
    onStreamOpened: (writer: SseWriter) => {
      liveWriters.add(writer);
      writer.onClosed(() => liveWriters.delete(writer));
    },
    rbac: deps.rbac,
    sessions: deps.sessions,
    login: deps.login,
    oidc: deps.oidc ?? new OidcService({ settings }),
    revocations: deps.revocations ?? new SessionRevocations(),
    metrics,
    secureCookies: deps.secureCookies === true,
    probeKube: async () => {
      await store.get('appprojects', namespace, 'default');
    },
  };

  app.route({
    method: 'GET',
    url: '/swagger.json',
    schema: { hide: true },
    config: { auth: { kind: 'public' } },
    handler: () => app.swagger(),
  });
  systemRoutes(app, routeDeps);
  sessionRoutes(app, routeDeps);
  ssoRoutes(app, routeDeps, namespace);
  applicationRoutes(app, routeDeps);
  projectRoutes(app, routeDeps);
  repositoryRoutes(app, routeDeps);
  clusterRoutes(app, routeDeps);
  accountRoutes(app, routeDeps);
  liveRoutes(app, routeDeps);
  streamRoutes(app, routeDeps, deps, namespace);
  webhookRoutes(app, { custom: deps.custom, core: deps.core, settings, namespace, applicationNamespaces: deps.applicationNamespaces, appCache });
  // The web UI at `/` (last: every API route above wins over its SPA fallback).
  await app.register(uiPlugin);

  await app.ready();
  return app as KawaServer;
}
