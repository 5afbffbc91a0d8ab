// What the controller watches in its namespace, and where the list+watch of each comes from: the API
// server by default, or sources a test injects (the informer's ListWatch interface).
import { Informer, kubeListWatch, type ApiResource, type InformerEvent, type KubeObject, type KubeRest, type ListWatch } from '../kube/index.js';
import { keyOfMeta } from './app-identity.js';

export const APPLICATIONS: ApiResource = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', resource: 'applications', namespaced: true, verbs: ['list', 'watch'] };
export const APPPROJECTS: ApiResource = { group: 'argoproj.io', version: 'v1alpha1', kind: 'AppProject', resource: 'appprojects', namespaced: true, verbs: ['list', 'watch'] };

/** The list+watch of one of the resources above (or settings/'s CONFIGMAPS and SECRETS), in the control namespace. */
export type ListWatchSource = (resource: ApiResource) => ListWatch;

/** The default source: the API server, through the controller's own client. */
export function apiListWatch(rest: KubeRest, namespace: string): ListWatchSource {
  return (resource) => kubeListWatch(rest, resource, { namespace });
}

/** An informer of `resource` keyed `<namespace>/<name>`, storing only the objects `keep` accepts. */
export function namespaceInformer(source: ListWatchSource, resource: ApiResource, onEvent: (event: InformerEvent) => void, keep?: (obj: KubeObject) => boolean): Informer {
  return new Informer({
    name: `${resource.group}/${resource.kind}`,
    listWatch: source(resource),
    keyOf: (obj) => (keep === undefined || keep(obj) ? keyOfMeta(obj) : undefined),
    onEvent,
  });
}
