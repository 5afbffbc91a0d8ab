// What an app's AppProject says about it: spec refusals, refused objects, orphaned resources, sync
// windows, and which account its operations act as. Read from the watched projects at each call.
import { findOrphanedResources, type Engine } from '../engine/index.js';
import type { KubeObject } from '../kube/index.js';
import { isResourcePermitted, type Application } from '../model/index.js';
import { projectViolations } from '../model/project-permissions.js';
import { desiredObjectViolations } from '../model/project-resources.js';
import { appKeyOfInstance } from './app-identity.js';
import type { ClusterHandle } from './clusters.js';
import { projectNameOf, projectOf, type ControllerContext } from './context.js';
import { impersonationEnabled, serviceAccountFor } from './impersonation.js';
import { unmanagedNamespaceProblems } from './managed-namespaces.js';
import { syncAllowed, type SyncDecision } from './windows.js';

/** InvalidSpecError messages: a missing project, its refusals, an unknown destination. */
export function specProblems(ctx: ControllerContext, app: Application): string[] {
  const project = projectOf(ctx, app);
  if (project === undefined) return [`Application referencing project ${projectNameOf(app)} which does not exist`];
  const v = projectViolations(app, project, ctx.registry.list(), ctx.namespace);
  return [...v.invalid, ...v.forbidden];
}

/**
 * What the app's project refuses among the objects it would write: kinds (cluster/namespace resource
 * allow and deny lists, by name too) and, for every namespaced object and hook, its own namespace.
 */
export function resourceProblems(ctx: ControllerContext, app: Application, desired: readonly KubeObject[], handle: ClusterHandle): string[] {
  const project = projectOf(ctx, app);
  // Namespaces the destination cluster does not manage (cluster Secret `namespaces`, namespace install).
  const unmanaged = unmanagedNamespaceProblems(app, desired, handle);
  if (project === undefined) return unmanaged;
  return [...unmanaged, ...desiredObjectViolations({
    project,
    objects: desired,
    destination: { server: handle.server, name: handle.name, namespace: app.spec.destination.namespace },
    isNamespaced: (group, kind) => handle.cache.lookupResource({ group, kind })?.namespaced ?? true,
    destinationOptions: { projectClusters: ctx.registry.list().filter((c) => c.project === project.metadata.name) },
  })];
}

/** The project's `orphanedResources` check: objects in the destination namespace no app tracks. */
export function orphanedWarning(ctx: ControllerContext, app: Application, handle: ClusterHandle): { type: string; message: string } | undefined {
  const project = projectOf(ctx, app);
  const settings = project?.spec.orphanedResources;
  if (project === undefined || settings === undefined) return undefined;
  const namespace = app.spec.destination.namespace;
  const tracking = ctx.settings();
  const result = findOrphanedResources({
    settings,
    destinationNamespace: namespace,
    topLevel: namespace === undefined ? [] : handle.cache.topLevelInNamespace(namespace),
    descendantsOf: (uid) => handle.cache.descendantsOf(uid),
    appExists: (instance) => ctx.rawApp(appKeyOfInstance(instance, ctx.namespace)) !== undefined,
    permitted: (gk) => isResourcePermitted(project, gk.group, gk.kind, true),
    tracking: { method: tracking.resourceTrackingMethod, labelKey: tracking.instanceLabelKey },
  });
  return result.condition === undefined ? undefined : { type: result.condition.type, message: result.condition.message };
}

/** The project's sync windows' verdict for this app now. */
export function windowDecision(ctx: ControllerContext, app: Application, manual: boolean, operationStartedAt?: number): SyncDecision {
  const cluster = ctx.registry.find(app.spec.destination);
  return syncAllowed({
    windows: projectOf(ctx, app)?.spec.syncWindows,
    app: {
      name: app.metadata.name,
      namespace: app.spec.destination.namespace ?? '',
      destinationServer: cluster?.server ?? app.spec.destination.server ?? '',
      destinationName: cluster?.name ?? app.spec.destination.name ?? '',
    },
    now: ctx.now(),
    manual,
    ...(operationStartedAt === undefined ? {} : { operationStartedAt }),
  });
}

/**
 * The engine an app's operations (sync, hooks, prune, deletion of its resources) run through: the
 * controller's own unless argocd-cm turns sync impersonation on, then one acting as the service
 * account the project names for the destination. No such account is a refusal, never a fallback.
 */
export function operationEngine(ctx: ControllerContext, app: Application, handle: ClusterHandle): { engine: Engine } | { refused: string } {
  if (!impersonationEnabled(ctx.settings().raw).enabled) return { engine: handle.engine };
  const project = projectOf(ctx, app);
  if (project === undefined) return { refused: `project ${projectNameOf(app)} does not exist, so no service account to impersonate is known` };
  const match = serviceAccountFor(project, { server: handle.server, namespace: app.spec.destination.namespace, appNamespace: app.metadata.namespace ?? ctx.namespace });
  if (!match.ok) return { refused: match.message };
  return { engine: handle.engineAs(match.user) };
}
