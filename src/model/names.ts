// The finalizer, annotation and label names users and tools write on Argo CD's kinds, in one place. The
// annotations on managed objects (hooks, waves, sync and compare options) are the engine's
// (engine/sync/annotations.ts, engine/health/meta.ts); tracking labels and annotations are kube's
// (kube/tracking.ts); these are the ones on Applications and on kawa's own Secrets.

/** Cascade deletion: the app's resources are deleted before the Application (foreground). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const FOREGROUND_FINALIZER = `${RESOURCES_FINALIZER}/foreground`;
export const BACKGROUND_FINALIZER = `${RESOURCES_FINALIZER}/background`;
/** Every finalizer that asks for cascade deletion. */
export const CASCADE_FINALIZERS: readonly string[] = [RESOURCES_FINALIZER, FOREGROUND_FINALIZER, BACKGROUND_FINALIZER];

/** `normal` or `hard`: refresh (and with `hard`, re-render) the app now; the controller removes it. */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
/** `"true"`: the controller leaves the app alone entirely. */
export const SKIP_RECONCILE_ANNOTATION = 'argocd.argoproj.io/skip-reconcile';
/** Paths (`;`-separated) whose change in a webhook's commit concerns the app. */
export const MANIFEST_GENERATE_PATHS_ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';
