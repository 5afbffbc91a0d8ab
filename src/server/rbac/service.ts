// Holds the enforcer in force and swaps it when `argocd-rbac-cm` or the AppProjects change. It knows
// nothing about watches: whoever watches the ConfigMap calls update(data), whoever watches AppProjects
// calls updateProjects(roles).
//
// An invalid policy never replaces a valid one (Argo CD keeps the previous policy too): the error is
// kept in lastError for logs and health, and requests go on being judged by the last good policy.
// Before any valid policy has been seen, only the built-in policy applies (the admin user is an admin,
// everyone else may do nothing), which fails closed.
import { isKawaError, type UserError, type BugError } from '../../errors.js';
import { buildEnforcer, type Enforcer, type EnforcerOptions, type RbacSubject } from './enforcer.js';
import type { ProjectRole } from './projects.js';

export type UpdateResult = { readonly ok: true } | { readonly ok: false; readonly error: UserError | BugError };

export class RbacService {
  // The inputs of the enforcer in force: the last valid ConfigMap data and the newest project roles.
  private data: Readonly<Record<string, string>> | undefined;
  private projects: readonly ProjectRole[] = [];
  private error: UserError | BugError | undefined;
  // Builds are async; only the newest request may install its result.
  private generation = 0;

  private constructor(
    private current: Enforcer,
    private options: EnforcerOptions,
  ) {}

  /** Start with the built-in policy only; call update() with the ConfigMap's data once it is read. */
  static async create(options: EnforcerOptions = {}): Promise<RbacService> {
    return new RbacService(await buildEnforcer(undefined, [], options), options);
  }

  get enforcer(): Enforcer {
    return this.current;
  }

  /** Why the newest ConfigMap data was refused; undefined while it is in force. */
  get lastError(): UserError | BugError | undefined {
    return this.error;
  }

  enforce(subject: RbacSubject, resource: string, action: string, object: string): boolean {
    return this.current.enforce(subject, resource, action, object);
  }

  /**
   * New `argocd-rbac-cm` data (undefined when the ConfigMap was deleted: back to the built-in policy), and
   * optionally new settings from argocd-cm (the fine-grained inheritance flag). New settings take effect
   * even when the data is refused: they are applied to the last valid policy.
   */
  async update(data: Readonly<Record<string, string>> | undefined, settings?: Pick<EnforcerOptions, 'applicationFineGrainedInheritance'>): Promise<UpdateResult> {
    const changed = settings !== undefined && settings.applicationFineGrainedInheritance !== this.options.applicationFineGrainedInheritance;
    if (changed) this.options = { ...this.options, ...settings };
    const result = await this.rebuild(data, this.projects, true);
    if (!result.ok && changed) await this.rebuild(this.data, this.projects, false);
    return result;
  }

  /**
   * New project roles (from loadProjectRoles over all AppProjects), applied on top of the last valid
   * ConfigMap data, so a removed project grant takes effect even while the ConfigMap is broken.
   */
  updateProjects(projects: readonly ProjectRole[]): Promise<UpdateResult> {
    this.projects = projects;
    return this.rebuild(this.data, projects, false);
  }

  /** `fromConfigMap`: the data is new ConfigMap content, so its verdict replaces lastError. */
  private async rebuild(
    data: Readonly<Record<string, string>> | undefined,
    projects: readonly ProjectRole[],
    fromConfigMap: boolean,
  ): Promise<UpdateResult> {
    const generation = ++this.generation;
    try {
      const next = await buildEnforcer(data, projects, this.options);
      if (generation === this.generation) {
        this.current = next;
        this.data = data;
        if (fromConfigMap) this.error = undefined;
      }
      return { ok: true };
    } catch (err) {
      if (!isKawaError(err)) throw err;
      if (generation === this.generation && fromConfigMap) this.error = err;
      return { ok: false, error: err };
    }
  }
}
