// `admin export` / `admin import`: Applications, AppProjects, argocd-cm, argocd-rbac-cm, argocd-secret and
// the repository/credential/cluster Secrets of a namespace, as one YAML stream. Server-set metadata and
// status are dropped on export; import creates what is missing and replaces what exists.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { UserError, errorCodes } from '../../errors.js';
import { kubeErrorStatus } from '../../kube/errors.js';
import { kube } from './kube.js';

export type KubeDoc = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> };

const CONFIG_MAPS = ['argocd-cm', 'argocd-rbac-cm', 'argocd-tls-certs-cm', 'argocd-ssh-known-hosts-cm', 'argocd-gpg-keys-cm'];
import { SECRET_TYPE_LABEL } from '../../model/secrets.js';
const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';

/** An object as it should be restored: no uid, resourceVersion, managedFields, status … */
export function exportable(obj: KubeDoc, apiVersion: string, kind: string): KubeDoc {
  const meta = obj.metadata ?? {};
  const kept: Record<string, unknown> = { name: meta['name'] };
  for (const k of ['namespace', 'labels', 'annotations', 'finalizers']) if (meta[k] !== undefined) kept[k] = meta[k];
  if (typeof kept['annotations'] === 'object' && kept['annotations'] !== null) {
    const annotations = { ...(kept['annotations'] as Record<string, string>) };
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    kept['annotations'] = Object.keys(annotations).length === 0 ? undefined : annotations;
    if (kept['annotations'] === undefined) delete kept['annotations'];
  }
  const out: KubeDoc = { apiVersion, kind, metadata: kept };
  for (const [k, v] of Object.entries(obj)) {
    if (['apiVersion', 'kind', 'metadata', 'status', 'operation'].includes(k) || v === undefined || v === null) continue;
    out[k] = v;
  }
  return out;
}

export async function exportAll(kc: KubeConfig, namespace: string): Promise<KubeDoc[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const docs: KubeDoc[] = [];
  for (const name of CONFIG_MAPS) {
    const cm = await core.readNamespacedConfigMap({ name, namespace }).catch((err: unknown) => {
      if (kubeErrorStatus(err) === 404) return undefined;
      throw err;
    });
    if (cm !== undefined) docs.push(exportable(cm as unknown as KubeDoc, 'v1', 'ConfigMap'));
  }
  const secret = await core.readNamespacedSecret({ name: 'argocd-secret', namespace }).catch((err: unknown) => {
    if (kubeErrorStatus(err) === 404) return undefined;
    throw err;
  });
  if (secret !== undefined) docs.push(exportable(secret as unknown as KubeDoc, 'v1', 'Secret'));
  const secrets = await kube(`list Secrets in ${namespace}`, kc, () => core.listNamespacedSecret({ namespace, labelSelector: SECRET_TYPE_LABEL }));
  for (const s of [...secrets.items].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) docs.push(exportable(s as unknown as KubeDoc, 'v1', 'Secret'));
  for (const [plural, kind] of [
    ['appprojects', 'AppProject'],
    ['applications', 'Application'],
  ] as const) {
    const list = (await kube(`list ${plural} in ${namespace}`, kc, () => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural }))) as { items?: KubeDoc[] };
    const items = [...(list.items ?? [])].sort((a, b) => String(a.metadata?.['name']).localeCompare(String(b.metadata?.['name'])));
    for (const item of items) docs.push(exportable(item, `${GROUP}/${VERSION}`, kind));
  }
  return docs;
}

export interface ImportResult {
  created: string[];
  updated: string[];
}

const describe = (doc: KubeDoc): string => {
  const name = doc.metadata?.['name'];
  return `${doc.kind ?? '?'}/${typeof name === 'string' ? name : '?'}`;
};

/** Creates or replaces each document in `namespace`. Checks every document before writing any. */
export async function importAll(kc: KubeConfig, namespace: string, docs: readonly KubeDoc[], options: { dryRun?: boolean } = {}): Promise<ImportResult> {
  const supported = new Set(['v1/ConfigMap', 'v1/Secret', `${GROUP}/${VERSION}/Application`, `${GROUP}/${VERSION}/AppProject`]);
  for (const doc of docs) {
    if (!supported.has(`${doc.apiVersion ?? ''}/${doc.kind ?? ''}`) || typeof doc.metadata?.['name'] !== 'string') {
      throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot import ${describe(doc)} (${doc.apiVersion ?? 'no apiVersion'}): only ConfigMaps, Secrets, Applications and AppProjects with a name; nothing was imported`);
    }
  }
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const result: ImportResult = { created: [], updated: [] };
  const dryRun = options.dryRun === true ? 'All' : undefined;
  for (const doc of docs) {
    const name = String(doc.metadata?.['name']);
    const body = { ...doc, metadata: { ...doc.metadata, namespace } };
    const what = describe(doc);
    const read = async (): Promise<{ metadata?: { resourceVersion?: string } } | undefined> => {
      try {
        if (doc.kind === 'ConfigMap') return await core.readNamespacedConfigMap({ name, namespace });
        if (doc.kind === 'Secret') return await core.readNamespacedSecret({ name, namespace });
        const plural = doc.kind === 'Application' ? 'applications' : 'appprojects';
        return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name })) as { metadata?: { resourceVersion?: string } };
      } catch (err) {
        if (kubeErrorStatus(err) === 404) return undefined;
        throw err;
      }
    };
    const existing = await kube(`read ${what}`, kc, read);
    const withVersion = existing === undefined ? body : { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } };
    await kube(`${existing === undefined ? 'create' : 'replace'} ${what}`, kc, async () => {
      if (doc.kind === 'ConfigMap') {
        const b = withVersion as unknown as V1ConfigMap;
        await (existing === undefined ? core.createNamespacedConfigMap({ namespace, body: b, dryRun }) : core.replaceNamespacedConfigMap({ namespace, name, body: b, dryRun }));
      } else if (doc.kind === 'Secret') {
        const b = withVersion as unknown as V1Secret;
        await (existing === undefined ? core.createNamespacedSecret({ namespace, body: b, dryRun }) : core.replaceNamespacedSecret({ namespace, name, body: b, dryRun }));
      } else {
        const plural = doc.kind === 'Application' ? 'applications' : 'appprojects';
        await (existing === undefined
          ? custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, body: withVersion, dryRun })
          : custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name, body: withVersion, dryRun }));
      }
    });
    (existing === undefined ? result.created : result.updated).push(what);
  }
  return result;
}
