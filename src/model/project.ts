// Argo CD's `argoproj.io/v1alpha1` AppProject: schema, validation, and the pure permission checks the
// controller runs before rendering or syncing (source repositories, destinations, resource kinds).
// The matching rules follow Argo CD's, quirks included, so a project that allows or denies something
// there does the same here.
import { z } from 'zod';
import { ARGOPROJ_API_VERSION, objectMetaSchema } from './application.js';
import { parseDuration } from './duration.js';
import { globMatch } from '../util/glob.js';
import { isRecord, validOrThrow, validateWith, type Validation } from './validation.js';

export const APPPROJECT_KIND = 'AppProject';
export const DEFAULT_PROJECT_NAME = 'default';

const str = z.string();
const strList = z.array(z.string());

export const projectDestinationSchema = z.looseObject({
  /** Glob over the cluster URL; `!` in front denies. */
  server: str.optional(),
  /** Glob over the cluster name; `!` in front denies. */
  name: str.optional(),
  /** Glob over the namespace; `!` in front denies. */
  namespace: str.optional(),
});

export const destinationServiceAccountSchema = z.looseObject({
  server: str,
  namespace: str.optional(),
  defaultServiceAccount: str,
});

export const groupKindSchema = z.looseObject({ group: str, kind: str });

export const clusterResourceRestrictionSchema = z.looseObject({
  group: str,
  kind: str,
  /** Optional glob over the object name. */
  name: str.optional(),
});

export const orphanedResourcesSchema = z.looseObject({
  warn: z.boolean().optional(),
  ignore: z.array(z.looseObject({ group: str.optional(), kind: str.optional(), name: str.optional() })).optional(),
});

export const syncWindowSchema = z.looseObject({
  kind: z.enum(['allow', 'deny']).optional(),
  /** Cron schedule of the window start (5 fields). */
  schedule: str.optional(),
  /** How long the window stays open, Go duration syntax. */
  duration: str.refine((s) => parseDuration(s) !== undefined, { message: 'not a duration like 1h/30m' }).optional(),
  applications: strList.optional(),
  namespaces: strList.optional(),
  clusters: strList.optional(),
  /** Manual syncs are allowed while a deny window is active. */
  manualSync: z.boolean().optional(),
  timeZone: str.optional(),
  /** All of applications/namespaces/clusters must match, instead of any. */
  andOperator: z.boolean().optional(),
  description: str.optional(),
});

export const jwtTokenSchema = z.looseObject({
  /** Issued-at, Unix seconds. */
  iat: z.number().int(),
  exp: z.number().int().optional(),
  id: str.optional(),
});

export const projectRoleSchema = z.looseObject({
  name: str,
  description: str.optional(),
  /** Casbin lines `p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, allow|deny`. */
  policies: strList.optional(),
  groups: strList.optional(),
  jwtTokens: z.array(jwtTokenSchema).optional(),
});

export const appProjectSpecSchema = z.looseObject({
  description: str.optional(),
  sourceRepos: strList.optional(),
  sourceNamespaces: strList.optional(),
  destinations: z.array(projectDestinationSchema).optional(),
  destinationServiceAccounts: z.array(destinationServiceAccountSchema).optional(),
  permitOnlyProjectScopedClusters: z.boolean().optional(),
  clusterResourceWhitelist: z.array(clusterResourceRestrictionSchema).optional(),
  clusterResourceBlacklist: z.array(clusterResourceRestrictionSchema).optional(),
  namespaceResourceWhitelist: z.array(groupKindSchema).optional(),
  namespaceResourceBlacklist: z.array(groupKindSchema).optional(),
  orphanedResources: orphanedResourcesSchema.optional(),
  syncWindows: z.array(syncWindowSchema).optional(),
  roles: z.array(projectRoleSchema).optional(),
  /** Deprecated in Argo CD in favour of sourceIntegrity; kept for old projects. */
  signatureKeys: z.array(z.looseObject({ keyID: str })).optional(),
});

export const appProjectStatusSchema = z.looseObject({
  jwtTokensByRole: z.record(z.string(), z.looseObject({ items: z.array(jwtTokenSchema).optional() })).optional(),
});

export const appProjectSchema = z.looseObject({
  apiVersion: z.literal(ARGOPROJ_API_VERSION),
  kind: z.literal(APPPROJECT_KIND),
  metadata: objectMetaSchema,
  spec: appProjectSpecSchema,
  status: appProjectStatusSchema.optional(),
});

export type ProjectDestination = z.infer<typeof projectDestinationSchema>;
export type GroupKindRestriction = z.infer<typeof groupKindSchema>;
export type ClusterResourceRestriction = z.infer<typeof clusterResourceRestrictionSchema>;
export type SyncWindow = z.infer<typeof syncWindowSchema>;
export type ProjectRole = z.infer<typeof projectRoleSchema>;
export type JwtToken = z.infer<typeof jwtTokenSchema>;
export type AppProjectSpec = z.infer<typeof appProjectSpecSchema>;
export type AppProject = z.infer<typeof appProjectSchema>;

// ---- validation -----------------------------------------------------------------------------------

/** Schema and Argo CD's project rules; each error names its field, e.g. `spec.sourceRepos[2]: "!*" …`. */
export function validateAppProject(obj: unknown): Validation<AppProject> {
  return validateWith(appProjectSchema, obj, projectRuleErrors);
}

/** validateAppProject, throwing a UserError (INVALID_SPEC) that lists every problem. */
export function parseAppProject(obj: unknown): AppProject {
  return validOrThrow('AppProject', obj, validateAppProject(obj));
}

const roleNamePattern = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function stringsAt(record: Record<string, unknown>, key: string): (string | undefined)[] {
  const list = record[key];
  return Array.isArray(list) ? list.map((v) => (typeof v === 'string' ? v : undefined)) : [];
}

function recordsAt(record: Record<string, unknown>, key: string): (Record<string, unknown> | undefined)[] {
  const list = record[key];
  return Array.isArray(list) ? list.map((v) => (isRecord(v) ? v : undefined)) : [];
}

function projectRuleErrors(project: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const spec = project['spec'];
  if (!isRecord(spec)) return errors;
  const meta = project['metadata'];
  const projectName = isRecord(meta) && typeof meta['name'] === 'string' ? meta['name'] : undefined;

  const seenRepos = new Set<string>();
  stringsAt(spec, 'sourceRepos').forEach((repo, i) => {
    if (repo === undefined) return;
    // Denying everything makes the project useless; Argo CD rejects it rather than guess.
    if (repo === '!*') errors.push(`spec.sourceRepos[${i}]: "!*" is not allowed (it would deny every repository)`);
    const key = normalizeRepoPattern(repo);
    if (seenRepos.has(key)) errors.push(`spec.sourceRepos[${i}]: "${repo}" is listed twice`);
    seenRepos.add(key);
  });

  const seenDestinations = new Set<string>();
  recordsAt(spec, 'destinations').forEach((d, i) => {
    if (d === undefined) return;
    for (const field of ['server', 'name', 'namespace']) {
      if (d[field] === '!*') errors.push(`spec.destinations[${i}].${field}: "!*" is not allowed (it would deny every destination)`);
    }
    const key = JSON.stringify([d['server'] ?? '', d['name'] ?? '', d['namespace'] ?? '']);
    if (seenDestinations.has(key)) errors.push(`spec.destinations[${i}]: listed twice`);
    seenDestinations.add(key);
  });

  recordsAt(spec, 'destinationServiceAccounts').forEach((d, i) => {
    if (d === undefined) return;
    for (const field of ['server', 'namespace']) {
      if (d[field] === '!*') errors.push(`spec.destinationServiceAccounts[${i}].${field}: "!*" is not allowed`);
    }
  });

  const roleNames = new Set<string>();
  recordsAt(spec, 'roles').forEach((role, i) => {
    if (role === undefined || typeof role['name'] !== 'string') return;
    const name = role['name'];
    if (!roleNamePattern.test(name)) {
      errors.push(`spec.roles[${i}].name: "${name}" must be letters, digits, "-" or "_", starting and ending with a letter or digit`);
    }
    if (roleNames.has(name)) errors.push(`spec.roles[${i}].name: role "${name}" is defined twice`);
    roleNames.add(name);
    if (projectName === undefined) return;
    stringsAt(role, 'policies').forEach((policy, j) => {
      if (policy === undefined) return;
      const problem = policyProblem(policy, projectName, name);
      if (problem !== undefined) errors.push(`spec.roles[${i}].policies[${j}]: ${problem}`);
    });
  });

  recordsAt(spec, 'syncWindows').forEach((w, i) => {
    if (w === undefined) return;
    const schedule = w['schedule'];
    if (typeof schedule === 'string' && schedule.trim().split(/\s+/).length !== 5) {
      errors.push(`spec.syncWindows[${i}].schedule: "${schedule}" is not a 5-field cron schedule`);
    }
    const scoped = ['applications', 'namespaces', 'clusters'].some((k) => stringsAt(w, k).length > 0);
    if (!scoped) errors.push(`spec.syncWindows[${i}]: needs at least one of applications, namespaces or clusters`);
  });
  return errors;
}

/** Why a role policy line is invalid, or undefined. Argo CD requires each to be scoped to its role and project. */
function policyProblem(policy: string, project: string, role: string): string | undefined {
  const parts = policy.split(',').map((p) => p.trim());
  if (parts.length !== 6 || parts[0] !== 'p') {
    return `"${policy}" is not a policy line "p, <subject>, <resource>, <action>, <object>, allow|deny"`;
  }
  const [, subject = '', , , object = '', effect = ''] = parts;
  const expected = `proj:${project}:${role}`;
  if (subject !== expected) return `subject must be "${expected}", got "${subject}"`;
  if (!object.startsWith(`${project}/`)) return `object must start with "${project}/", got "${object}"`;
  if (effect !== 'allow' && effect !== 'deny') return `effect must be allow or deny, got "${effect}"`;
  return undefined;
}

// ---- permissions ----------------------------------------------------------------------------------

/** Anything with a project spec: a parsed AppProject or the built-in default. */
export interface ProjectLike {
  spec: AppProjectSpec;
}

function isDenyPattern(pattern: string | undefined): boolean {
  return pattern?.startsWith('!') ?? false;
}

/** Glob match where a `!` pattern matches everything its body does not. */
function matchWithNegation(pattern: string, value: string, separator?: string): boolean {
  return isDenyPattern(pattern) ? !globMatch(pattern.slice(1), value, separator) : globMatch(pattern, value, separator);
}

/**
 * The form repository URLs are compared in: lower case, no `ssh://`, scp-style `git@host:path`
 * written as `git@host/path`, no trailing `/` or `.git`. So `git@GitHub.com:org/repo.git` and
 * `ssh://git@github.com/org/repo` are the same repository, as they are for Argo CD.
 */
export function normalizeRepoUrl(url: string): string {
  let u = url.trim().toLowerCase();
  if (!u.includes('://') && /^[^/@:]+@[^/:]+:/.test(u)) u = u.replace(':', '/');
  u = u.replace(/^ssh:\/\//, '');
  return u.replace(/\/+$/, '').replace(/\.git$/, '');
}

function normalizeRepoPattern(pattern: string): string {
  return isDenyPattern(pattern) ? `!${normalizeRepoUrl(pattern.slice(1))}` : normalizeRepoUrl(pattern);
}

/**
 * Whether the project lets apps use `repoURL`: some allow pattern matches and no `!` pattern denies.
 * Patterns are globs in which `*` stays within one path segment and `**` crosses segments.
 */
export function isSourcePermitted(project: ProjectLike, repoURL: string): boolean {
  const url = normalizeRepoUrl(repoURL);
  let allowed = false;
  for (const raw of project.spec.sourceRepos ?? []) {
    const pattern = normalizeRepoPattern(raw);
    const matched = matchWithNegation(pattern, url, '/');
    if (matched && !isDenyPattern(pattern)) allowed = true;
    // A deny pattern "matches" every URL it does not deny; failing to match is the denial.
    if (!matched && isDenyPattern(pattern)) return false;
  }
  return allowed;
}

/** A destination to check: pass both `server` and `name` once the cluster is resolved. */
export interface DestinationRef {
  server?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
}

export interface DestinationCheckOptions {
  /**
   * Clusters scoped to this project (cluster Secrets with `project` set). Needed only when the project
   * sets `permitOnlyProjectScopedClusters`; without it such a project permits nothing.
   */
  projectClusters?: readonly { server?: string; name?: string }[];
}

/**
 * Whether the project lets apps deploy to `dest`. An entry allows a destination when its server or
 * name pattern matches and its namespace pattern matches; any entry with a `!` field that does not
 * match denies it — so `{server: '*', namespace: '!kube-system'}` keeps every app out of kube-system.
 * As in Argo CD, a destination without a name fails every `!name` rule: pass the resolved name.
 */
export function isDestinationPermitted(project: ProjectLike, dest: DestinationRef, options: DestinationCheckOptions = {}): boolean {
  const server = dest.server ?? '';
  const name = dest.name ?? '';
  const namespace = dest.namespace ?? '';
  let allowed = false;
  for (const item of project.spec.destinations ?? []) {
    const serverMatched = server !== '' && matchWithNegation(item.server ?? '', server);
    const nameMatched = name !== '' && matchWithNegation(item.name ?? '', name);
    const namespaceMatched = matchWithNegation(item.namespace ?? '', namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) {
      allowed = true;
    } else if (
      (!serverMatched && isDenyPattern(item.server)) ||
      (!nameMatched && isDenyPattern(item.name)) ||
      (!namespaceMatched && isDenyPattern(item.namespace))
    ) {
      return false;
    }
  }
  if (!allowed || project.spec.permitOnlyProjectScopedClusters !== true) return allowed;
  return (options.projectClusters ?? []).some(
    (c) => (c.server !== undefined && c.server !== '' && c.server === server) || (c.name !== undefined && c.name !== '' && c.name === name),
  );
}

function inResourceList(
  list: readonly { group: string; kind: string; name?: string | undefined }[],
  group: string,
  kind: string,
  name: string | undefined,
): boolean {
  return list.some(
    (item) =>
      globMatch(item.group, group) &&
      globMatch(item.kind, kind) &&
      (item.name === undefined || item.name === '' || (name !== undefined && globMatch(item.name, name))),
  );
}

/**
 * Whether the project allows objects of `group`/`kind`. Namespaced kinds are allowed unless
 * blacklisted (or, with a whitelist, unless missing from it); cluster-scoped kinds must be
 * whitelisted and not blacklisted. `name` is checked against entries that restrict names.
 * As in Argo CD, an explicit empty namespace whitelist (`[]`) allows no namespaced kind.
 */
export function isResourcePermitted(project: ProjectLike, group: string, kind: string, namespaced: boolean, name?: string): boolean {
  const spec = project.spec;
  if (namespaced) {
    const whitelist = spec.namespaceResourceWhitelist;
    const whitelisted = whitelist === undefined || inResourceList(whitelist, group, kind, name);
    return whitelisted && !inResourceList(spec.namespaceResourceBlacklist ?? [], group, kind, name);
  }
  const whitelisted = inResourceList(spec.clusterResourceWhitelist ?? [], group, kind, name);
  return whitelisted && !inResourceList(spec.clusterResourceBlacklist ?? [], group, kind, name);
}

/**
 * Whether an Application in `appNamespace` may use this project ("apps in any namespace"). Apps in
 * kawa's own namespace always may; others need a `sourceNamespaces` entry, a glob or a `/regexp/`.
 */
export function isAppNamespacePermitted(project: ProjectLike, appNamespace: string, controllerNamespace: string): boolean {
  if (appNamespace === '' || appNamespace === controllerNamespace) return true;
  return (project.spec.sourceNamespaces ?? []).some((pattern) => {
    if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
      try {
        return new RegExp(pattern.slice(1, -1)).test(appNamespace);
      } catch {
        return false;
      }
    }
    return globMatch(pattern, appNamespace);
  });
}

// ---- the default project --------------------------------------------------------------------------

/** The spec Argo CD gives the `default` project when it creates it: every source, destination and kind. */
export function defaultProjectSpec(): AppProjectSpec {
  return {
    sourceRepos: ['*'],
    destinations: [{ server: '*', namespace: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  };
}

/** The `default` AppProject kawa creates in its namespace when none exists. */
export function defaultProject(namespace: string): AppProject {
  return {
    apiVersion: ARGOPROJ_API_VERSION,
    kind: APPPROJECT_KIND,
    metadata: { name: DEFAULT_PROJECT_NAME, namespace },
    spec: defaultProjectSpec(),
  };
}
