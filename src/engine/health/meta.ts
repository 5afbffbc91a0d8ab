// Metadata conventions health depends on: Argo CD's annotations and what makes an object a hook.
import { int } from './fields.js';
import type { KubeObject } from './types.js';

export const ANNOTATION_IGNORE_HEALTHCHECK = 'argocd.argoproj.io/ignore-healthcheck';
export const ANNOTATION_IGNORE_RESTART_POLICY = 'argocd.argoproj.io/ignore-restart-policy';
export const ANNOTATION_HOOK = 'argocd.argoproj.io/hook';
export const ANNOTATION_HELM_HOOK = 'helm.sh/hook';
export const HOOK_FINALIZER = 'argocd.argoproj.io/hook-finalizer';

export function annotation(obj: KubeObject, key: string): string | undefined {
  return obj.metadata.annotations?.[key];
}

export function isAnnotationTrue(obj: KubeObject, key: string): boolean {
  return annotation(obj, key) === 'true';
}

/**
 * Whether the sync engine runs this object as a hook. `Skip` only means "never apply", and Helm 2's
 * `crd-install` is not a hook either; both stay ordinary resources.
 */
export function isHook(obj: KubeObject): boolean {
  const argoHook = annotation(obj, ANNOTATION_HOOK);
  if (argoHook !== undefined) {
    return !argoHook.split(',').some((type) => type.trim() === 'Skip');
  }
  const helmHook = annotation(obj, ANNOTATION_HELM_HOOK);
  return helmHook !== undefined && helmHook.trim() !== 'crd-install';
}

/** Hooks being cleaned up keep this finalizer until the sync engine has read their final state. */
export function hasHookFinalizer(obj: KubeObject): boolean {
  return obj.metadata.finalizers?.includes(HOOK_FINALIZER) ?? false;
}

export function generationOf(obj: KubeObject): number {
  return int(obj.metadata.generation);
}

export function observedGenerationOf(obj: KubeObject): number {
  return int(obj.status?.observedGeneration);
}

/** API group of an apiVersion: `apps/v1` → `apps`, core `v1` → ``. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}
