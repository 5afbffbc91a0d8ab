// How an Application is named in the controller's three namespaces of names: the watch and the work
// queue (`<namespace>/<name>`), and the live objects' tracking (Argo CD's instance name).
import type { KubeObject } from '../kube/index.js';

/** The name and namespace of an Application, all that is needed to address it. */
export interface AppName {
  metadata: { name: string; namespace?: string | undefined };
}

/** `<namespace>/<name>` of any watched object (undefined without a name: such an object is not stored). */
export function keyOfMeta(obj: KubeObject): string | undefined {
  return obj.metadata?.name === undefined ? undefined : `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** `<namespace>/<name>`: the key of an app in the watch and the work queue. */
export function appKeyOf(app: AppName, controlNamespace: string): string {
  return `${app.metadata.namespace ?? controlNamespace}/${app.metadata.name}`;
}

/** Argo CD's instance name: the app's name in the control namespace, `<namespace>_<name>` elsewhere. */
export function instanceNameOf(app: AppName, controlNamespace: string): string {
  const ns = app.metadata.namespace ?? controlNamespace;
  return ns === controlNamespace ? app.metadata.name : `${ns}_${app.metadata.name}`;
}

/** The app key an instance name (a tracking label's value) stands for. */
export function appKeyOfInstance(instance: string, controlNamespace: string): string {
  const sep = instance.indexOf('_');
  return sep < 0 ? `${controlNamespace}/${instance}` : `${instance.slice(0, sep)}/${instance.slice(sep + 1)}`;
}
