// The repository and credential-template API (Argo CD's RepositoryService and RepoCredsService) over
// `repository` / `repo-creds` Secrets in the control-plane namespace.
//
// Decisions:
// - Nothing secret is ever answered: passwords, tokens and keys go into the Secret and stay there. An
//   answer says `hasCredentials` instead.
// - PUT replaces the non-secret fields; a secret field the body omits is kept (clients cannot send back
//   what they were never shown), and one sent as "" is removed.
// - RBAC `repositories, <action>, <url>` — `<project>/<url>` for a project-scoped repository — for both
//   repositories and credential templates, as Argo CD does.
// - GET of a repository that has no Secret answers the bare URL with its connection state (Argo CD does
//   too: public repositories need no Secret); PUT and DELETE of one are 404.
// - The connection state comes from `git ls-remote` with the credentials kawa would use (the
//   repository's own, else the best matching template); it is cached for a minute per Secret version.
//   Helm and OCI repositories are reported `Unknown` (not checked yet).
// - Project scope (Argo CD's project-scoped repositories): credentials are chosen by the shared
//   resolver (git/repo-credentials.ts) for the Secret's own project, so a probe never borrows another
//   project's Secret. Several projects may each keep a Secret for the same URL (a scoped Secret's name
//   hashes project and URL); writes match the scope exactly, reads of a URL without `appProject` pick
//   the global Secret, else the only one, and ask for `appProject` when several projects have one.
//   Every action is authorized against the matched Secret's `<project>/<url>`, templates included.
import type { V1Secret } from '@kubernetes/client-node';
import type { GitCredentials } from '../../git/credentials.js';
import { findTemplate, gitCredentialsOf, resolveRepoCredentials, sameRepoUrl } from '../../git/repo-credentials.js';
import type { RemoteRefs } from '../../git/refs.js';
import {
  KNOWN_REPOSITORY_KEYS,
  REPOSITORY_CREDENTIAL_KEYS,
  SECRET_CREDENTIAL_KEYS,
  parseRepoCredsSecret,
  parseRepositorySecret,
  type RepoCreds,
  type Repository,
  type RepositoryCredentials,
  type SecretLike,
  type SecretType,
} from '../../model/index.js';
import { apiReasons, messageOf } from '../../errors.js';
import type { Actor } from '../guard.js';
import { alreadyExists, invalidArgument, notFound } from '../http-errors.js';
import {
  type ConnectionState,
  type RepoCredsOut,
  type RepoCredsWrite,
  type RepositoryOut,
  type RepositoryWrite,
} from '../schemas-settings.js';
import { SecretStore, secretNameFor, type StoredSecret } from './secret-store.js';

/** What the connection check and the refs route need of git: GitMirrorCache is one. */
export interface GitProbe {
  lsRemote(url: string, creds?: GitCredentials): Promise<RemoteRefs>;
}

const RESOURCE = 'repositories';
const CONNECTION_TTL_MS = 60_000;
/** Repositories checked at once when a list needs their states. */
const CHECK_CONCURRENCY = 8;

const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_CREDENTIAL_KEYS);

export function repoRbacObject(project: string | undefined, url: string): string {
  return project === undefined || project === '' ? url : `${project}/${url}`;
}

export { gitCredentialsOf };

const scopeOf = (project: string | undefined): string => project ?? '';

/** The Secret name of a new repository: a scoped one hashes its project too, so projects never collide. */
function newRepositorySecretName(url: string, project: string | undefined): string {
  return secretNameFor('repository', scopeOf(project) === '' ? url : `${scopeOf(project)}/${url}`);
}

/** A user name or any secret value: the repository carries credentials of its own. */
function hasOwnCredentials(c: RepositoryCredentials): boolean {
  return (['username', ...SECRET_CREDENTIAL_KEYS] as const).some((key) => c[key] !== undefined && c[key] !== '');
}

/** The Secret values a write produces, keeping secret values the write omits and keys kawa does not know. */
function valuesFor(
  own: Record<string, string>,
  body: Partial<Record<(typeof REPOSITORY_CREDENTIAL_KEYS)[number], string | boolean | undefined>> & { insecureIgnoreHostKey?: boolean | undefined },
  existing: Record<string, string> | undefined,
): Record<string, string> {
  const values: Record<string, string> = {};
  // Keys the Secret has that kawa does not model (Argo CD's newer fields) survive an update.
  for (const [key, value] of Object.entries(existing ?? {})) if (!KNOWN_REPOSITORY_KEYS.has(key)) values[key] = value;
  Object.assign(values, own);
  const given = { ...body, ...(body.insecureIgnoreHostKey === true ? { insecure: true } : {}) };
  for (const key of REPOSITORY_CREDENTIAL_KEYS) {
    const value = given[key];
    if (value === undefined) {
      const kept = existing?.[key];
      if (SECRET_KEYS.has(key) && kept !== undefined) values[key] = kept;
      continue;
    }
    if (value === '' || value === false) continue;
    values[key] = String(value);
  }
  return values;
}

function sanitizedCommon(c: RepositoryCredentials): Omit<RepositoryOut, 'repo'> {
  const out: Omit<RepositoryOut, 'repo'> = {};
  if (c.username !== undefined) out.username = c.username;
  if (c.insecure === true) out.insecure = true;
  if (c.enableLfs === true) out.enableLfs = true;
  if (c.enableOCI === true) out.enableOCI = true;
  if (c.forceHttpBasicAuth === true) out.forceHttpBasicAuth = true;
  if (c.proxy !== undefined) out.proxy = c.proxy;
  if (c.noProxy !== undefined) out.noProxy = c.noProxy;
  if (c.githubAppID !== undefined) out.githubAppID = c.githubAppID;
  if (c.githubAppInstallationID !== undefined) out.githubAppInstallationID = c.githubAppInstallationID;
  if (c.githubAppEnterpriseBaseUrl !== undefined) out.githubAppEnterpriseBaseUrl = c.githubAppEnterpriseBaseUrl;
  if (c.useAzureWorkloadIdentity === true) out.useAzureWorkloadIdentity = true;
  out.hasCredentials = hasOwnCredentials(c);
  return out;
}

interface Found<T> {
  readonly stored: StoredSecret;
  readonly value: T;
}

export interface RepositoryServiceOptions {
  readonly secrets: SecretStore;
  readonly git: GitProbe;
  readonly now: () => Date;
}

export class RepositoryService {
  private readonly connections = new Map<string, { at: number; state: Promise<ConnectionState> }>();

  constructor(private readonly options: RepositoryServiceOptions) {}

  // ---- reading ----------------------------------------------------------------------------------

  async repositories(): Promise<Found<Repository>[]> {
    return this.parsed('repository', parseRepositorySecret);
  }

  async templates(): Promise<Found<RepoCreds>[]> {
    return this.parsed('repo-creds', parseRepoCredsSecret);
  }

  /** The Secrets of one type that parse, sorted by URL. */
  private async parsed<T extends { url: string }>(type: SecretType, parse: (secret: SecretLike) => T): Promise<Found<T>[]> {
    return (await this.options.secrets.listParsed(type, parse)).sort((a, b) => a.value.url.localeCompare(b.value.url));
  }

  /** The repositories (with their Secrets) and the credential templates, read together. */
  private async repositoriesAndTemplates(): Promise<{ repos: Found<Repository>[]; templates: RepoCreds[] }> {
    const [repos, templates] = await Promise.all([this.repositories(), this.templates()]);
    return { repos, templates: templates.map((t) => t.value) };
  }

  /** Credentials an app of `project` uses for a repository URL, as the repo server chooses them. */
  async credentialsFor(url: string, project?: string): Promise<GitCredentials | undefined> {
    const { repos, templates } = await this.repositoriesAndTemplates();
    return credentialsAmong(repos, templates, url, project);
  }

  /**
   * The Secret a read of `url` means: the one of `appProject` (or, failing that, the global one) when
   * a project is named; otherwise the global one, else the only one. Several project-scoped Secrets
   * and no project named: the caller must say which.
   */
  private find<T extends { url: string; project?: string }>(items: readonly Found<T>[], url: string, appProject?: string): Found<T> | undefined {
    const same = items.filter((i) => sameRepoUrl(i.value.url, url));
    const global = same.find((i) => scopeOf(i.value.project) === '');
    if (appProject !== undefined && appProject !== '') return same.find((i) => i.value.project === appProject) ?? global;
    if (global !== undefined || same.length <= 1) return global ?? same[0];
    throw invalidArgument(`several projects have a repository Secret for ${url} (${same.map((i) => i.value.project ?? '').join(', ')}): name one with appProject`);
  }

  /** The Secret a write in scope `project` (undefined: global) means: same URL and exactly that scope. */
  private findScoped<T extends { url: string; project?: string }>(items: readonly Found<T>[], url: string, project: string | undefined): Found<T> | undefined {
    return items.find((i) => sameRepoUrl(i.value.url, url) && scopeOf(i.value.project) === scopeOf(project));
  }

  private async connectionState(repo: Repository, stored: StoredSecret | undefined, templates: readonly RepoCreds[], force: boolean): Promise<ConnectionState> {
    const key = `${repo.url}\u0000${repo.project ?? ''}\u0000${stored?.secret.metadata?.resourceVersion ?? ''}\u0000${templates.map((t) => `${t.project ?? ''}/${t.url}`).join(',')}`;
    const cached = this.connections.get(key);
    const nowMs = this.options.now().getTime();
    if (!force && cached !== undefined && nowMs - cached.at < CONNECTION_TTL_MS) return cached.state;
    const state = this.check(repo, templates);
    this.connections.set(key, { at: nowMs, state });
    if (this.connections.size > 1000) this.connections.delete(this.connections.keys().next().value ?? '');
    return state;
  }

  private async check(repo: Repository, templates: readonly RepoCreds[]): Promise<ConnectionState> {
    const attemptedAt = this.options.now().toISOString();
    if (repo.type !== 'git') return { status: 'Unknown', message: `connection checks of ${repo.type} repositories are not supported yet`, attemptedAt };
    try {
      // The repository's own credentials, else a template its project may use: never another project's.
      await this.options.git.lsRemote(repo.url, resolveRepoCredentials(repo.url, repo.project, { repositories: [repo], templates }));
      return { status: 'Successful', message: '', attemptedAt };
    } catch (err) {
      return { status: 'Failed', message: `Unable to connect to repository: ${messageOf(err)}`, attemptedAt };
    }
  }

  /**
   * The write of a create: a new Secret; or, when `existing` (same URL and scope) is there, nothing if the
   * write changes nothing, else a replace that needs `upsert` and the right to update the existing one.
   */
  private async createOrUpsert<T extends { url: string; project?: string }>(
    actor: Actor,
    existing: Found<T> | undefined,
    write: { type: 'repository' | 'repo-creds'; name: string; own: Record<string, string>; body: Parameters<typeof valuesFor>[1]; upsert: boolean; what: string },
  ): Promise<{ written: V1Secret } | { unchanged: Found<T> }> {
    if (existing === undefined) return { written: await this.options.secrets.create(write.type, write.name, valuesFor(write.own, write.body, undefined)) };
    const values = valuesFor(write.own, write.body, existing.stored.values);
    if (sameValues(values, existing.stored.values)) return { unchanged: existing };
    if (!write.upsert) throw alreadyExists(`existing ${write.what} spec is different; use upsert flag to force update`, { reason: apiReasons.SPEC_DIFFERS });
    actor.authorize(RESOURCE, 'update', repoRbacObject(existing.value.project, existing.value.url));
    return { written: await this.options.secrets.replace(existing.stored.secret, values) };
  }

  /** `project`: the scope a URL without a Secret is probed in (the caller's `appProject`). */
  private async answer(found: Found<Repository> | undefined, url: string, templates: readonly RepoCreds[], force: boolean, project?: string): Promise<RepositoryOut> {
    const repo: Repository = found?.value ?? { secretName: '', url, type: 'git', extra: {} };
    // A bare URL is probed as its project would reach it, without claiming a project in the answer.
    const probed: Repository = found === undefined && project !== undefined && project !== '' ? { ...repo, project } : repo;
    const inherited = !hasOwnCredentials(repo) && findTemplate(repo.url, probed.project, templates) !== undefined;
    return {
      repo: repo.url,
      type: repo.type,
      ...(repo.name === undefined ? {} : { name: repo.name }),
      ...(repo.project === undefined ? {} : { project: repo.project }),
      ...sanitizedCommon(repo),
      ...(inherited ? { inheritedCreds: true } : {}),
      connectionState: await this.connectionState(probed, found?.stored, templates, force),
    };
  }

  // ---- repositories -------------------------------------------------------------------------------

  async list(actor: Actor, query: { repo?: string | undefined; appProject?: string | undefined; forceRefresh?: boolean | undefined }): Promise<RepositoryOut[]> {
    const { repos, templates } = await this.repositoriesAndTemplates();
    const wanted = query.repo === undefined || query.repo === '' ? undefined : query.repo;
    const visible = repos.filter(
      (r) =>
        (wanted === undefined || sameRepoUrl(r.value.url, wanted)) &&
        (query.appProject === undefined || query.appProject === '' || r.value.project === query.appProject) &&
        actor.can(RESOURCE, 'get', repoRbacObject(r.value.project, r.value.url)),
    );
    const out: RepositoryOut[] = new Array<RepositoryOut>(visible.length);
    // Bounded parallelism: a list of many unreachable repositories must not start hundreds of git processes.
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < visible.length; i = next++) out[i] = await this.answer(visible[i], visible[i]?.value.url ?? '', templates, query.forceRefresh === true);
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, visible.length) }, worker));
    return out;
  }

  async get(actor: Actor, url: string, options: { appProject?: string | undefined; forceRefresh?: boolean | undefined }): Promise<RepositoryOut> {
    const { repos, templates } = await this.repositoriesAndTemplates();
    const found = this.find(repos, url, options.appProject);
    actor.authorize(RESOURCE, 'get', repoRbacObject(found?.value.project ?? options.appProject, found?.value.url ?? url));
    return this.answer(found, url, templates, options.forceRefresh === true, options.appProject);
  }

  async refs(actor: Actor, url: string, appProject?: string): Promise<{ branches: string[]; tags: string[] }> {
    const { repos, templates } = await this.repositoriesAndTemplates();
    const found = this.find(repos, url, appProject);
    const project = found?.value.project ?? appProject;
    actor.authorize(RESOURCE, 'get', repoRbacObject(project, found?.value.url ?? url));
    const repoUrl = found?.value.url ?? url;
    let refs: RemoteRefs;
    try {
      // The credentials of the project the caller was authorized in, never another project's.
      refs = await this.options.git.lsRemote(repoUrl, credentialsAmong(repos, templates, repoUrl, project));
    } catch (err) {
      throw invalidArgument(`unable to list the refs of ${repoUrl}: ${messageOf(err)}`);
    }
    const names = (prefix: string): string[] =>
      [...refs.refs.keys()].filter((n) => n.startsWith(prefix) && !n.endsWith('^{}')).map((n) => n.slice(prefix.length)).sort();
    return { branches: names('refs/heads/'), tags: names('refs/tags/') };
  }

  async create(actor: Actor, body: RepositoryWrite, upsert: boolean): Promise<RepositoryOut> {
    const url = body.repo.trim();
    actor.authorize(RESOURCE, 'create', repoRbacObject(body.project, url));
    const { repos, templates } = await this.repositoriesAndTemplates();
    // Only a Secret of the same scope is this repository; another project's for the same URL is left alone.
    const existing = this.findScoped(repos, url, body.project);
    const own = { url, type: body.type ?? 'git', ...(body.name ? { name: body.name } : {}), ...(body.project ? { project: body.project } : {}) };
    const result = await this.createOrUpsert(actor, existing, { type: 'repository', name: newRepositorySecretName(url, body.project), own, body, upsert, what: 'repository' });
    if ('unchanged' in result) return this.answer(result.unchanged, url, templates, false);
    return this.answer(writtenRepository(result.written), url, templates, true);
  }

  async update(actor: Actor, url: string, body: RepositoryWrite): Promise<RepositoryOut> {
    if (!sameRepoUrl(body.repo, url)) throw invalidArgument(`the path names repository ${url} but the body names ${body.repo}`);
    const { repos, templates } = await this.repositoriesAndTemplates();
    // The Secret of the body's scope; failing that, the URL's only Secret (the update moves it to that scope).
    const same = repos.filter((r) => sameRepoUrl(r.value.url, url));
    const existing = this.findScoped(repos, url, body.project) ?? (same.length === 1 ? same[0] : undefined);
    if (existing === undefined) {
      actor.authorize(RESOURCE, 'update', repoRbacObject(body.project, url));
      throw notFound(`repository ${url} not found`);
    }
    actor.authorize(RESOURCE, 'update', repoRbacObject(existing.value.project, existing.value.url));
    // Moving a repository into another project needs the right there too.
    if ((body.project ?? '') !== (existing.value.project ?? '')) actor.authorize(RESOURCE, 'update', repoRbacObject(body.project, existing.value.url));
    const own = { url: existing.value.url, type: body.type ?? existing.value.type, ...(body.name ? { name: body.name } : {}), ...(body.project ? { project: body.project } : {}) };
    const written = writtenRepository(await this.options.secrets.replace(existing.stored.secret, valuesFor(own, body, existing.stored.values)));
    return this.answer(written, written.value.url, templates, true);
  }

  async delete(actor: Actor, url: string, appProject: string | undefined): Promise<void> {
    const repos = await this.repositories();
    const existing = appProject === undefined || appProject === '' ? this.find(repos, url) : this.findScoped(repos, url, appProject);
    actor.authorize(RESOURCE, 'delete', repoRbacObject(existing?.value.project ?? appProject, existing?.value.url ?? url));
    if (existing === undefined) throw notFound(`repository ${url} not found`);
    await this.options.secrets.delete(existing.stored.name);
  }

  // ---- credential templates ---------------------------------------------------------------------

  /** The template of exactly `url`: the global one, else the only one (the API names no project here). */
  private findTemplateSecret(templates: readonly Found<RepoCreds>[], url: string): Found<RepoCreds> | undefined {
    const same = templates.filter((t) => t.value.url === url);
    const global = same.find((t) => scopeOf(t.value.project) === '');
    if (global !== undefined || same.length <= 1) return global ?? same[0];
    throw invalidArgument(`several projects have a credential template for ${url} (${same.map((t) => t.value.project ?? '').join(', ')}); change them through their Secrets`);
  }

  private credsAnswer(c: RepoCreds): RepoCredsOut {
    const { hasCredentials, ...common } = sanitizedCommon(c);
    return { url: c.url, type: c.type, ...common, hasCredentials: hasCredentials ?? false };
  }

  async listCreds(actor: Actor, url: string | undefined): Promise<RepoCredsOut[]> {
    return (await this.templates())
      .filter((t) => (url === undefined || url === '' || t.value.url === url) && actor.can(RESOURCE, 'get', repoRbacObject(t.value.project, t.value.url)))
      .map((t) => this.credsAnswer(t.value));
  }

  async createCreds(actor: Actor, body: RepoCredsWrite, upsert: boolean): Promise<RepoCredsOut> {
    const url = body.url.trim();
    actor.authorize(RESOURCE, 'create', url);
    // The API writes global templates only; a project's template of the same URL is another Secret.
    const existing = (await this.templates()).find((t) => t.value.url === url && scopeOf(t.value.project) === '');
    const own = { url, ...(body.type === undefined ? {} : { type: body.type }) };
    const result = await this.createOrUpsert(actor, existing, { type: 'repo-creds', name: secretNameFor('repo-creds', url), own, body, upsert, what: 'repository credentials' });
    return this.credsAnswer('unchanged' in result ? result.unchanged.value : parseRepoCredsSecret(result.written));
  }

  async updateCreds(actor: Actor, url: string, body: RepoCredsWrite): Promise<RepoCredsOut> {
    if (body.url !== url) throw invalidArgument(`the path names credentials for ${url} but the body names ${body.url}`);
    const existing = this.findTemplateSecret(await this.templates(), url);
    // A project's template needs the right in that project (`<project>/<url>`), as a project's repository does.
    actor.authorize(RESOURCE, 'update', repoRbacObject(existing?.value.project, url));
    if (existing === undefined) throw notFound(`repository credentials for ${url} not found`);
    const own = { url, ...(body.type === undefined ? {} : { type: body.type }), ...(existing.value.project === undefined ? {} : { project: existing.value.project }) };
    return this.credsAnswer(parseRepoCredsSecret(await this.options.secrets.replace(existing.stored.secret, valuesFor(own, body, existing.stored.values))));
  }

  async deleteCreds(actor: Actor, url: string): Promise<void> {
    const existing = this.findTemplateSecret(await this.templates(), url);
    actor.authorize(RESOURCE, 'delete', repoRbacObject(existing?.value.project, url));
    if (existing === undefined) throw notFound(`repository credentials for ${url} not found`);
    await this.options.secrets.delete(existing.stored.name);
  }
}

function sameValues(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  if (b === undefined) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/** A repository Secret just written, as a read would find it. */
function writtenRepository(secret: V1Secret): Found<Repository> {
  const value = parseRepositorySecret(secret);
  return { stored: { secret, name: value.secretName, values: undefined }, value };
}

/** The credentials the shared resolver picks for `url` in `project` among these Secrets. */
function credentialsAmong(repos: readonly Found<Repository>[], templates: readonly RepoCreds[], url: string, project: string | undefined): GitCredentials | undefined {
  return resolveRepoCredentials(url, project, { repositories: repos.map((r) => r.value), templates });
}
