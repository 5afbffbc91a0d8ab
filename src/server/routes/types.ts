// What route modules get: the fastify instance with zod typing, and the services.
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AccountStore, LoginService, OidcService, SessionManager } from '../auth/index.js';
import type { RbacService } from '../rbac/index.js';
import type { ServerMetrics } from '../metrics.js';
import type { SessionRevocations } from '../revocations.js';
import type { AppCache } from '../services/app-cache.js';
import type { ApplicationService } from '../services/applications.js';
import type { ClusterService } from '../services/clusters.js';
import type { ProjectService } from '../services/projects.js';
import type { RepositoryService } from '../services/repositories.js';
import type { LiveService } from '../services/live.js';
import type { LiveStateSource } from '../../livestate/source.js';
import type { SseOptions, SseWriter } from '../streams/sse.js';

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface RouteDeps {
  readonly applications: ApplicationService;
  readonly projects: ProjectService;
  readonly repositories: RepositoryService;
  readonly clusters: ClusterService;
  /** Local accounts (argocd-cm/argocd-secret); the account routes answer 503 without. */
  readonly accounts: AccountStore | undefined;
  readonly live: LiveService;
  /** Undefined: the live-state routes answer 503. */
  readonly liveSource: LiveStateSource | undefined;
  readonly streamSettings: SseOptions;
  /** Applications from watches (lists, gets, the SSE stream); undefined without a Kubernetes client to watch with. */
  readonly appCache: AppCache | undefined;
  /** Registers an open stream so server.close() can end it. */
  readonly onStreamOpened: (writer: SseWriter) => void;
  readonly rbac: RbacService;
  readonly sessions: SessionManager;
  readonly login: LoginService;
  /** SSO settings, the provider, id_token checks. */
  readonly oidc: OidcService;
  readonly revocations: SessionRevocations;
  readonly metrics: ServerMetrics;
  /** Mark the session cookie `Secure` (serve over TLS, or behind a TLS-terminating proxy). */
  readonly secureCookies: boolean;
  /** Cheap check that the Kubernetes API answers, for `/healthz?full=true`. */
  readonly probeKube: () => Promise<void>;
}

/** A list's metadata: the resourceVersion it was read at, when known (a client may watch from there). */
export function listMetadata(list: { readonly resourceVersion?: string | undefined }): { resourceVersion?: string } {
  return list.resourceVersion === undefined ? {} : { resourceVersion: list.resourceVersion };
}

/**
 * Objects read from the API server go out as they are, fields kawa does not model included; the route's
 * response schema documents them (and checks them when response validation is on, as in tests).
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed cast is the point
export function passThrough<T>(value: unknown): T {
  return value as T;
}
