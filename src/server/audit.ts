// Audit trail, the way Argo CD keeps it: every change made through the API becomes a Kubernetes Event on
// the object, whose message names the user (`admin created application`), so `kubectl get events` and the
// Events tab show who did what. Failing to record an Event is logged and never fails the request: the
// change itself has already happened.
import type { FastifyBaseLogger } from 'fastify';
import { ARGOPROJ_API_VERSION, APPLICATION_KIND, APPPROJECT_KIND } from '../model/index.js';
import { isRecord } from '../model/validation.js';
import type { CoreClient, KubeJson } from './store.js';

/** Reasons Argo CD uses (`util/argo/audit_logger.go`). */
export const EventReason = {
  ResourceCreated: 'ResourceCreated',
  ResourceUpdated: 'ResourceUpdated',
  ResourceDeleted: 'ResourceDeleted',
  OperationStarted: 'OperationStarted',
} as const;

export type EventReasonName = (typeof EventReason)[keyof typeof EventReason];

/** The component Argo CD's API server reports Events as. */
const COMPONENT = 'argocd-server';

export class Auditor {
  constructor(
    private readonly core: CoreClient,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
  ) {}

  application(obj: KubeJson, reason: EventReasonName, user: string, action: string): Promise<void> {
    return this.record(APPLICATION_KIND, obj, reason, user, action);
  }

  project(obj: KubeJson, reason: EventReasonName, user: string, action: string): Promise<void> {
    return this.record(APPPROJECT_KIND, obj, reason, user, action);
  }

  private async record(kind: string, obj: KubeJson, reason: EventReasonName, user: string, action: string): Promise<void> {
    const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
    const text = (key: string): string | undefined => (typeof meta[key] === 'string' ? meta[key] : undefined);
    const name = text('name') ?? '';
    const namespace = text('namespace') ?? '';
    const time = this.now();
    const message = `${user === '' ? 'Unknown user' : user} ${action}`;
    // Argo CD's naming: the object's name and the time in hex nanoseconds, unique per object and moment.
    const nanos = BigInt(time.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${name}.${nanos.toString(16)}`, namespace },
          involvedObject: { apiVersion: ARGOPROJ_API_VERSION, kind, name, namespace, uid: text('uid'), resourceVersion: text('resourceVersion') },
          reason,
          message,
          type: 'Normal',
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
      });
    } catch (err) {
      this.log.warn({ err, kind, name, namespace, reason }, 'could not record the audit Event');
    }
    this.log.info({ audit: true, kind, name, namespace, reason, user }, message);
  }
}
