// Every write the controller makes to an Application goes through here: the reconciled status, operation
// and deletion records, history, conditions, the `operation` request, the refresh annotation and the
// cascade finalizers. One place picks the patch type of each write and decides which API answers mean
// "deleted or changed meanwhile" (ignored or left to the next reconcile) rather than a failure.
import { isoTime, type DeletionRecord, type OperationRecord } from '../engine/index.js';
import { statusCodeOf, type KubeObject, type KubeRest } from '../kube/index.js';
import { CONDITION_TYPES, type Application, type Operation, type OperationState, type RevisionHistory } from '../model/index.js';
import { CASCADE_FINALIZERS, REFRESH_ANNOTATION } from '../model/names.js';
import { appKeyOf, type AppName } from './app-identity.js';
import { statusChanged, type ReconciledStatus } from './status.js';

type StatusOp = { op: 'add'; path: string; value: unknown };

export interface AppWriterOptions {
  /** The client every write goes through (the controller's own: its requests are counted). */
  rest: KubeRest;
  /** The control namespace: where an app without a namespace lives. */
  namespace: string;
  now: () => number;
  /** The watch's current copy of an app, unparsed. */
  rawApp: (key: string) => KubeObject | undefined;
  /** The watch's current copy of an app, parsed (undefined when it is gone or invalid). */
  latestApp: (key: string) => Application | undefined;
}

export class AppWriter {
  constructor(private readonly options: AppWriterOptions) {}

  /** The reconciled fields of `status`, written only when they changed. */
  async writeStatus(app: Application, status: ReconciledStatus): Promise<void> {
    if (!statusChanged(app.status, status)) return;
    const ops = Object.entries(status).map(([field, value]) => ({ op: 'add' as const, path: `/status/${field}`, value }));
    await this.patchStatus(app, ops, status);
  }

  /** The status of an app whose spec does not parse: Unknown, with the parse errors as its one condition. */
  async writeInvalid(raw: KubeObject, message: string): Promise<void> {
    const name = raw.metadata?.name ?? '';
    const namespace = raw.metadata?.namespace ?? this.options.namespace;
    const existing = (raw['status'] ?? {}) as { conditions?: { type: string; message: string }[] };
    const same = existing.conditions?.length === 1 && existing.conditions[0]?.type === CONDITION_TYPES.InvalidSpecError && existing.conditions[0].message === message;
    if (same) return;
    const now = this.options.now;
    const status = {
      sync: { status: 'Unknown' },
      health: { status: 'Unknown' },
      conditions: [{ type: CONDITION_TYPES.InvalidSpecError, message, lastTransitionTime: isoTime(now()) }],
      reconciledAt: isoTime(now()),
    };
    try {
      await this.options.rest.request('PATCH', this.appPath({ metadata: { name, namespace } }, '/status'), { body: { status }, contentType: 'application/merge-patch+json' });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  /**
   * `status.operationState`: an operation's record, or the Running state of one a sync window holds back
   * before it started; with the new history when given (one write for both).
   */
  async writeOperationState(app: Application, record: OperationState, history?: RevisionHistory[]): Promise<void> {
    if (history === undefined) {
      await this.patchStatus(app, [{ op: 'add', path: '/status/operationState', value: record }], { operationState: record });
      return;
    }
    await this.patchStatus(
      app,
      [
        { op: 'add', path: '/status/operationState', value: record },
        { op: 'add', path: '/status/history', value: history },
      ],
      { operationState: record, history },
    );
  }

  /** An operation's step: only "has it a status yet" is needed of the latest copy, so no schema parse per step. */
  async persistOperation(app: Application, record: OperationRecord): Promise<void> {
    const raw = this.options.rawApp(appKeyOf(app, this.options.namespace));
    await this.writeOperationState({ ...app, status: (raw?.['status'] as Application['status']) ?? app.status }, record);
  }

  async writeHistory(app: Application, history: RevisionHistory[]): Promise<void> {
    await this.patchStatus(app, [{ op: 'add', path: '/status/history', value: history }], { history });
  }

  async writeDeletionState(app: Application, record: DeletionRecord): Promise<void> {
    await this.patchStatus(app, [{ op: 'add', path: '/status/deletionState', value: record }], { deletionState: record });
  }

  /** A DeletionError condition (replacing the others), unless the app already shows this very message. */
  async writeDeletionError(app: Application, message: string): Promise<void> {
    const conditions = [{ type: CONDITION_TYPES.DeletionError, message, lastTransitionTime: isoTime(this.options.now()) }];
    if (app.status?.conditions?.some((c) => c.type === CONDITION_TYPES.DeletionError && c.message === message) === true) return;
    await this.patchStatus(app, [{ op: 'add', path: '/status/conditions', value: conditions }], { conditions });
  }

  /** Requests an operation (an automated sync), as a user's `argocd app sync` does. */
  async requestOperation(app: Application, operation: Operation): Promise<void> {
    await this.options.rest.request('PATCH', this.appPath(app), { body: { operation }, contentType: 'application/merge-patch+json' });
  }

  /** Removes the finished request, unless someone replaced it meanwhile (the JSON patch's test guards that). */
  async clearOperation(app: Application): Promise<void> {
    const latest = this.options.latestApp(appKeyOf(app, this.options.namespace)) ?? app;
    if (latest.operation === undefined) return;
    try {
      await this.options.rest.request('PATCH', this.appPath(latest), {
        body: [
          { op: 'test', path: '/operation', value: latest.operation },
          { op: 'remove', path: '/operation' },
        ],
        contentType: 'application/json-patch+json',
      });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code !== 404 && code !== 422 && code !== 409) throw err;
    }
  }

  /** Removes the refresh annotation the reconcile answered (`value`: what it was; undefined: nothing to do). */
  async clearRefreshAnnotation(app: Application, value: string | undefined): Promise<void> {
    if (value === undefined) return;
    try {
      await this.options.rest.request('PATCH', this.appPath(app), {
        body: { metadata: { annotations: { [REFRESH_ANNOTATION]: null } } },
        contentType: 'application/merge-patch+json',
      });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  /**
   * Removes the cascade finalizers from `finalizers` (the list the app had), keeping the others, so
   * Kubernetes deletes the Application. `changed`: the list changed meanwhile, nothing was written.
   */
  async removeCascadeFinalizers(app: Application, finalizers: readonly string[]): Promise<'removed' | 'changed'> {
    const kept = finalizers.filter((f) => !CASCADE_FINALIZERS.includes(f));
    try {
      await this.options.rest.request('PATCH', this.appPath(app), {
        body: [
          { op: 'test', path: '/metadata/finalizers', value: finalizers },
          { op: 'replace', path: '/metadata/finalizers', value: kept },
        ],
        contentType: 'application/json-patch+json',
      });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 422 || code === 409) return 'changed';
      if (code !== 404) throw err;
    }
    return 'removed';
  }

  private appPath(app: AppName, sub = ''): string {
    const ns = app.metadata.namespace ?? this.options.namespace;
    return `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/applications/${encodeURIComponent(app.metadata.name)}${sub}`;
  }

  /**
   * Status through the `/status` subresource. A JSON patch replaces exactly the fields given (a merge patch
   * would leave stale keys of nested objects behind); an app without any status gets a merge patch instead.
   */
  private async patchStatus(app: Application, ops: StatusOp[], whole: Record<string, unknown>): Promise<void> {
    const rest = this.options.rest;
    try {
      if (app.status === undefined) throw Object.assign(new Error('no status yet'), { noStatus: true });
      await rest.request('PATCH', this.appPath(app, '/status'), { body: ops, contentType: 'application/json-patch+json' });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404) return; // deleted meanwhile
      if (!(err instanceof Error && 'noStatus' in err) && code !== 422 && code !== 500) throw err;
      await rest.request('PATCH', this.appPath(app, '/status'), { body: { status: whole }, contentType: 'application/merge-patch+json' });
    }
  }
}
