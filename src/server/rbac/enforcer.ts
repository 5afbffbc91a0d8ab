// The RBAC decision, on casbin: casbin holds the rules and the role graph (`g` lines, resolved
// transitively); kawa supplies the pattern matching (glob/regex per rule) and Argo CD's evaluation order:
//
//  1. The default role (`policy.default`) is asked first. If its rules allow or deny, that is the answer:
//     "all authenticated users get at least the permissions granted by the default policies; this access
//     cannot be blocked by a deny rule" (rbac.md).
//  2. Otherwise the user and each of their groups are asked. Any deny wins over every allow, whichever
//     subject it came from and wherever it sits in the file; at least one allow is needed.
//  3. A project-role token (`proj:<project>:<role>`) is asked alone, without the default role, and never
//     about anything outside its project: project tokens are automation credentials scoped to a project.
//     A user or group *named* `proj:…` (an SSO subject or groups claim the identity provider controls) is
//     not asked at all: the role's policies belong to the tokens kawa issued for it, not to a name.
//
// Applications' fine-grained actions (`update/<group>/<kind>/<ns>/<name>`, `delete/…`, `action/<group>/
// <kind>/<name>`; see actions.ts) follow Argo CD 3: plain `update`/`delete` no longer imply them.
// `applicationFineGrainedInheritance: true` restores the v2 behaviour (argocd-cm
// `server.rbac.disableApplicationFineGrainedRBACInheritance: "false"`): `update` on the app also grants
// `update/…` on each of its resources. The fine-grained rules are asked first and the plain verb only when
// they say nothing, so a deny written for the fine-grained action wins over the inherited allow (Argo CD
// asks the plain verb first and would let it through; an operator who wrote `delete/*/Secret/*/*, deny`
// meant it), while `delete, deny` with `delete/*/Pod/*/*, allow` still lets Pods go (rbac.md). A requested action that starts like a fine-grained one but does not
// have its parts is refused outright: it is a caller's bug, and a glob such as `update/*` would match it.
import { newEnforcer, newModelFromString, type Enforcer as CasbinEnforcer } from 'casbin';
import { parseApplicationAction } from './actions.js';
import { BUILTIN_POLICY_CSV } from './builtin.js';
import { PatternCache, type MatchMode } from './match.js';
import { parsePolicyText, parseRbacConfigMap, type RbacConfig, type RuleSource } from './policy.js';
import { isProjectRoleNamespace, projectRoleRules, projectRoleSubject, type ProjectRole } from './projects.js';
import { BugError } from '../../errors.js';

export interface RbacSubject {
  /** The user: a local account name, an SSO subject, or `proj:<project>:<role>` for a project token. */
  readonly user: string;
  /** Group names from the token's `scopes` claims (see groupsFromClaims); empty for local accounts. */
  readonly groups: readonly string[];
  /** Set when the caller authenticated with a project-role token. */
  readonly projectRoleToken?: { readonly project: string; readonly role: string };
}

export interface EnforcerOptions {
  /** Argo CD 2.x: `update`/`delete` on an application also grant them on its managed resources. */
  readonly applicationFineGrainedInheritance?: boolean;
  /** Decisions remembered per (subject, resource, action, object); the policy never changes under a built enforcer. */
  readonly cacheSize?: number;
}

/** One subject's verdict: its rules allow, deny, or say nothing. */
export type Decision = 'allow' | 'deny' | 'none';

// r: the request. p: a rule, with the match mode it was written in (built-ins are always globs).
const MODEL = `
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft, mode

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = g(r.sub, p.sub) && kawaMatch(r.res, p.res, p.mode) && kawaMatch(r.act, p.act, p.mode) && kawaMatch(r.obj, p.obj, p.mode)
`;

export class Enforcer {
  private readonly cache = new Map<string, Decision>();
  private readonly cacheSize: number;

  /** @internal use buildEnforcer */
  constructor(
    private readonly casbin: CasbinEnforcer,
    readonly config: RbacConfig,
    /** Project-role policies that were skipped, with the reason. */
    readonly problems: readonly string[],
    private readonly options: EnforcerOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Whether `update`/`delete` on an app grant them on its resources (Argo CD 2.x); off by default. */
  get applicationFineGrainedInheritance(): boolean {
    return this.options.applicationFineGrainedInheritance === true;
  }

  /** Claims that name groups, from argocd-rbac-cm `scopes` (default `[groups]`). */
  get scopes(): readonly string[] {
    return this.config.scopes;
  }

  /** May `subject` perform `action` on `resource` `object`? Objects of project-scoped resources are `<project>/<name>`. */
  enforce(subject: RbacSubject, resource: string, action: string, object: string): boolean {
    const actions = this.actionsFor(resource, action);
    if (actions === undefined) return false;
    // The first action with a verdict decides: the fine-grained rules, then (inheriting) the plain verb's.
    for (const candidate of actions) {
      const verdict = this.evaluate(subject, resource, candidate, object);
      if (verdict !== 'none') return verdict === 'allow';
    }
    return false;
  }

  /**
   * The actions whose rules decide a request, in order: the action itself, then the plain verb it
   * inherits from when inheritance is on; undefined for a malformed fine-grained `applications` action.
   */
  private actionsFor(resource: string, action: string): readonly string[] | undefined {
    if (resource !== 'applications') return [action];
    const parsed = parseApplicationAction(action);
    switch (parsed.type) {
      case 'malformed':
        return undefined;
      case 'resource':
        return this.options.applicationFineGrainedInheritance === true ? [action, parsed.verb] : [action];
      case 'app':
      case 'action':
        return [action];
    }
  }

  /** The verdict on one action, in the order of the file header. */
  private evaluate(subject: RbacSubject, resource: string, action: string, object: string): Decision {
    const token = subject.projectRoleToken;
    if (token !== undefined) {
      if (subject.user !== projectRoleSubject(token.project, token.role)) return 'deny';
      if (object !== token.project && !object.startsWith(`${token.project}/`)) return 'deny';
      return this.decide(subject.user, resource, action, object);
    }
    const defaultRole = this.config.defaultRole;
    if (defaultRole !== undefined) {
      const byDefault = this.decide(defaultRole, resource, action, object);
      if (byDefault !== 'none') return byDefault;
    }
    let verdict: Decision = 'none';
    for (const name of [subject.user, ...subject.groups]) {
      if (name === '' || isProjectRoleNamespace(name)) continue;
      const decision = this.decide(name, resource, action, object);
      if (decision === 'deny') return 'deny';
      if (decision === 'allow') verdict = 'allow';
    }
    return verdict;
  }

  /** The verdict of one subject's own rules (and its roles'), without the default role. */
  decide(subject: string, resource: string, action: string, object: string): Decision {
    const key = `${subject}\u0000${resource}\u0000${action}\u0000${object}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    // With "allow and no deny", casbin explains a `false` with the deny rule that matched, or with nothing.
    const [allowed, rule] = this.casbin.enforceExSync(subject, resource, action, object);
    const decision: Decision = allowed ? 'allow' : rule.length > 0 ? 'deny' : 'none';
    if (this.cache.size >= this.cacheSize) this.cache.clear();
    this.cache.set(key, decision);
    return decision;
  }
}

/** Group names for RBAC from token claims: the values of each claim named in `scopes`. */
export function groupsFromClaims(claims: Readonly<Record<string, unknown>>, scopes: readonly string[]): string[] {
  const groups = new Set<string>();
  for (const scope of scopes) {
    const value = claims[scope];
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) if (typeof v === 'string' && v !== '') groups.add(v);
  }
  return [...groups];
}

function toCasbinRows(rules: readonly RuleSource[], mode: MatchMode): { p: string[][]; g: string[][] } {
  const p: string[][] = [];
  const g: string[][] = [];
  for (const { rule } of rules) {
    if (rule.kind === 'p') p.push([rule.subject, rule.resource, rule.action, rule.object, rule.effect, mode]);
    else g.push([rule.member, rule.role]);
  }
  return { p, g };
}

/**
 * Build an enforcer from `argocd-rbac-cm` data and the roles of the AppProjects (see loadProjectRoles).
 * Pure apart from casbin's own bookkeeping. Throws UserError RBAC_POLICY_INVALID on a malformed policy.
 */
export async function buildEnforcer(
  configMapData: Readonly<Record<string, string>> | undefined,
  projects: readonly ProjectRole[] = [],
  options: EnforcerOptions = {},
): Promise<Enforcer> {
  const config = parseRbacConfigMap(configMapData);
  const builtin = parsePolicyText(BUILTIN_POLICY_CSV, 'built-in policy', 'glob');
  if (builtin.problems.length > 0) throw new BugError(`built-in RBAC policy is invalid: ${builtin.problems.join('; ')}`);
  const fromProjects = projectRoleRules(projects, config.matchMode);

  const builtinRows = toCasbinRows(builtin.rules, 'glob');
  const userRows = toCasbinRows([...config.rules, ...fromProjects.rules], config.matchMode);

  const patterns = new PatternCache();
  const casbin = await newEnforcer(newModelFromString(MODEL));
  await casbin.addFunction('kawaMatch', (value: unknown, pattern: unknown, mode: unknown) =>
    typeof value === 'string' && typeof pattern === 'string' && (mode === 'glob' || mode === 'regex') && patterns.matches(value, pattern, mode),
  );
  const pRows = dedupe([...builtinRows.p, ...userRows.p]);
  const gRows = dedupe([...builtinRows.g, ...userRows.g]);
  if (pRows.length > 0) await casbin.addPolicies(pRows);
  if (gRows.length > 0) await casbin.addGroupingPolicies(gRows);
  return new Enforcer(casbin, config, fromProjects.problems, options);
}

// Duplicates are legal in a policy file, but casbin refuses a batch that contains one.
function dedupe(rows: string[][]): string[][] {
  return [...new Map(rows.map((row) => [JSON.stringify(row), row])).values()];
}
