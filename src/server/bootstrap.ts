// What a fresh installation needs before the API can serve: the CRDs (optional, for `kawa up` and tests)
// and the `default` AppProject, which Argo CD's API server also creates at start-up when it is missing.
import { PatchStrategy, setHeaderOptions, type ApiextensionsV1Api } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes } from '../errors.js';
import { DEFAULT_PROJECT_NAME, defaultProject, isCrdEstablished, kawaCrds } from '../model/index.js';
import { FIELD_MANAGER, KubeFailure, kubeFailure, type ArgoStore } from './store.js';

/**
 * Install or update kawa's CRDs with server-side apply, field manager `kawa`. Idempotent: applying the
 * same content again changes nothing (the generation stays). The raw JSON goes through
 * `patchCustomResourceDefinition` untouched; create/replace through typed models would drop
 * `x-kubernetes-preserve-unknown-fields`. Waits until the CRDs are served.
 */
export async function ensureCrds(api: Pick<ApiextensionsV1Api, 'patchCustomResourceDefinition' | 'readCustomResourceDefinition'>, timeoutMs = 30_000): Promise<void> {
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
