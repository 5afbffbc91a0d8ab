// Kubernetes Events on Applications for what the controller did (sync started/finished/failed, health
// changes), as `argocd app get` and `kubectl describe` users read them. Recording is best effort: a
// failed Event never fails the reconcile.
import type { KubeRest } from '../kube/index.js';
import { ARGOPROJ_API_VERSION, APPLICATION_KIND } from '../model/index.js';

/** The component Argo CD's controller reports Events as. */
const COMPONENT = 'argocd-application-controller';

export interface AppRef {
  name: string;
  namespace: string;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
}

/** The Event's reference to an app (uid and resourceVersion when known, so `kubectl describe` finds it). */
export function appRefOf(app: { metadata: { name: string; namespace?: string | undefined } }, controlNamespace: string): AppRef {
  const meta = app.metadata as { name: string; namespace?: string | undefined; uid?: string; resourceVersion?: string };
  return {
    name: meta.name,
    namespace: meta.namespace ?? controlNamespace,
    ...(meta.uid === undefined ? {} : { uid: meta.uid }),
    ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }),
  };
}

export class EventRecorder {
  constructor(
    private readonly rest: KubeRest,
    private readonly now: () => number,
    private readonly warn: (msg: string, err: unknown) => void,
  ) {}

  async record(app: AppRef, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): Promise<void> {
    const time = new Date(this.now()).toISOString();
    const nanos = BigInt(this.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${app.name}.${nanos.toString(16)}`, namespace: app.namespace },
      involvedObject: {
        apiVersion: ARGOPROJ_API_VERSION,
        kind: APPLICATION_KIND,
        name: app.name,
        namespace: app.namespace,
        ...(app.uid === undefined ? {} : { uid: app.uid }),
        ...(app.resourceVersion === undefined ? {} : { resourceVersion: app.resourceVersion }),
      },
      reason,
      message,
      type,
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: COMPONENT,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    try {
      await this.rest.request('POST', `/api/v1/namespaces/${encodeURIComponent(app.namespace)}/events`, { body });
    } catch (err) {
      this.warn(`could not record event ${reason} on application ${app.namespace}/${app.name}`, err);
    }
  }
}
