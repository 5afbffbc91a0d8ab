// The CLI's direct Kubernetes access (`cluster add`, `admin initial-password`, `admin export/import`):
// a kubeconfig and context, and errors that say which cluster refused what.
import { KubeConfig } from '@kubernetes/client-node';
import { UserError, errorCodes } from '../../errors.js';
import { describeKubeError, kubeErrorStatus } from '../../kube/errors.js';

/** --kubeconfig, else $KUBECONFIG / ~/.kube/config; then --context (or the named one). */
export function loadKubeConfig(file: string | undefined, context: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot read the kubeconfig ${file ?? '(default)'}: ${describeKubeError(err)}; pass --kubeconfig FILE`);
  }
  if (context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `no context "${context}" in the kubeconfig; contexts: ${kc.getContexts().map((c) => c.name).join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(context);
  }
  if (kc.getCurrentCluster() === null) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'the kubeconfig has no current cluster: pass --kubeconfig FILE and/or --context NAME');
  return kc;
}

/** Wraps a Kubernetes call: failures name the action and the cluster. */
export async function kube<T>(what: string, kc: KubeConfig, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const status = kubeErrorStatus(err);
    const hint = status === 401 || status === 403 ? ': the kubeconfig user lacks the permission' : status === undefined ? ': is the cluster reachable?' : '';
    throw new UserError(errorCodes.KUBE_API_FAILED, `${what} on ${kc.getCurrentCluster()?.server ?? 'the cluster'}: ${describeKubeError(err)}${hint}`, { cause: err });
  }
}

/** Runs `create`; on 409 (exists) runs `replace` when given, else keeps the existing object. */
export async function createOrReplace(what: string, kc: KubeConfig, create: () => Promise<unknown>, replace?: () => Promise<unknown>): Promise<'created' | 'updated' | 'kept'> {
  try {
    await create();
    return 'created';
  } catch (err) {
    if (kubeErrorStatus(err) !== 409) return kube(what, kc, () => Promise.reject(err as Error));
  }
  if (replace === undefined) return 'kept';
  await kube(what, kc, replace);
  return 'updated';
}
