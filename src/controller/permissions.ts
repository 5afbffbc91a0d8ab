// What the application controller calls on Kubernetes, as data: checked at start (a controller that lacks
// something says exactly what, stays up and not ready, and starts once it is granted) and the source the
// install's RBAC is compared with. Found by reading the controller's calls:
// - informers.ts, settings/reader.ts: list+watch Applications, AppProjects, ConfigMaps (argocd-cm) and
//   Secrets (argocd-secret, repository and cluster Secrets) in its namespace;
// - app-writer.ts, deletion.ts: merge/JSON patches of Applications (operation, finalizers) and of their
//   status subresource;
// - events.ts: Events on Applications (in the control namespace, where the Applications are);
// - shards.ts: get, create and update of its Leases (leader election is on by default);
// - the destination cluster (ClusterCache, engine): list+watch of every served type, and get, create
//   (server-side apply of a new object needs it besides patch), patch and delete of whatever apps declare.
//
// That last right is unknowable in advance: apps decide what they deploy. Checking `*` on `*` would refuse
// to start every install whose controller RBAC was trimmed on purpose (Argo CD documents restricting it
// together with resource.inclusions), and an access review on `*` passes only when a rule says `*`
// literally. So a representative sample is checked: ConfigMaps and apps/Deployments, which nearly every app
// deploys (the example guestbook does). A controller refused those can do nothing useful; one refused some
// other kind still starts, and that kind shows up as not synced in its cache and in the app's conditions.
//
// Not checked at start, because they depend on settings read later: impersonation of service accounts
// (argocd-cm `application.sync.impersonation.enabled`), and clusters other than the one it runs in (their
// credentials come from cluster Secrets, not from this identity). Discovery (`/api`, `/apis`) and
// `/version` are open to every authenticated identity (`system:discovery`, `system:public-info-viewer`).
import type { KubeConfig } from '@kubernetes/client-node';
import {
  resolvePermissions,
  waitForOwnAccess,
  describeAccessState,
  type AccessLogger,
  type AccessState,
  type RequiredPermission,
  type RolePermission,
} from '../kube/access-review.js';

const ARGOPROJ = 'argoproj.io';

/** The kinds checked as a sample of "whatever apps declare" (see the header). */
export const MANAGED_SAMPLE: readonly { group: string; resource: string }[] = [
  { group: '', resource: 'configmaps' },
  { group: 'apps', resource: 'deployments' },
];

const managedVerbs: readonly [verb: string, why: string][] = [
  ['list', 'cache the live state of the destination cluster'],
  ['watch', 'follow the live state of the destination cluster'],
  ['get', 'read live objects during a sync'],
  ['create', 'create the objects apps declare'],
  ['patch', 'apply (server-side) the objects apps declare'],
  ['delete', 'prune objects and delete hooks and apps\' resources'],
];

/** Every permission the controller checks at start, cluster-wide install; `scope: 'namespace'` is its own namespace. */
export const CONTROLLER_PERMISSIONS: readonly RolePermission[] = [
  { verb: 'list', group: ARGOPROJ, resource: 'applications', scope: 'namespace', why: 'read the Applications' },
  { verb: 'watch', group: ARGOPROJ, resource: 'applications', scope: 'namespace', why: 'follow changes to the Applications' },
  { verb: 'patch', group: ARGOPROJ, resource: 'applications', scope: 'namespace', why: 'record operations and remove finalizers of Applications' },
  { verb: 'patch', group: ARGOPROJ, resource: 'applications', subresource: 'status', scope: 'namespace', why: 'write the status of Applications' },
  { verb: 'list', group: ARGOPROJ, resource: 'appprojects', scope: 'namespace', why: 'read the AppProjects' },
  { verb: 'watch', group: ARGOPROJ, resource: 'appprojects', scope: 'namespace', why: 'follow changes to the AppProjects' },
  { verb: 'list', group: '', resource: 'configmaps', scope: 'namespace', why: 'read argocd-cm' },
  { verb: 'watch', group: '', resource: 'configmaps', scope: 'namespace', why: 'follow changes to argocd-cm' },
  { verb: 'list', group: '', resource: 'secrets', scope: 'namespace', why: 'read repository and cluster credentials' },
  { verb: 'watch', group: '', resource: 'secrets', scope: 'namespace', why: 'follow changes to repository and cluster credentials' },
  { verb: 'create', group: '', resource: 'events', scope: 'namespace', why: 'record events on Applications' },
  { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', scope: 'namespace', why: 'read the controller Leases (leader election, shards)' },
  { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', scope: 'namespace', why: 'take a controller Lease' },
  { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', scope: 'namespace', why: 'renew and release the controller Leases' },
  ...MANAGED_SAMPLE.flatMap(({ group, resource }) => managedVerbs.map(([verb, why]): RolePermission => ({ verb, group, resource, scope: 'cluster', why }))),
];

/** The controller's checks for an install in `namespace` (namespace-scoped install: everything in it). */
export function controllerPermissions(namespace: string, options: { namespaced?: boolean } = {}): RequiredPermission[] {
  return resolvePermissions(CONTROLLER_PERMISSIONS, { namespace, ...(options.namespaced === undefined ? {} : { namespaced: options.namespaced }) });
}

/** Where the controller's /healthz reads readiness from (ControllerMetrics is one). */
export interface ReadinessTarget {
  setReadiness(probe: () => { ready: boolean; detail: string }): void;
}

export interface ControllerAccessOptions {
  /** Namespace-scoped install: check everything in `namespace` only. */
  namespaced?: boolean;
  /** Its /healthz answers 503 with the missing permissions until they are granted. */
  readiness?: ReadinessTarget;
  /** Default 30 s. */
  intervalMs?: number;
  onState?: (state: AccessState) => void;
}

/**
 * Resolves once the controller's identity has every permission it needs; until then logs what is missing
 * (again when that changes), keeps `readiness` not ready, and checks again every 30 s. Rejects only when
 * `signal` aborts. Call it after the metrics endpoint listens and before runController.
 */
export async function waitForControllerAccess(kc: KubeConfig, namespace: string, log: AccessLogger, signal?: AbortSignal, options: ControllerAccessOptions = {}): Promise<void> {
  let state: AccessState = { ready: false, missing: [], error: 'checking Kubernetes permissions' };
  options.readiness?.setReadiness(() => ({ ready: state.ready, detail: describeAccessState(state) }));
  await waitForOwnAccess(kc, controllerPermissions(namespace, options.namespaced === undefined ? {} : { namespaced: options.namespaced }), 'the application controller', log, {
    signal,
    intervalMs: options.intervalMs,
    onState: (next) => {
      state = next;
      options.onState?.(next);
    },
  });
}
