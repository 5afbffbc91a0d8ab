// Project roles: an AppProject's `spec.roles[]` defines roles whose subject is `proj:<project>:<role>`,
// with policies (`p, proj:<project>:<role>, applications, sync, <project>/*, allow`), groups bound to the
// role (SSO groups, or any `scopes` claim value) and the ids of JWT tokens issued for it.
//
// A project's owner may edit its roles, so a role may only grant inside its own project: a policy whose
// subject is not the role itself, whose resource is not project-scoped, or whose object is not `<project>`
// or `<project>/…` is skipped with a problem report (Argo CD refuses such policies when the project is
// saved through its API, but an AppProject applied with kubectl is never checked). Skipping, not
// rejecting, keeps one broken project from taking every other project's roles down with it.
import { z } from 'zod';
import { parsePolicyLine, type RuleSource } from './policy.js';
import { compilePattern, escapeRegex, type MatchMode } from './match.js';

export interface JwtTokenRef {
  /** Token id (the JWT's `jti`); Argo CD before 1.5 issued tokens without one and matched by `iat`. */
  readonly id: string | undefined;
  readonly iat: number;
  /** Seconds since the epoch; undefined or 0 = never expires. */
  readonly exp: number | undefined;
}

export interface ProjectRole {
  readonly project: string;
  readonly name: string;
  readonly policies: readonly string[];
  readonly groups: readonly string[];
  readonly jwtTokens: readonly JwtTokenRef[];
}

const PROJECT_ROLE_PREFIX = 'proj:';

export function projectRoleSubject(project: string, role: string): string {
  return `${PROJECT_ROLE_PREFIX}${project}:${role}`;
}

/**
 * Whether `name` lies in the `proj:` namespace of project-role subjects. Only a project token kawa issued
 * (and still lists) may act as one; an SSO subject or group of that shape is nobody's project role.
 */
export function isProjectRoleNamespace(name: string): boolean {
  return name.startsWith(PROJECT_ROLE_PREFIX);
}

/** `proj:<project>:<role>` → its parts; undefined for anything else (including `proj:login`, an account's session). */
export function parseProjectRoleSubject(subject: string): { project: string; role: string } | undefined {
  if (!subject.startsWith(PROJECT_ROLE_PREFIX)) return undefined;
  const parts = subject.slice(PROJECT_ROLE_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [project = '', role = ''] = parts;
  return project !== '' && role !== '' ? { project, role } : undefined;
}

const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);
const tokenSchema = z.object({ id: z.string().optional(), iat: int64, exp: int64.optional() });
const projectSchema = z.object({
  metadata: z.object({ name: z.string().min(1) }),
  spec: z
    .object({
      roles: z
        .array(
          z.object({
            name: z.string().min(1),
            policies: z.array(z.string()).nullish(),
            groups: z.array(z.string()).nullish(),
            jwtTokens: z.array(tokenSchema).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  status: z.object({ jwtTokensByRole: z.record(z.string(), z.object({ items: z.array(tokenSchema).nullish() })).nullish() }).nullish(),
});

function tokenRef(t: z.infer<typeof tokenSchema>): JwtTokenRef {
  return { id: t.id === '' ? undefined : t.id, iat: t.iat, exp: t.exp === 0 ? undefined : t.exp };
}

/**
 * Extract the roles of AppProject objects (as read from the API). A project whose shape is wrong is
 * skipped and reported; tokens are the union of `spec.roles[].jwtTokens` and `status.jwtTokensByRole`.
 */
export function loadProjectRoles(projects: readonly unknown[]): { roles: ProjectRole[]; problems: string[] } {
  const roles: ProjectRole[] = [];
  const problems: string[] = [];
  for (const raw of projects) {
    const parsed = projectSchema.safeParse(raw);
    if (!parsed.success) {
      const name = (raw as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
      problems.push(`AppProject ${typeof name === 'string' ? name : '(unnamed)'} skipped: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      continue;
    }
    const project = parsed.data.metadata.name;
    for (const role of parsed.data.spec?.roles ?? []) {
      // Keyed by id and issue time: an id deleted and used again names two different tokens.
      const byId = new Map<string, JwtTokenRef>();
      const fromStatus = parsed.data.status?.jwtTokensByRole?.[role.name]?.items ?? [];
      for (const t of [...(role.jwtTokens ?? []), ...fromStatus]) {
        const ref = tokenRef(t);
        byId.set(`${ref.id ?? ''}\u0000${String(ref.iat)}`, ref);
      }
      roles.push({ project, name: role.name, policies: role.policies ?? [], groups: role.groups ?? [], jwtTokens: [...byId.values()] });
    }
  }
  return { roles, problems };
}

/** What a project role may grant: resources whose objects live inside a project. Not accounts, certificates, … */
const PROJECT_ROLE_RESOURCES: ReadonlySet<string> = new Set(['applications', 'applicationsets', 'logs', 'exec', 'repositories', 'clusters', 'projects']);

/**
 * The object of a project role policy, confined to the project. `<project>` and `<project>/…` pass;
 * a bare `*` (as in rbac.md's own example) means "everything in this project". In regex mode the part
 * after `<project>/` is wrapped so an alternation (`a|other/.*`) cannot reach outside the prefix.
 */
function confineObject(resource: string, object: string, project: string, mode: MatchMode): string {
  const prefix = `${project}/`;
  if (object === project) return mode === 'regex' ? escapeRegex(project) : project;
  if (object === '*') {
    if (resource === 'projects') return mode === 'regex' ? escapeRegex(project) : project;
    return mode === 'regex' ? `${escapeRegex(prefix)}.*` : `${prefix}*`;
  }
  if (object.startsWith(prefix)) {
    if (mode === 'glob') return object;
    // A regex that compiles on its own has balanced groups, so wrapping it cannot close ours early.
    const rest = object.slice(prefix.length);
    if (rest === '*') return `${escapeRegex(prefix)}.*`;
    compilePattern(rest, 'regex');
    return `${escapeRegex(prefix)}(?:${rest})`;
  }
  throw new Error(`the object must be ${JSON.stringify(project)}, ${JSON.stringify(`${prefix}…`)} or "*"`);
}

/** Casbin rules for project roles: their policies (checked to stay inside the project) and group bindings. */
export function projectRoleRules(roles: readonly ProjectRole[], mode: MatchMode): { rules: RuleSource[]; problems: string[] } {
  const rules: RuleSource[] = [];
  const problems: string[] = [];
  for (const role of roles) {
    const subject = projectRoleSubject(role.project, role.name);
    role.policies.forEach((text, index) => {
      const where = `AppProject ${role.project} role ${role.name} policy ${index + 1}`;
      const line = text.trim();
      if (line === '' || line.startsWith('#')) return;
      try {
        const rule = parsePolicyLine(line, mode);
        if (rule.kind !== 'p') throw new Error('only "p" lines are allowed in a project role; bind groups with the role\'s groups list');
        if (rule.subject !== subject) throw new Error(`the subject must be ${JSON.stringify(subject)}`);
        if (!PROJECT_ROLE_RESOURCES.has(rule.resource)) {
          throw new Error(`the resource must be one of ${[...PROJECT_ROLE_RESOURCES].join(', ')}`);
        }
        rules.push({ where, rule: { ...rule, object: confineObject(rule.resource, rule.object, role.project, mode) } });
      } catch (err) {
        problems.push(`${where} skipped: ${err instanceof Error ? err.message : String(err)}: ${JSON.stringify(line)}`);
      }
    });
    for (const group of role.groups) {
      if (group.trim() === '') continue;
      rules.push({ where: `AppProject ${role.project} role ${role.name} groups`, rule: { kind: 'g', member: group.trim(), role: subject } });
    }
  }
  return { rules, problems };
}
