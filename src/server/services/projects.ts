// The AppProject API (Argo CD's `server/project/project.go`, CRUD part): RBAC objects are project names;
// `default` cannot be deleted; a project still used by applications cannot be deleted; an update that
// would make existing applications break the project's rules is refused, saying how many.
import type { z } from 'zod';
import { apiReasons } from '../../errors.js';
import { validateAppProject } from '../../model/index.js';
import { EventReason } from '../audit.js';
import type { Actor } from '../guard.js';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '../http-errors.js';
import { compact, metaString, metadataOf, orAbsent, projectOf, sameJson, specOf } from '../objects.js';
import type { appProjectWriteSchema } from '../schemas.js';
import { KubeFailure, type KubeJson } from '../store.js';
import { MAX_CONFLICT_RETRIES, type ServiceContext } from './context.js';
import { asApplication, projectViolations } from './permissions.js';

export type AppProjectWrite = z.output<typeof appProjectWriteSchema>;

const RESOURCE = 'projects';
const DEFAULT_PROJECT = 'default';

export class ProjectService {
  constructor(private readonly ctx: ServiceContext) {}

  async list(actor: Actor, name: string | undefined): Promise<{ resourceVersion: string | undefined; items: KubeJson[] }> {
    const list = await this.ctx.store.list('appprojects', this.ctx.namespace);
    const items = list.items
      .filter((p) => (name === undefined || name === '' || metaString(p, 'name') === name) && actor.can(RESOURCE, 'get', metaString(p, 'name') ?? ''))
      .sort((a, b) => (metaString(a, 'name') ?? '').localeCompare(metaString(b, 'name') ?? ''));
    return { resourceVersion: list.resourceVersion, items };
  }

  async get(actor: Actor, name: string): Promise<KubeJson> {
    actor.authorize(RESOURCE, 'get', name);
    return this.mustGet(name);
  }

  async create(actor: Actor, body: AppProjectWrite, upsert: boolean): Promise<KubeJson> {
    const name = body.metadata.name;
    actor.authorize(RESOURCE, 'create', name);
    const desired = this.desiredObject(body);
    this.validate(desired);
    let created: KubeJson;
    try {
      created = await this.ctx.store.create('appprojects', this.ctx.namespace, desired);
    } catch (err) {
      if (!(err instanceof KubeFailure && err.kubeStatus === 409)) throw err;
      const existing = await this.mustGet(name);
      if (sameJson(specOf(existing), specOf(desired))) return existing;
      if (!upsert) throw alreadyExists('existing project spec is different, use upsert flag to force update', { reason: apiReasons.SPEC_DIFFERS, metadata: { project: name } });
      actor.authorize(RESOURCE, 'update', name);
      await this.checkApplications(name, desired);
      const updated = await this.rewrite(existing, (current) => ({ ...current, spec: desired['spec'] }));
      await this.ctx.audit.project(updated, EventReason.ResourceUpdated, actor.user, 'updated project');
      await this.ctx.onProjectsChanged();
      return updated;
    }
    await this.ctx.audit.project(created, EventReason.ResourceCreated, actor.user, 'created project');
    await this.ctx.onProjectsChanged();
    return created;
  }

  /**
   * PUT: spec, labels, annotations and finalizers from the body. The body's resourceVersion, when sent,
   * makes the write conditional (a stale one is a 409), as Argo CD passes the client's object through.
   * Status (role token lists) is kept from the stored project.
   */
  async update(actor: Actor, name: string, body: AppProjectWrite): Promise<KubeJson> {
    if (body.metadata.name !== name) throw invalidArgument(`the path names project ${name} but the body names ${body.metadata.name}`);
    actor.authorize(RESOURCE, 'update', name);
    const desired = this.desiredObject(body);
    this.validate(desired);
    const existing = await this.mustGet(name);
    await this.checkApplications(name, desired);
    const wanted = metadataOf(desired);
    const copied = ['labels', 'annotations', 'finalizers'];
    const kept = Object.entries(metadataOf(existing)).filter(([key]) => !copied.includes(key));
    const metadata = compact({
      ...Object.fromEntries(kept),
      ...pick(wanted, copied),
      resourceVersion: body.metadata.resourceVersion ?? metaString(existing, 'resourceVersion'),
    });
    const next: KubeJson = { ...existing, metadata, spec: desired['spec'] };
    const updated = await this.ctx.store.replace('appprojects', this.ctx.namespace, next);
    await this.ctx.audit.project(updated, EventReason.ResourceUpdated, actor.user, 'updated project');
    await this.ctx.onProjectsChanged();
    return updated;
  }

  async delete(actor: Actor, name: string): Promise<void> {
    if (name === DEFAULT_PROJECT) throw invalidArgument(`name '${DEFAULT_PROJECT}' is reserved and cannot be deleted`);
    actor.authorize(RESOURCE, 'delete', name);
    const existing = await this.mustGet(name);
    const users = (await this.applications()).filter((app) => projectOf(app) === name);
    if (users.length > 0) throw failedPrecondition(`project is referenced by ${users.length} applications`, { reason: apiReasons.PROJECT_IN_USE, metadata: { project: name } });
    await this.ctx.store.delete('appprojects', this.ctx.namespace, name);
    await this.ctx.audit.project(existing, EventReason.ResourceDeleted, actor.user, 'deleted project');
    await this.ctx.onProjectsChanged();
  }

  /**
   * A JWT for a project role (Argo CD's `POST /projects/{p}/roles/{r}/token`): RBAC `projects, update`;
   * the token's id, iat and exp are recorded in the role's `jwtTokens` and in `status.jwtTokensByRole`
   * (both, as Argo CD writes them), and the token is valid only once that write succeeded.
   */
  async createRoleToken(
    actor: Actor,
    name: string,
    role: string,
    issue: () => Promise<{ token: string; entry: { id: string; iat: number; exp?: number } }>,
  ): Promise<string> {
    actor.authorize(RESOURCE, 'update', name);
    const project = await this.mustGet(name);
    if (!rolesOf(project).some((r) => r['name'] === role)) throw notFound(`project ${name} has no role ${role}`);
    const { token, entry } = await issue();
    const updated = await this.rewrite(project, (current) => {
      const roles = rolesOf(current);
      const index = roles.findIndex((r) => r['name'] === role);
      if (index < 0) throw notFound(`project ${name} has no role ${role}`);
      const target = roles[index] ?? {};
      const tokens: unknown[] = Array.isArray(target['jwtTokens']) ? target['jwtTokens'] : [];
      roles[index] = { ...target, jwtTokens: [...tokens, entry] };
      const status = statusOfProject(current);
      const byRole = isObject(status['jwtTokensByRole']) ? { ...status['jwtTokensByRole'] } : {};
      const existing = byRole[role];
      const items: unknown[] = isObject(existing) && Array.isArray(existing['items']) ? existing['items'] : [];
      byRole[role] = { items: [...items, entry] };
      return { ...current, spec: { ...specOf(current), roles }, status: { ...status, jwtTokensByRole: byRole } };
    });
    await this.ctx.audit.project(updated, EventReason.ResourceUpdated, actor.user, `created a token for role ${role}`);
    await this.ctx.onProjectsChanged();
    return token;
  }

  /** Deletes a project role token by id (or, for tokens without one, by iat); the token is refused from then on. */
  async deleteRoleToken(actor: Actor, name: string, role: string, iat: number, id: string | undefined): Promise<KubeJson> {
    actor.authorize(RESOURCE, 'update', name);
    const project = await this.mustGet(name);
    if (!rolesOf(project).some((r) => r['name'] === role)) throw notFound(`project ${name} has no role ${role}`);
    const matches = (t: unknown): boolean => isObject(t) && (id !== undefined && id !== '' ? t['id'] === id : Number(t['iat']) === iat);
    const updated = await this.rewrite(project, (current) => {
      const roles = rolesOf(current).map((r) => (r['name'] === role && Array.isArray(r['jwtTokens']) ? { ...r, jwtTokens: r['jwtTokens'].filter((t) => !matches(t)) } : r));
      const status = statusOfProject(current);
      const byRole = isObject(status['jwtTokensByRole']) ? { ...status['jwtTokensByRole'] } : {};
      const entry = byRole[role];
      if (isObject(entry) && Array.isArray(entry['items'])) byRole[role] = { ...entry, items: entry['items'].filter((t) => !matches(t)) };
      return { ...current, spec: { ...specOf(current), roles }, status: { ...status, jwtTokensByRole: byRole } };
    });
    await this.ctx.audit.project(updated, EventReason.ResourceUpdated, actor.user, `deleted a token of role ${role}`);
    await this.ctx.onProjectsChanged();
    return updated;
  }

  // ---- internals ------------------------------------------------------------------------------------

  private desiredObject(body: AppProjectWrite): KubeJson {
    const m = body.metadata;
    if (m.namespace !== undefined && m.namespace !== this.ctx.namespace) {
      throw invalidArgument(`projects live in namespace ${this.ctx.namespace}, not ${m.namespace}`);
    }
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: compact({ name: m.name, namespace: this.ctx.namespace, labels: orAbsent(m.labels), annotations: orAbsent(m.annotations), finalizers: orAbsent(m.finalizers) }),
      spec: body.spec,
    };
  }

  private validate(desired: KubeJson): void {
    const result = validateAppProject(desired);
    if (!result.ok) throw invalidArgument(`error validating project: ${result.errors.join('; ')}`);
  }

  /** Refuse a spec under which applications already in the project would break its rules. */
  private async checkApplications(name: string, desired: KubeJson): Promise<void> {
    const apps = (await this.applications()).filter((app) => projectOf(app) === name);
    if (apps.length === 0) return;
    const project = validateAppProject(desired);
    if (!project.ok) return;
    const { clusters } = await this.ctx.store.clusters(this.ctx.namespace);
    let sources = 0;
    let destinations = 0;
    for (const raw of apps) {
      let app;
      try {
        app = asApplication(raw);
      } catch {
        continue; // A malformed app is already broken; the project change does not make it worse.
      }
      const violations = projectViolations(app, project.value, clusters, this.ctx.namespace);
      if (violations.forbidden.some((v) => v.startsWith('application repo'))) sources++;
      if (violations.forbidden.some((v) => v.startsWith('application destination'))) destinations++;
    }
    const problems: string[] = [];
    if (sources > 0) problems.push(`as a result of project update ${sources} applications source became invalid`);
    if (destinations > 0) problems.push(`as a result of project update ${destinations} applications destination became invalid`);
    if (problems.length > 0) throw invalidArgument(problems.join('; '));
  }

  private async applications(): Promise<KubeJson[]> {
    const all: KubeJson[] = [];
    for (const namespace of [this.ctx.namespace, ...this.ctx.appNamespaces]) all.push(...(await this.ctx.store.list('applications', namespace)).items);
    return all;
  }

  private async mustGet(name: string): Promise<KubeJson> {
    const project = await this.ctx.store.get('appprojects', this.ctx.namespace, name);
    if (project === undefined) throw notFound(`appprojects.argoproj.io "${name}" not found`);
    return project;
  }

  private async rewrite(first: KubeJson, change: (current: KubeJson) => KubeJson): Promise<KubeJson> {
    let current = first;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      try {
        return await this.ctx.store.replace('appprojects', this.ctx.namespace, change(current));
      } catch (err) {
        if (!(err instanceof KubeFailure && err.kubeStatus === 409)) throw err;
        current = await this.mustGet(metaString(current, 'name') ?? '');
      }
    }
    throw failedPrecondition('could not update the project: too many concurrent changes; retry', { reason: apiReasons.CONCURRENT_CHANGES });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rolesOf(project: KubeJson): Record<string, unknown>[] {
  const roles = specOf(project)['roles'];
  return Array.isArray(roles) ? roles.filter(isObject).map((r) => ({ ...r })) : [];
}

function statusOfProject(project: KubeJson): Record<string, unknown> {
  return isObject(project['status']) ? project['status'] : {};
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}
