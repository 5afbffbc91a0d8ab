// The one answer to "which credentials does an app of project P use for repository URL U", shared by
// the controller, the repo server and the API server, so the three can never disagree.
//
// Argo CD's rules (project-scoped repositories):
// - A `repository` or `repo-creds` Secret with a `project` serves only the apps of that project; one
//   without `project` serves every app. A Secret scoped to another project does not exist for the app.
// - Repository Secrets match by URL in Argo CD's normalized form (case, `.git`, trailing `/`, scp vs
//   ssh:// spelling do not matter). The app's own project's Secret wins over a global one for the same
//   URL; two Secrets of the same scope: the first listed wins.
// - The chosen repository Secret's credentials are used when it has any. Otherwise (no Secret, or one
//   without credentials) the best visible `repo-creds` template lends its: longest URL prefix first,
//   and on equal length the project's own template before a global one. A global repository Secret is
//   NOT consulted once the project's own Secret for the URL was chosen, even if that one is bare.
// - No project (the repository API probing an unscoped URL, chart aliases outside an app) sees only
//   the global Secrets.
import { createHash } from 'node:crypto';
import { normalizeRepoUrl, type RepoCreds, type Repository, type RepositoryCredentials } from '../model/index.js';
import { credentialsFor, findRepoCredsTemplate, type GitCredentials, type RepoCredsTemplate } from './credentials.js';

/** The parsed `repository` and `repo-creds` Secrets credentials are chosen from. */
export interface CredentialSources {
  readonly repositories: readonly Repository[];
  readonly templates: readonly RepoCreds[];
}

/** Whether a Secret with scope `scope` may serve an app of `project` (undefined: no app, globals only). */
export function servesProject(scope: string | undefined, project: string | undefined): boolean {
  return scope === undefined || scope === '' || (project !== undefined && project !== '' && scope === project);
}

/** Two repository URLs name the same repository (Argo CD's SameURL). */
export function sameRepoUrl(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

/** The repository Secret an app of `project` uses for `url`: its project's own, else a global one. */
export function findRepository<T extends Pick<Repository, 'url' | 'project'>>(url: string, project: string | undefined, repositories: readonly T[]): T | undefined {
  const same = repositories.filter((r) => sameRepoUrl(r.url, url));
  const scoped = project === undefined || project === '' ? undefined : same.find((r) => r.project === project);
  return scoped ?? same.find((r) => servesProject(r.project, undefined));
}

/** The templates an app of `project` may inherit from, its project's own listed first (they win ties). */
export function visibleTemplates<T extends Pick<RepoCreds, 'project'>>(project: string | undefined, templates: readonly T[]): T[] {
  const own = project === undefined || project === '' ? [] : templates.filter((t) => t.project === project);
  return [...own, ...templates.filter((t) => servesProject(t.project, undefined))];
}

/** The template an app of `project` inherits from for `url`, if any (an unparsable URL has none). */
export function findTemplate<T extends Pick<RepoCreds, 'url' | 'project'>>(url: string, project: string | undefined, templates: readonly T[]): T | undefined {
  try {
    return findRepoCredsTemplate(url, visibleTemplates(project, templates));
  } catch {
    return undefined;
  }
}

/** The git credentials of a repository or template Secret (what git itself can use). */
export function gitCredentialsOf(c: RepositoryCredentials): GitCredentials {
  const out: GitCredentials = {};
  if (c.username !== undefined) out.username = c.username;
  if (c.password !== undefined) out.password = c.password;
  if (c.bearerToken !== undefined) out.bearerToken = c.bearerToken;
  if (c.sshPrivateKey !== undefined) out.sshPrivateKey = c.sshPrivateKey;
  if (c.tlsClientCertData !== undefined) out.tlsClientCertData = c.tlsClientCertData;
  if (c.tlsClientCertKey !== undefined) out.tlsClientCertKey = c.tlsClientCertKey;
  if (c.insecure !== undefined) out.insecure = c.insecure;
  return out;
}

/** The credentials an app of `project` uses for `url` (undefined: none, git goes anonymously). */
export function resolveRepoCredentials(url: string, project: string | undefined, sources: CredentialSources): GitCredentials | undefined {
  const repo = findRepository(url, project, sources.repositories);
  const own = repo === undefined ? undefined : gitCredentialsOf(repo);
  const template = findTemplate(url, project, sources.templates);
  const templates: RepoCredsTemplate[] = template === undefined ? [] : [{ ...gitCredentialsOf(template), url: template.url }];
  try {
    return credentialsFor(url, own, templates);
  } catch {
    // An unparsable URL has no template; git reports the URL problem itself.
    return own;
  }
}

/**
 * A digest naming a set of credentials without revealing them: what the repo server keys repository
 * access by, so a caller with other (or no) credentials never reuses another caller's answer.
 */
export function credentialsIdentity(creds: GitCredentials | undefined): string {
  const c = creds ?? {};
  const material = JSON.stringify([c.username, c.password, c.bearerToken, c.tlsClientCertData, c.tlsClientCertKey, c.caData, c.sshPrivateKey, c.knownHosts, c.insecure]);
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}
