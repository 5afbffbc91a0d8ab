// What the API server calls on Kubernetes, as data: checked at start (a server that lacks something says
// exactly what, answers /healthz with 503 and the list, and starts once it is granted) and the source the
// install's RBAC is compared with. Found by reading the server's calls:
// - store.ts, services/applications.ts, webhooks/route.ts, streams/app-watch.ts, services/app-cache.ts:
//   Applications get/list/watch/create/update/patch/delete, and update of their status (terminating an
//   operation); bootstrap.ts, services/projects.ts, rbac-sync.ts: AppProjects get/list/create/update/delete;
// - settings/reader.ts (list+watch), auth/accounts.ts, rbac-sync.ts (get): argocd-cm and argocd-rbac-cm;
//   argocd-secret, the initial admin password, repository/cluster Secrets (services/secret-store.ts) and the
//   logged-out sessions (auth/revocations.ts): Secrets get/list/watch/create/update/delete;
// - audit.ts: Events (create) in its namespace; services/live.ts: Events of any namespace (list);
// - its own live-state cache (livestate/source.ts) and the live views (services/live.ts, routes/live.ts):
//   list+watch of every served type, get of live objects, pods/log.
//
// The live-state reads cover every type; as for the controller (see controller/permissions.ts) a sample is
// checked: Pods and apps/Deployments, which the resource tree and the logs view nearly always show.
// Not required: patching and deleting live objects (resource actions, deleting a resource from the UI):
// the install may deny them (the server cannot write workloads), and those requests then answer 403.
// Neither is `--install-crds` (its CustomResourceDefinition writes are for local use, not the install).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  describeAccessState,
  resolvePermissions,
  waitForOwnAccess,
  type AccessLogger,
  type AccessState,
  type RequiredPermission,
  type RolePermission,
} from '../kube/access-review.js';

const ARGOPROJ = 'argoproj.io';

const each = (verbs: readonly string[], p: Omit<RolePermission, 'verb' | 'why'>, why: (verb: string) => string): RolePermission[] => verbs.map((verb) => ({ ...p, verb, why: why(verb) }));

/** The kinds checked as a sample of "every served type" for the live views. */
export const LIVE_SAMPLE: readonly { group: string; resource: string }[] = [
  { group: '', resource: 'pods' },
  { group: 'apps', resource: 'deployments' },
];

/** Every permission the server checks at start, cluster-wide install; `scope: 'namespace'` is its own namespace. */
export const SERVER_PERMISSIONS: readonly RolePermission[] = [
  ...each(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], { group: ARGOPROJ, resource: 'applications', scope: 'namespace' }, (verb) => `${verb} Applications for the API`),
  { verb: 'update', group: ARGOPROJ, resource: 'applications', subresource: 'status', scope: 'namespace', why: 'terminate running operations' },
  ...each(['get', 'list', 'create', 'update', 'delete'], { group: ARGOPROJ, resource: 'appprojects', scope: 'namespace' }, (verb) => `${verb} AppProjects for the API and project roles`),
  { verb: 'get', group: '', resource: 'configmaps', scope: 'namespace', why: 'read argocd-cm and argocd-rbac-cm' },
  { verb: 'list', group: '', resource: 'configmaps', scope: 'namespace', why: 'read argocd-cm and argocd-rbac-cm' },
  { verb: 'watch', group: '', resource: 'configmaps', scope: 'namespace', why: 'follow changes to argocd-cm and argocd-rbac-cm' },
  { verb: 'get', group: '', resource: 'secrets', scope: 'namespace', why: 'read argocd-secret and the initial admin password' },
  { verb: 'list', group: '', resource: 'secrets', scope: 'namespace', why: 'read repository credentials, argocd-secret and logged-out sessions' },
  { verb: 'watch', group: '', resource: 'secrets', scope: 'namespace', why: 'follow changes to credentials, argocd-secret and logged-out sessions' },
  { verb: 'create', group: '', resource: 'secrets', scope: 'namespace', why: 'add repositories and clusters, record logouts and the initial admin password' },
  { verb: 'update', group: '', resource: 'secrets', scope: 'namespace', why: 'update repositories, clusters and account passwords' },
  { verb: 'delete', group: '', resource: 'secrets', scope: 'namespace', why: 'remove repositories, clusters and expired logouts' },
  { verb: 'create', group: '', resource: 'events', scope: 'namespace', why: 'record audit events on Applications' },
  { verb: 'list', group: '', resource: 'events', scope: 'cluster', why: 'show the events of Applications and their resources' },
  ...LIVE_SAMPLE.flatMap(({ group, resource }) => each(['get', 'list', 'watch'], { group, resource, scope: 'cluster' }, (verb) => `${verb === 'get' ? 'read' : verb} the live state shown in the UI and API`)),
  { verb: 'get', group: '', resource: 'pods', subresource: 'log', scope: 'cluster', why: 'stream the logs of Applications\' Pods' },
];

/** The server's checks for an install in `namespace` (namespace-scoped install: everything in it). */
export function serverPermissions(namespace: string, options: { namespaced?: boolean } = {}): RequiredPermission[] {
  return resolvePermissions(SERVER_PERMISSIONS, { namespace, ...(options.namespaced === undefined ? {} : { namespaced: options.namespaced }) });
}

export interface ServerAccessOptions {
  /** Namespace-scoped install: check everything in `namespace` only. */
  namespaced?: boolean;
  /**
   * The address the server will listen on. While permissions are missing, a stand-in answers every request
   * there with 503 and the list (`/healthz` included, for the readiness probe); it closes before the wait
   * resolves, so the server can take the port. Not opened when nothing is missing at the first check.
   */
  listen?: { host: string; port: number };
  /** Default 30 s. */
  intervalMs?: number;
  onState?: (state: AccessState) => void;
  /** Called with the stand-in's address once it listens (tests probe it). */
  onStandIn?: (address: string) => void;
}

/**
 * Resolves once the server's identity has every permission it needs; until then logs what is missing
 * (again when that changes), answers on `listen` with 503, and checks again every 30 s. Rejects only when
 * `signal` aborts (the stand-in is closed then too). Call it before startServer: the server cannot be
 * assembled without these rights (it creates the default project and lists its Secrets first).
 */
export async function waitForServerAccess(kc: KubeConfig, namespace: string, log: AccessLogger, signal?: AbortSignal, options: ServerAccessOptions = {}): Promise<void> {
  let state: AccessState = { ready: false, missing: [], error: 'checking Kubernetes permissions' };
  let standIn: Promise<StandIn> | undefined;
  try {
    await waitForOwnAccess(kc, serverPermissions(namespace, options.namespaced === undefined ? {} : { namespaced: options.namespaced }), 'the API server', log, {
      signal,
      intervalMs: options.intervalMs,
      onState: (next) => {
        state = next;
        options.onState?.(next);
        if (!next.ready && standIn === undefined && options.listen !== undefined) {
          standIn = listenStandIn(options.listen, () => describeAccessState(state));
          standIn.then(
            (s) => options.onStandIn?.(s.address),
            (err: unknown) => {
              log.error({ err }, `could not answer on ${options.listen?.host ?? ''}:${String(options.listen?.port)} while waiting for permissions`);
            },
          );
        }
      },
    });
  } finally {
    if (standIn !== undefined) await standIn.then((s) => s.close(), () => undefined);
  }
}

interface StandIn {
  address: string;
  close(): Promise<void>;
}

/** A minimal HTTP server answering 503 and `body()` to every request (the real server is not built yet). */
async function listenStandIn(at: { host: string; port: number }, body: () => string): Promise<StandIn> {
  const server = http.createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(body());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
