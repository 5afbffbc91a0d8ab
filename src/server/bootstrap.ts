// What a fresh installation needs before the API can serve: the CRDs (optional, for `kawa up` and tests)
// and the `default` AppProject, which Argo CD's API server also creates at start-up when it is missing.
import { PatchStrategy, setHeaderOptions, type ApiextensionsV1Api } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes } from '../errors.js';
import { DEFAULT_PROJECT_NAME, defaultProject, isCrdEstablished, kawaCrds } from '../model/index.js';
import { kubeErrorStatus } from '../kube/errors.js';
import { FIELD_MANAGER, KubeFailure, kubeFailure, type ArgoStore } from './store.js';

/**
 * Install or update kawa's CRDs with server-side apply, field manager `kawa`. Idempotent: applying the
 * same content again changes nothing (the generation stays). The raw JSON goes through
 * `patchCustomResourceDefinition` untouched; create/replace through typed models would drop
 * `x-kubernetes-preserve-unknown-fields`. Waits until the CRDs are served.
 */
export async function ensureCrds(api: Pick<ApiextensionsV1Api, 'patchCustomResourceDefinition' | 'readCustomResourceDefinition'>, timeoutMs = 30_000): Promise<void> {
  for (const crd of kawaCrds()) await refuseArgoCdCrd(api, crd.metadata.name);
  for (const crd of kawaCrds()) {
    try {
      await api.patchCustomResourceDefinition(
        { name: crd.metadata.name, body: crd, fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict' },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    } catch (err) {
      throw kubeFailure(err, `applying CRD ${crd.metadata.name}`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of kawaCrds()) {
    for (;;) {
      const current = await api.readCustomResourceDefinition({ name: crd.metadata.name });
      if (isCrdEstablished(current)) break;
      if (Date.now() > deadline) throw new UserError(errorCodes.KUBE_API_FAILED, `CRD ${crd.metadata.name} is not Established after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

/**
 * Refuses to take over a CRD that Argo CD installed: one without a status subresource that kawa never applied.
 * Swapping it under a running Argo CD controller would silently drop that controller's status writes (with
 * the subresource, writes to the main resource ignore `status`); `kawa admin migrate-from-argocd` stops
 * Argo CD's controller first and checks every app's status survives.
 */
async function refuseArgoCdCrd(api: Pick<ApiextensionsV1Api, 'readCustomResourceDefinition'>, name: string): Promise<void> {
  let current: Awaited<ReturnType<ApiextensionsV1Api['readCustomResourceDefinition']>>;
  try {
    current = await api.readCustomResourceDefinition({ name });
  } catch (err) {
    if (kubeErrorStatus(err) === 404) return;
    throw kubeFailure(err, `reading CRD ${name}`);
  }
  const appliedByKawa = (current.metadata?.managedFields ?? []).some((entry) => entry.manager === FIELD_MANAGER);
  const withStatus = current.spec.versions.some((version) => version.subresources?.status !== undefined);
  if (appliedByKawa || withStatus) return;
  throw new UserError(
    errorCodes.CRD_OWNED_BY_ARGOCD,
    `CRD ${name} is Argo CD's (no status subresource, never applied by kawa): kawa does not replace it at start, since an Argo CD controller may still be writing status through it; run \`kawa admin migrate-from-argocd\` to stop Argo CD's controller and move to kawa's CRDs`,
  );
}

/** Create the `default` project (every source, destination and kind) unless it exists. */
export async function ensureDefaultProject(store: ArgoStore, namespace: string): Promise<boolean> {
  if ((await store.get('appprojects', namespace, DEFAULT_PROJECT_NAME)) !== undefined) return false;
  try {
    await store.create('appprojects', namespace, defaultProject(namespace));
    return true;
  } catch (err) {
    // Another replica created it first.
    if (err instanceof KubeFailure && err.kubeStatus === 409) return false;
    throw err;
  }
}
