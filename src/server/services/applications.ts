// The Application API (Argo CD's `server/application/application.go`, the parts this server covers):
// list, get, create, update, update spec, patch, delete, sync, rollback, terminate.
//
// Behaviours kept from Argo CD because scripts and the UI rely on them:
// - Without `?project=`, an app that does not exist and an app the caller may not see answer the same
//   403 "permission denied", so names cannot be probed. With `?project=` a missing app is a 404.
// - Create is idempotent: the same spec again returns the existing app; a different one needs `upsert`.
// - Updates copy spec, labels, annotations and finalizers onto the object as stored and retry on
//   conflicts; `operation` and `status` are never taken from a request.
// - Delete with cascade (the default) first adds the resources finalizer for the propagation policy.
// - Sync and rollback write `operation`; while one is present another is refused (409).
// - Terminate sets `status.operationState.phase = Terminating`; here through the status subresource,
//   which kawa's Application CRD has (see model/crds.ts).
import type { z } from 'zod';
import { apiReasons } from '../../errors.js';
import { isAutomatedSync, normalizeRepoUrl, sourcesOf, type Operation, type SyncOperation } from '../../model/index.js';
import { BACKGROUND_FINALIZER, CASCADE_FINALIZERS, FOREGROUND_FINALIZER, REFRESH_ANNOTATION, RESOURCES_FINALIZER } from '../../model/names.js';
import { isRecord } from '../../model/validation.js';
import { EventReason } from '../audit.js';
import type { Actor } from '../guard.js';
import { ApiError, aborted, alreadyExists, failedPrecondition, invalidArgument, notFound, permissionDenied, problemsOf, RequestValidationError, type Why } from '../http-errors.js';
import { compact, labelsOf, metaString, metadataOf, orAbsent, projectOf, sameJson, specOf, statusOf } from '../objects.js';
import { applyPatch, type Json } from '../patch.js';
import {
  applicationWriteSchema,
  type applicationRollbackRequestSchema,
  type applicationSpecWriteSchema,
  type applicationSyncRequestSchema,
} from '../schemas.js';
import { KubeFailure, type KubeJson } from '../store.js';
import { matchesLabels, parseLabelSelector } from '../streams/selector.js';
import { listFrom } from './app-cache.js';
import { MAX_CONFLICT_RETRIES, type ServiceContext } from './context.js';
import { asApplication, projectFor, projectViolations } from './permissions.js';

export type ApplicationWrite = z.output<typeof applicationWriteSchema>;
export type ApplicationSpecWrite = z.output<typeof applicationSpecWriteSchema>;
export type SyncRequest = z.output<typeof applicationSyncRequestSchema>;
export type RollbackRequest = z.output<typeof applicationRollbackRequestSchema>;

const RESOURCE = 'applications';

export interface Scope {
  readonly appNamespace?: string | undefined;
  /** When given, the app must belong to this project (and a missing app is a 404, not a 403). */
  readonly project?: string | undefined;
}

export interface ListQuery {
  readonly name?: string | undefined;
  readonly projects: readonly string[];
  readonly selector?: string | undefined;
  readonly repo?: string | undefined;
  readonly appNamespace?: string | undefined;
}

export class ApplicationService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The namespace an app lives in: the control-plane namespace unless another is enabled and asked for. */
  namespaceFor(appNamespace: string | undefined): string {
    if (appNamespace === undefined || appNamespace === '' || appNamespace === this.ctx.namespace) return this.ctx.namespace;
    if (!this.ctx.appNamespaces.has(appNamespace)) {
      throw permissionDenied(`applications in namespace '${appNamespace}' are not permitted`, { reason: apiReasons.NAMESPACE_NOT_ENABLED, metadata: { namespace: appNamespace } });
    }
    return appNamespace;
  }

  /** The RBAC object: `<project>/<name>`, or `<project>/<namespace>/<name>` outside the control-plane namespace. */
  rbacName(project: string, namespace: string, name: string): string {
    return namespace === this.ctx.namespace ? `${project}/${name}` : `${project}/${namespace}/${name}`;
  }

  /** A machine-readable reason about `app`, named as the CLI takes it (`NAME`, or `NAMESPACE/NAME` outside the control-plane namespace). */
  private why(reason: Why['reason'], app: KubeJson, extra: Record<string, string> = {}): Why {
    const name = metaString(app, 'name') ?? '';
    const namespace = metaString(app, 'namespace') ?? this.ctx.namespace;
    return { reason, metadata: { application: namespace === this.ctx.namespace ? name : `${namespace}/${name}`, ...extra } };
  }

  private rbacNameOf(app: KubeJson): string {
    return this.rbacName(projectOf(app), metaString(app, 'namespace') ?? this.ctx.namespace, metaString(app, 'name') ?? '');
  }

  /**
   * Read an app for `action`, with Argo CD's rules about what a refusal may reveal (see the file header).
   * Marks the request authorized on success.
   */
  async getFor(actor: Actor, action: string, name: string, scope: Scope, options: { cached?: boolean } = {}): Promise<KubeJson> {
    const namespace = this.namespaceFor(scope.appNamespace);
    const project = scope.project !== undefined && scope.project !== '' ? scope.project : undefined;
    if (project !== undefined) actor.authorize(RESOURCE, action, this.rbacName(project, namespace, name));
    // Reads may come from the watch cache; an app it does not hold (yet) is still looked up, and writes
    // always start from the API server's copy (their resourceVersion must be current).
    const cached = options.cached === true ? (await this.ctx.appCache?.view(namespace))?.get(name) : undefined;
    const app = cached ?? (await this.ctx.store.get('applications', namespace, name));
    if (app === undefined) {
      if (project !== undefined) throw notFound(`applications.argoproj.io "${name}" not found`);
      throw permissionDenied();
    }
    actor.authorize(RESOURCE, action, this.rbacNameOf(app), true);
    if (project !== undefined && projectOf(app) !== project) throw notFound(`applications.argoproj.io "${name}" not found`);
    return app;
  }

  async list(actor: Actor, query: ListQuery): Promise<{ resourceVersion: string | undefined; items: KubeJson[] }> {
    const namespaces = query.appNamespace !== undefined && query.appNamespace !== '' ? [this.namespaceFor(query.appNamespace)] : [this.ctx.namespace, ...this.ctx.appNamespaces];
    let resourceVersion: string | undefined;
    const items: KubeJson[] = [];
    const selector = query.selector === undefined || query.selector === '' ? undefined : parseLabelSelector(query.selector);
    for (const namespace of namespaces) {
      const view = await this.ctx.appCache?.view(namespace);
      const list = view === undefined ? await this.ctx.store.list('applications', namespace, query.selector) : listFrom(view);
      resourceVersion ??= list.resourceVersion;
      // The API server applied the selector to a LIST; the cache holds every app.
      items.push(...(view === undefined || selector === undefined ? list.items : list.items.filter((app) => matchesLabels(selector, labelsOf(app)))));
    }
    const repo = query.repo === undefined || query.repo === '' ? undefined : normalizeRepoUrl(query.repo);
    const visible = items.filter((app) => {
      if (query.name !== undefined && query.name !== '' && metaString(app, 'name') !== query.name) return false;
      if (query.projects.length > 0 && !query.projects.includes(projectOf(app))) return false;
      if (repo !== undefined && !repoURLsOf(app).some((url) => normalizeRepoUrl(url) === repo)) return false;
      return actor.can(RESOURCE, 'get', this.rbacNameOf(app));
    });
    visible.sort((a, b) => (metaString(a, 'name') ?? '').localeCompare(metaString(b, 'name') ?? '') || (metaString(a, 'namespace') ?? '').localeCompare(metaString(b, 'namespace') ?? ''));
    return { resourceVersion, items: visible };
  }

  /** GET, optionally asking the controller to refresh first (and waiting, boundedly, until it has). */
  async get(actor: Actor, name: string, scope: Scope & { refresh?: 'normal' | 'hard' | undefined }): Promise<KubeJson> {
    const app = await this.getFor(actor, 'get', name, scope, { cached: scope.refresh === undefined });
    if (scope.refresh === undefined) return app;
    const namespace = metaString(app, 'namespace') ?? this.ctx.namespace;
    const refresh = scope.refresh;
    const marked = await this.rewrite(namespace, name, app, (current) => {
      const meta = metadataOf(current);
      const annotations = { ...(isRecord(meta['annotations']) ? meta['annotations'] : {}), [REFRESH_ANNOTATION]: refresh };
      return { ...current, metadata: { ...meta, annotations } };
    });
    // The controller removes the annotation once it has refreshed; without a controller, answer anyway.
    const deadline = this.ctx.now().getTime() + this.ctx.refreshWaitMs;
    let latest = marked;
    while (this.ctx.now().getTime() < deadline) {
      const annotations = metadataOf(latest)['annotations'];
      if (!isRecord(annotations) || annotations[REFRESH_ANNOTATION] === undefined) break;
      await this.ctx.sleep(100);
      latest = (await this.ctx.store.get('applications', namespace, name)) ?? latest;
    }
    return latest;
  }

  async create(actor: Actor, body: ApplicationWrite, options: { upsert: boolean }): Promise<KubeJson> {
    const namespace = this.namespaceFor(body.metadata.namespace);
    const desired = desiredObject(body, namespace);
    actor.authorize(RESOURCE, 'create', this.rbacNameOf(desired));
    await this.validate(desired);
    let created: KubeJson;
    try {
      created = await this.ctx.store.create('applications', namespace, desired);
    } catch (err) {
      if (!(err instanceof KubeFailure && err.kubeStatus === 409)) throw err;
      const existing = await this.ctx.store.get('applications', namespace, body.metadata.name);
      if (existing === undefined) throw err;
      if (sameDesiredState(existing, desired)) return existing;
      if (!options.upsert) throw alreadyExists('existing application spec is different, use upsert flag to force update', this.why(apiReasons.SPEC_DIFFERS, existing));
      actor.authorize(RESOURCE, 'update', this.rbacNameOf(desired));
      // Moving an app between projects needs update rights in the project it leaves as well.
      if (projectOf(existing) !== projectOf(desired)) actor.authorize(RESOURCE, 'update', this.rbacNameOf(existing));
      return this.update(actor, existing, desired, true);
    }
    await this.ctx.audit.application(created, EventReason.ResourceCreated, actor.user, 'created application');
    return created;
  }

  /** PUT: the whole app as the client sends it (only spec, labels, annotations and finalizers are taken). */
  async replace(actor: Actor, name: string, body: ApplicationWrite, scope: Scope): Promise<KubeJson> {
    if (body.metadata.name !== name) throw invalidArgument(`the path names application ${name} but the body names ${body.metadata.name}`);
    const namespace = this.namespaceFor(body.metadata.namespace ?? scope.appNamespace);
    const desired = desiredObject(body, namespace);
    actor.authorize(RESOURCE, 'update', this.rbacNameOf(desired));
    const existing = await this.getFor(actor, 'update', name, { ...scope, appNamespace: namespace });
    return this.validateAndUpdate(actor, existing, desired);
  }

  async replaceSpec(actor: Actor, name: string, spec: ApplicationSpecWrite, scope: Scope): Promise<KubeJson> {
    const existing = await this.getFor(actor, 'update', name, scope);
    return this.validateAndUpdate(actor, existing, { ...existing, spec });
  }

  async patch(actor: Actor, name: string, patchText: string, patchType: 'json' | 'merge', scope: Scope): Promise<KubeJson> {
    const existing = await this.getFor(actor, 'get', name, scope);
    actor.authorize(RESOURCE, 'update', this.rbacNameOf(existing));
    const patched = applyPatch(existing as Json, patchText, patchType);
    const parsed = applicationWriteSchema.safeParse(patched, { reportInput: true });
    if (!parsed.success) throw new RequestValidationError('patch result', problemsOf(parsed.error.issues));
    if (parsed.data.metadata.name !== name || (parsed.data.metadata.namespace ?? metaString(existing, 'namespace')) !== metaString(existing, 'namespace')) {
      throw invalidArgument('a patch cannot change metadata.name or metadata.namespace');
    }
    return this.validateAndUpdate(actor, existing, desiredObject(parsed.data, metaString(existing, 'namespace') ?? this.ctx.namespace));
  }

  async delete(actor: Actor, name: string, options: Scope & { cascade?: boolean | undefined; propagationPolicy?: string | undefined }): Promise<void> {
    const app = await this.getFor(actor, 'get', name, options);
    actor.authorize(RESOURCE, 'delete', this.rbacNameOf(app));
    const policy = options.propagationPolicy ?? '';
    if (options.cascade === false && policy !== '') throw invalidArgument('cannot set propagation policy when cascading is disabled');
    let wanted: string | undefined;
    if (options.cascade !== false) {
      wanted = { '': RESOURCES_FINALIZER, foreground: FOREGROUND_FINALIZER, background: BACKGROUND_FINALIZER }[policy.toLowerCase()];
      if (wanted === undefined) throw invalidArgument(`invalid propagation policy: ${policy}`);
    }
    const namespace = metaString(app, 'namespace') ?? this.ctx.namespace;
    const finalizersOf = (obj: KubeJson): string[] => {
      const list = metadataOf(obj)['finalizers'];
      return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
    };
    const current = finalizersOf(app);
    // Cascade: exactly the policy's finalizer; no cascade: none of them. Other finalizers stay.
    const needsChange = wanted === undefined ? current.some((f) => CASCADE_FINALIZERS.includes(f)) : !current.includes(wanted);
    let toDelete = app;
    if (needsChange) {
      toDelete = await this.rewrite(namespace, name, app, (obj) => {
        const kept = finalizersOf(obj).filter((f) => !CASCADE_FINALIZERS.includes(f));
        const finalizers = wanted === undefined ? kept : [...kept, wanted];
        return { ...obj, metadata: compact({ ...metadataOf(obj), finalizers: orAbsent(finalizers) }) };
      });
    }
    await this.ctx.store.delete('applications', namespace, name);
    await this.ctx.audit.application(toDelete, EventReason.ResourceDeleted, actor.user, 'deleted application');
  }

  async sync(actor: Actor, name: string, request: SyncRequest): Promise<KubeJson> {
    const raw = await this.getFor(actor, 'get', name, request);
    actor.authorize(RESOURCE, 'sync', this.rbacNameOf(raw));
    const app = asApplication(raw);
    if (request.manifests !== undefined) {
      actor.authorize(RESOURCE, 'override', this.rbacNameOf(raw));
      if (isAutomatedSync(app.spec) && request.dryRun !== true) {
        throw failedPrecondition('cannot use local sync when Automatic Sync Policy is enabled unless for dry run', this.why(apiReasons.AUTO_SYNC_ENABLED, raw));
      }
    }
    if (metaString(raw, 'deletionTimestamp') !== undefined) throw failedPrecondition('application is deleting', this.why(apiReasons.APP_DELETING, raw));

    const multi = (app.spec.sources?.length ?? 0) > 0;
    const sources = sourcesOf(app.spec);
    let revision: string | undefined;
    let revisions: string[] | undefined;
    let display: string;
    if (multi) {
      revisions = sources.map((s) => s.targetRevision ?? '');
      const positions = request.sourcePositions ?? [];
      const wanted = request.revisions ?? [];
      if (positions.length !== wanted.length) throw invalidArgument('sourcePositions and revisions must have the same length');
      positions.forEach((position, i) => {
        if (!Number.isInteger(position) || position < 1 || position > sources.length) throw invalidArgument('source position is out of range');
        (revisions as string[])[position - 1] = wanted[i] ?? '';
      });
      display = revisions.map((r) => (r === '' ? 'HEAD' : r)).join(',');
    } else {
      // The controller resolves branches and tags to a commit; the request's words are kept as given.
      revision = request.revision ?? sources[0]?.targetRevision ?? '';
      display = revision === '' ? 'HEAD' : revision;
    }
    const sync: SyncOperation = compact({
      revision: revision === '' ? undefined : revision,
      revisions,
      prune: request.prune === true ? true : undefined,
      dryRun: request.dryRun === true ? true : undefined,
      syncOptions: orAbsent(request.syncOptions?.items ?? app.spec.syncPolicy?.syncOptions),
      syncStrategy: request.strategy,
      resources: orAbsent(request.resources),
      manifests: request.manifests,
      source: multi ? undefined : app.spec.source,
      sources: multi ? app.spec.sources : undefined,
    });
    const operation: Operation = compact({
      sync,
      initiatedBy: { username: actor.user },
      info: orAbsent(request.infos),
      retry: request.retryStrategy ?? app.spec.syncPolicy?.retry,
    });
    const updated = await this.setOperation(raw, operation);
    const partial = (request.resources?.length ?? 0) > 0 ? 'partial ' : '';
    const action = request.manifests !== undefined ? `initiated ${partial}sync locally` : `initiated ${partial}sync to ${display}`;
    await this.ctx.audit.application(updated, EventReason.OperationStarted, actor.user, action);
    return updated;
  }

  async rollback(actor: Actor, name: string, request: RollbackRequest): Promise<KubeJson> {
    const raw = await this.getFor(actor, 'sync', name, request);
    const app = asApplication(raw);
    if (metaString(raw, 'deletionTimestamp') !== undefined) throw failedPrecondition('application is deleting', this.why(apiReasons.APP_DELETING, raw));
    // Argo CD's words; the reason lets a client say how to turn automated sync off.
    if (isAutomatedSync(app.spec)) throw failedPrecondition('rollback cannot be initiated when auto-sync is enabled', this.why(apiReasons.AUTO_SYNC_ENABLED, raw));
    const entry = app.status?.history?.find((h) => h.id === request.id);
    if (entry === undefined) throw invalidArgument(`application ${name} does not have deployment with id ${request.id}`, this.why(apiReasons.HISTORY_NOT_FOUND, raw));
    if (entry.source === undefined && (entry.sources?.length ?? 0) === 0) {
      throw failedPrecondition('cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead.', this.why(apiReasons.HISTORY_SOURCE_MISSING, raw));
    }
    const operation: Operation = {
      sync: compact({
        revision: entry.revision,
        revisions: entry.revisions,
        dryRun: request.dryRun === true ? true : undefined,
        prune: request.prune === true ? true : undefined,
        syncOptions: orAbsent(app.spec.syncPolicy?.syncOptions),
        syncStrategy: { apply: {} },
        source: entry.source,
        sources: entry.sources,
      }),
      initiatedBy: { username: actor.user },
    };
    const updated = await this.setOperation(raw, operation);
    await this.ctx.audit.application(updated, EventReason.OperationStarted, actor.user, `initiated rollback to ${request.id}`);
    return updated;
  }

  async terminate(actor: Actor, name: string, scope: Scope): Promise<void> {
    let app = await this.getFor(actor, 'sync', name, scope);
    const namespace = metaString(app, 'namespace') ?? this.ctx.namespace;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const state = statusOf(app)['operationState'];
      if (app['operation'] === undefined || app['operation'] === null || !isRecord(state)) {
        throw invalidArgument('Unable to terminate operation. No operation is in progress', this.why(apiReasons.NO_OPERATION, app));
      }
      try {
        const updated = await this.ctx.store.replaceStatus('applications', namespace, { ...app, status: { ...statusOf(app), operationState: { ...state, phase: 'Terminating' } } });
        await this.ctx.audit.application(updated, EventReason.ResourceUpdated, actor.user, 'terminated running operation');
        return;
      } catch (err) {
        if (!(err instanceof KubeFailure && err.kubeStatus === 409)) throw err;
        app = await this.mustGet(namespace, name);
      }
    }
    throw tooManyConflicts('terminate the operation of', name);
  }

  // ---- internals ------------------------------------------------------------------------------------

  /** Model rules, project existence and the project's permissions: 400 for malformed, 403 for forbidden. */
  private async validate(desired: KubeJson): Promise<void> {
    const app = asApplication(desired);
    const project = await projectFor(this.ctx, projectOf(desired));
    const { clusters } = await this.ctx.store.clusters(this.ctx.namespace);
    const violations = projectViolations(app, project, clusters, this.ctx.namespace);
    if (violations.invalid.length > 0) throw invalidArgument(`application destination spec is invalid: ${violations.invalid.join('; ')}`);
    if (violations.forbidden.length > 0) {
      const why = this.why(apiReasons.PROJECT_NOT_PERMITTED, desired, { project: projectOf(desired) });
      throw permissionDenied(`application spec is not permitted by its project: ${violations.forbidden.join('; ')}`, why);
    }
  }

  private async validateAndUpdate(actor: Actor, existing: KubeJson, desired: KubeJson): Promise<KubeJson> {
    // Moving to another project needs create rights there; update rights here were checked already.
    if (projectOf(existing) !== projectOf(desired)) actor.authorize(RESOURCE, 'create', this.rbacNameOf(desired));
    await this.validate(desired);
    return this.update(actor, existing, desired, false);
  }

  /** Copy spec, labels, annotations and finalizers onto the stored object; retry on conflicts. */
  private async update(actor: Actor, existing: KubeJson, desired: KubeJson, mergeMaps: boolean): Promise<KubeJson> {
    const namespace = metaString(existing, 'namespace') ?? this.ctx.namespace;
    const name = metaString(existing, 'name') ?? '';
    const want = metadataOf(desired);
    const map = (key: string, current: Record<string, unknown>): unknown => {
      const wanted = isRecord(want[key]) ? want[key] : undefined;
      if (!mergeMaps) return orAbsent(wanted);
      return orAbsent({ ...(isRecord(current[key]) ? current[key] : {}), ...(wanted ?? {}) });
    };
    const updated = await this.rewrite(namespace, name, existing, (current) => {
      const meta = metadataOf(current);
      return {
        ...current,
        metadata: compact({ ...meta, labels: map('labels', meta), annotations: map('annotations', meta), finalizers: orAbsent(want['finalizers'] as string[] | undefined) }),
        spec: desired['spec'],
      };
    });
    await this.ctx.audit.application(updated, EventReason.ResourceUpdated, actor.user, 'updated application spec');
    return updated;
  }

  /** Argo CD's SetAppOperation: refuse while an operation is present, else write it; retry on conflicts. */
  private async setOperation(app: KubeJson, operation: Operation): Promise<KubeJson> {
    const namespace = metaString(app, 'namespace') ?? this.ctx.namespace;
    const name = metaString(app, 'name') ?? '';
    let current = app;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      if (current['operation'] !== undefined && current['operation'] !== null) throw failedPrecondition('another operation is already in progress', this.why(apiReasons.OPERATION_IN_PROGRESS, current));
      try {
        return await this.ctx.store.replace('applications', namespace, { ...current, operation });
      } catch (err) {
        if (!(err instanceof KubeFailure && err.kubeStatus === 409)) throw err;
        current = await this.mustGet(namespace, name);
      }
    }
    throw tooManyConflicts('start an operation on', name);
  }

  /** Read-modify-write of the main resource with the stored resourceVersion, re-reading on conflicts. */
  private async rewrite(namespace: string, name: string, first: KubeJson, change: (current: KubeJson) => KubeJson): Promise<KubeJson> {
    let current = first;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      try {
        return await this.ctx.store.replace('applications', namespace, change(current));
      } catch (err) {
        if (!(err instanceof KubeFailure && err.kubeStatus === 409)) throw err;
        current = await this.mustGet(namespace, name);
      }
    }
    throw tooManyConflicts('update', name);
  }

  private async mustGet(namespace: string, name: string): Promise<KubeJson> {
    const app = await this.ctx.store.get('applications', namespace, name);
    if (app === undefined) throw notFound(`applications.argoproj.io "${name}" not found`);
    return app;
  }
}

function tooManyConflicts(what: string, name: string): ApiError {
  return aborted(`could not ${what} application ${name}: too many concurrent changes; retry`, { reason: apiReasons.CONCURRENT_CHANGES });
}

/** The object to store for a write: type fields set, server-owned metadata dropped, operation and status ignored. */
function desiredObject(body: ApplicationWrite, namespace: string): KubeJson {
  const m = body.metadata;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: compact({
      name: m.name,
      namespace,
      labels: orAbsent(m.labels),
      annotations: orAbsent(m.annotations),
      finalizers: orAbsent(m.finalizers),
      ownerReferences: orAbsent(m.ownerReferences),
    }),
    spec: body.spec,
  };
}

/** What "the same application" means for an idempotent create (Argo CD compares these four). */
function sameDesiredState(existing: KubeJson, desired: KubeJson): boolean {
  const a = metadataOf(existing);
  const b = metadataOf(desired);
  return (
    sameJson(specOf(existing), specOf(desired)) &&
    sameJson(orAbsent(labelsOf(existing)), orAbsent(labelsOf(desired))) &&
    sameJson(orAbsent(isRecord(a['annotations']) ? a['annotations'] : undefined), orAbsent(isRecord(b['annotations']) ? b['annotations'] : undefined)) &&
    sameJson(orAbsent(a['finalizers'] as unknown[] | undefined), orAbsent(b['finalizers'] as unknown[] | undefined))
  );
}

function repoURLsOf(app: KubeJson): string[] {
  const spec = specOf(app);
  const urls: string[] = [];
  const add = (source: unknown): void => {
    if (isRecord(source) && typeof source['repoURL'] === 'string') urls.push(source['repoURL']);
  };
  add(spec['source']);
  if (Array.isArray(spec['sources'])) spec['sources'].forEach(add);
  return urls;
}
