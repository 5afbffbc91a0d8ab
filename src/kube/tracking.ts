// Which Application an object belongs to, the way Argo CD marks it: the `argocd.argoproj.io/tracking-id`
// annotation (`<app>:<group>/<kind>:<namespace>/<name>`, Argo CD 3's default) or the
// `app.kubernetes.io/instance` label, per argocd-cm's `application.resourceTrackingMethod`. Pure.
import { UserError, errorCodes } from '../errors.js';
import { metadataString } from './objects.js';
import { groupOf, type KubeObject, type ResourceRef } from './objects.js';

export const TRACKING_ID_ANNOTATION = 'argocd.argoproj.io/tracking-id';
/** The default of argocd-cm's `application.instanceLabelKey`. */
export const DEFAULT_INSTANCE_LABEL = 'app.kubernetes.io/instance';

/**
 * `annotation`: the tracking-id annotation decides. `label`: the instance label decides.
 * `annotation+label`: the annotation decides; the label is also written, for tools that read it.
 */
export type TrackingMethod = 'annotation' | 'label' | 'annotation+label';

export const TRACKING_METHODS: readonly TrackingMethod[] = ['annotation', 'label', 'annotation+label'];

/** Reads `application.resourceTrackingMethod`; unset or empty means `annotation` (Argo CD 3's default). */
export function parseTrackingMethod(value: string | undefined): TrackingMethod {
  const v = value?.trim() ?? '';
  if (v === '') return 'annotation';
  const method = TRACKING_METHODS.find((m) => m === v);
  if (method === undefined) {
    throw new UserError(
      errorCodes.SETTINGS_INVALID,
      `argocd-cm application.resourceTrackingMethod: "${v}" is not one of ${TRACKING_METHODS.join(', ')}`,
    );
  }
  return method;
}

export interface AppRef {
  name: string;
  namespace: string;
}

/**
 * The name an Application goes by on the objects it manages: its name when it lives in the controller's
 * namespace, `<namespace>_<name>` when it lives elsewhere ("apps in any namespace"). `_` is safe as the
 * separator: neither namespaces nor Application names may contain it.
 */
export function appInstanceName(app: { name: string; namespace?: string }, controllerNamespace: string): string {
  const ns = app.namespace ?? '';
  return ns === '' || ns === controllerNamespace ? app.name : `${ns}_${app.name}`;
}

/** The inverse of {@link appInstanceName}. */
export function parseAppInstanceName(instance: string, controllerNamespace: string): AppRef {
  const sep = instance.indexOf('_');
  return sep < 0 ? { name: instance, namespace: controllerNamespace } : { namespace: instance.slice(0, sep), name: instance.slice(sep + 1) };
}

export interface TrackingId extends ResourceRef {
  /** The app instance name ({@link appInstanceName}). */
  app: string;
}

/** `<app>:<group>/<kind>:<namespace>/<name>`; group and namespace are empty for core and cluster-scoped. */
export function formatTrackingId(id: TrackingId): string {
  return `${id.app}:${id.group}/${id.kind}:${id.namespace}/${id.name}`;
}

/**
 * Parses a tracking id. Object names may contain `:` (`system:aggregate-to-admin`), so the fields are
 * taken left to right: the app ends at the first `:`, the group at the next `/`, the kind at the next
 * `:`, the namespace at the next `/`, and the name is the rest.
 */
export function parseTrackingId(value: string): TrackingId | undefined {
  const appEnd = value.indexOf(':');
  if (appEnd <= 0) return undefined;
  const groupEnd = value.indexOf('/', appEnd + 1);
  if (groupEnd < 0) return undefined;
  const kindEnd = value.indexOf(':', groupEnd + 1);
  if (kindEnd < 0) return undefined;
  const nsEnd = value.indexOf('/', kindEnd + 1);
  if (nsEnd < 0) return undefined;
  const id: TrackingId = {
    app: value.slice(0, appEnd),
    group: value.slice(appEnd + 1, groupEnd),
    kind: value.slice(groupEnd + 1, kindEnd),
    namespace: value.slice(kindEnd + 1, nsEnd),
    name: value.slice(nsEnd + 1),
  };
  return id.kind === '' || id.name === '' ? undefined : id;
}

export interface TrackingOptions {
  method?: TrackingMethod;
  /** argocd-cm `application.instanceLabelKey` (default `app.kubernetes.io/instance`). */
  labelKey?: string;
}

/**
 * Whether a tracking id names `obj` itself. An id naming another object was copied onto this one (a
 * controller copying its parent's annotations, a manifest exported from elsewhere); trusting it would make
 * kawa prune or adopt something it never applied. An empty namespace in the id matches any namespace,
 * since ids written before the namespace was defaulted have none.
 */
export function trackingIdMatches(id: TrackingId, obj: KubeObject): boolean {
  const meta = obj.metadata;
  return (
    id.group === groupOf(obj.apiVersion) &&
    id.kind === obj.kind &&
    id.name === meta?.name &&
    (id.namespace === '' || id.namespace === (meta.namespace ?? ''))
  );
}

/** The app instance that tracks `obj`, or undefined when none does (or the mark was copied from elsewhere). */
export function trackedAppInstance(obj: KubeObject, options: TrackingOptions = {}): string | undefined {
  const method = options.method ?? 'annotation';
  if (method === 'label') {
    // Live objects are not validated: null or non-string metadata reads as no mark.
    const value = metadataString(obj.metadata, 'labels', options.labelKey ?? DEFAULT_INSTANCE_LABEL);
    return value === undefined || value === '' ? undefined : value;
  }
  const annotation = metadataString(obj.metadata, 'annotations', TRACKING_ID_ANNOTATION);
  if (annotation === undefined) return undefined;
  const id = parseTrackingId(annotation);
  return id !== undefined && trackingIdMatches(id, obj) ? id.app : undefined;
}

/** The labels and annotations to write on `ref` so that `app` tracks it, per the tracking method. */
export function trackingMarks(
  app: string,
  ref: ResourceRef,
  options: TrackingOptions = {},
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const method = options.method ?? 'annotation';
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  if (method !== 'annotation') labels[options.labelKey ?? DEFAULT_INSTANCE_LABEL] = app;
  if (method !== 'label') annotations[TRACKING_ID_ANNOTATION] = formatTrackingId({ app, ...ref });
  return { labels, annotations };
}
