// The repo server's one entry point: (Application source, app context) → resolved revision + rendered
// objects. It joins the git mirror cache (one fetch per repository), read-only checkouts (one per repo +
// commit, shared by every app on that commit) and the renderers, and caches render results by everything
// that can change them, so a refresh pass where nothing moved costs one `ls-remote` per repository and
// no render at all. The controller, the API server (`manifests`, `managed-resources`) and `kawa render`
// all go through here.
//
// Every request names the app's project, and credentials are chosen for (repository URL, project). The
// mirrors, checkouts and renders are shared by all projects, so before any of them is read the caller's
// own credentials must reach the repository: an `ls-remote` with them (remembered per URL and
// credentials identity for `refsTtlMs`). A project without credentials for a private repository is
// refused there even when another project's app has filled the mirror a moment before.
//
// A request may carry its own credentials (a remote caller's repository Secrets for the app's project,
// `kawa repo-server` behind the controller or the API server): then they alone are used, for that request
// only, and the same gate holds — a request without them is refused by the remote even when a request
// with them filled the mirror a moment before, because the refs (and so the access check) are cached per
// credentials digest, and renders per digest of the credentials they were made with.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GitCredentials } from '../git/credentials.js';
import { credentialsIdentity, resolveRepoCredentials, type CredentialSources } from '../git/repo-credentials.js';
import { GitMirrorCache, type RevisionMetadata } from '../git/mirror.js';
import { resolveFromRefs, type RemoteRefs } from '../git/refs.js';
import { isFullSha } from '../git/url.js';
import { errorCodes, UserError } from '../errors.js';
import type { ApplicationSource } from '../model/index.js';
import { repoCredentialsFrom } from './credentials.js';
import type { ManifestSource } from './source.js';
import { stableJson } from '../util/stable-json.js';
import { buildEnvironment, HelmCharts, renderSource, type ConfigManagementPlugin, type HelmRepository, type RenderedObject, type SourceType, type ToolPaths } from '../render/index.js';

/** Fetches a Helm chart from a chart repository or OCI registry into a directory; set for `source.chart` support. */
export interface ChartFetcher {
  /** The exact chart version `targetRevision` (a version or semver range) names. */
  resolveVersion(args: { repoURL: string; chart: string; version: string; creds?: GitCredentials; passCredentials?: boolean }): Promise<string>;
  /** Unpacks the chart into `destDir` (empty, created by the caller); the chart's files end up at `destDir` itself. */
  fetch(args: { repoURL: string; chart: string; version: string; destDir: string; creds?: GitCredentials; passCredentials?: boolean }): Promise<void>;
}

/** `helm.passCredentials`: the chart repository's credentials may go to chart URLs on other hosts. */
const passCredentials = (source: ApplicationSource): { passCredentials?: true } => (source.helm?.passCredentials === true ? { passCredentials: true } : {});

export interface RepoServiceOptions {
  mirrors: GitMirrorCache;
  /** Where checkouts are kept (`<workRoot>/<repo hash>/<sha>`). */
  workRoot: string;
  /**
   * The credentials an app of `project` uses for a repository URL (git/repo-credentials.ts's
   * resolveRepoCredentials: the project's own repository Secret, a global one, then templates).
   * `project` is undefined when no app asks: only global Secrets apply then.
   */
  credentials?: (repoURL: string, project: string | undefined) => GitCredentials | undefined;
  tools?: ToolPaths;
  /** `source.chart` sources (default: a HelmCharts for index.yaml repositories and OCI registries). */
  charts?: ChartFetcher;
  /** Helm repositories by name (repository Secrets of `type: helm`) an app of `project` sees, for chart dependencies written `@name`. */
  helmRepositories?: (project: string | undefined) => readonly HelmRepository[];
  /** Configured config management plugins (plugin.yaml files). */
  plugins?: () => readonly ConfigManagementPlugin[];
  /** How long a repository's `ls-remote` answer is reused (default 3 s): one call per repo per refresh pass. */
  refsTtlMs?: number;
  /** Render results kept (default 5,000; least recently used dropped first). */
  maxCachedRenders?: number;
  /** Checkouts kept on disk (default 64; least recently used removed first). */
  maxCheckouts?: number;
  renderTimeoutMs?: number;
  maxRenderBytes?: number;
  now?: () => number;
}

export interface ManifestRequest {
  source: ApplicationSource;
  /** The app's AppProject: which repository Secrets it may use (undefined: global ones only). */
  project?: string;
  /** The app instance name (Helm's default release name, `$ARGOCD_APP_NAME`). */
  appName: string;
  /** The destination namespace. */
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: readonly string[];
  /** Render this revision instead of `targetRevision` (rollback to a SHA, `manifests?revision=`). */
  revision?: string;
  /** Bypass the refs and render caches (hard refresh). */
  noCache?: boolean;
  /**
   * The other sources of a multi-source app that carry a `ref`, by ref name, each at the revision it
   * resolved to: `$<ref>/values.yaml` in Helm value files reads from their checkouts.
   */
  refSources?: Readonly<Record<string, { source: ApplicationSource; revision: string }>>;
  /**
   * The repository and repo-creds Secrets the caller lets this request use (a remote caller's, for the
   * app's project). When set, the service's own `credentials` and `helmRepositories` are not consulted.
   * Used for this request only, never kept.
   */
  credentials?: CredentialSources;
}

export interface ManifestResponse {
  /** The commit SHA (git) or chart version (Helm repository) rendered. */
  revision: string;
  sourceType: SourceType;
  objects: RenderedObject[];
  warnings: string[];
  /** Served from the render cache. */
  cached: boolean;
}

export interface RepoServiceStats {
  renders: number;
  cacheHits: number;
  lsRemotes: number;
  checkouts: number;
}

interface RefsEntry {
  at: number;
  refs: Promise<RemoteRefs>;
}

/** What resolveRevision may be told besides the source. */
export interface ResolveOptions {
  revision?: string;
  noCache?: boolean;
  /** The app's AppProject (see ManifestRequest.project). */
  project?: string;
  /** The caller's credentials for this call only (see ManifestRequest.credentials). */
  credentials?: CredentialSources;
}

/** Who asks: the app's project, and the credentials the request carried (if any). */
interface Caller {
  project: string | undefined;
  sources: CredentialSources | undefined;
}

const callerOf = (options: { project?: string | undefined; credentials?: CredentialSources | undefined }): Caller => ({ project: options.project, sources: options.credentials });

/** The refs cache key: one entry per repository and credentials, never shared across credentials. */
const refsKey = (repoURL: string, creds: GitCredentials | undefined): string => `${repoURL}\u0000${credentialsIdentity(creds)}`;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A Map used as an LRU: a hit moves the key to the end, the oldest go first. */
function touch<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
}

export class RepoService implements ManifestSource {
  private readonly mirrors: GitMirrorCache;
  private readonly options: RepoServiceOptions;
  private readonly refs = new Map<string, RefsEntry>();
  private readonly renders = new Map<string, Promise<ManifestResponse>>();
  private readonly checkouts = new Map<string, Promise<string>>();
  private readonly counters: RepoServiceStats = { renders: 0, cacheHits: 0, lsRemotes: 0, checkouts: 0 };
  private readonly now: () => number;
  private charts: ChartFetcher | undefined;

  constructor(options: RepoServiceOptions) {
    this.options = options;
    this.mirrors = options.mirrors;
    this.now = options.now ?? Date.now;
  }

  stats(): RepoServiceStats {
    return { ...this.counters };
  }

  /** Forget what is known of a repository's refs (a webhook said it moved), for every credentials. */
  invalidate(repoURL: string): void {
    const prefix = `${repoURL}\u0000`;
    for (const key of [...this.refs.keys()]) if (key.startsWith(prefix)) this.refs.delete(key);
  }

  private creds(repoURL: string, caller: Caller): GitCredentials | undefined {
    if (caller.sources !== undefined) return resolveRepoCredentials(repoURL, caller.project, caller.sources);
    return this.options.credentials?.(repoURL, caller.project);
  }

  private helmRepositories(caller: Caller): readonly HelmRepository[] | undefined {
    if (caller.sources !== undefined) {
      const sources = caller.sources;
      return repoCredentialsFrom(() => sources).helmRepositories(caller.project);
    }
    return this.options.helmRepositories?.(caller.project);
  }

  /**
   * The remote's refs as `project`'s credentials see them. This is also the access check in front of
   * the shared mirror: a caller whose credentials the server refuses gets the refusal, never the cache
   * another project filled.
   */
  private lsRemote(repoURL: string, caller: Caller, fresh: boolean): Promise<RemoteRefs> {
    const ttl = this.options.refsTtlMs ?? 3_000;
    const creds = this.creds(repoURL, caller);
    const key = refsKey(repoURL, creds);
    const cached = this.refs.get(key);
    if (!fresh && cached !== undefined && this.now() - cached.at < ttl) return cached.refs;
    this.counters.lsRemotes++;
    const refs = this.mirrors.lsRemote(repoURL, creds).catch((err: unknown) => {
      throw accessError(err, caller.project);
    });
    const entry: RefsEntry = { at: this.now(), refs };
    this.refs.set(key, entry);
    // A failed listing is not remembered: the next caller tries again.
    refs.catch(() => {
      if (this.refs.get(key) === entry) this.refs.delete(key);
    });
    return refs;
  }

  private isChartSource(source: ApplicationSource): boolean {
    return source.chart !== undefined && source.chart !== '';
  }

  /**
   * The commit SHA (or chart version) a source's `targetRevision` (or `revision`) names now, as the
   * credentials of `options.project` see the repository. Nothing of the repository is served before
   * this succeeds: a chart version comes from the index fetched with those credentials, a git revision
   * (a full SHA too) only after an `ls-remote` with them.
   */
  async resolveRevision(source: ApplicationSource, options: ResolveOptions = {}): Promise<string> {
    const wanted = options.revision ?? (source.targetRevision === undefined || source.targetRevision === '' ? 'HEAD' : source.targetRevision);
    const caller = callerOf(options);
    if (this.isChartSource(source)) {
      const charts = this.chartFetcher();
      const creds = this.creds(source.repoURL, caller);
      return charts.resolveVersion({ repoURL: source.repoURL, chart: source.chart ?? '', version: options.revision ?? source.targetRevision ?? '', ...(creds ? { creds } : {}), ...passCredentials(source) });
    }
    // The access check comes first even for a full SHA: the mirror may hold it from another project's fetch.
    const refs = await this.lsRemote(source.repoURL, caller, options.noCache === true);
    if (isFullSha(wanted)) return wanted.toLowerCase();
    const fromRefs = resolveFromRefs(refs, wanted);
    if (fromRefs !== undefined) return fromRefs;
    // A short SHA, or a ref ls-remote does not show: the mirror decides (and fetches when it must).
    return this.mirrors.resolveRevision(source.repoURL, wanted, this.creds(source.repoURL, caller));
  }

  private chartFetcher(): ChartFetcher {
    this.charts ??= this.options.charts ?? new HelmCharts(this.options.tools === undefined ? {} : { tools: this.options.tools });
    return this.charts;
  }

  /**
   * A read-only tree of the repository at `revision`, shared by every render of it (every project's:
   * callers have passed resolveRevision's access check with their own credentials first). A chart is
   * kept per credentials: an exact OCI chart version resolves without asking the registry, so the pull
   * itself is the access check and must not be skipped for a caller whose credentials it never saw.
   */
  private checkout(source: ApplicationSource, revision: string, caller: Caller): Promise<string> {
    const chart = this.isChartSource(source) ? `chart:${source.chart ?? ''}@${credentialsIdentity(this.creds(source.repoURL, caller))}@` : '';
    const repoKey = sha256(`${chart}${source.repoURL}`).slice(0, 24);
    const dir = path.join(this.options.workRoot, repoKey, revision.replace(/[^A-Za-z0-9._-]/g, '_'));
    const existing = this.checkouts.get(dir);
    if (existing !== undefined) {
      touch(this.checkouts, dir, existing);
      return existing;
    }
    const made = this.makeCheckout(source, revision, dir, caller);
    this.checkouts.set(dir, made);
    made.catch(() => this.checkouts.delete(dir));
    void this.evictCheckouts();
    return made;
  }

  private async makeCheckout(source: ApplicationSource, revision: string, dir: string, caller: Caller): Promise<string> {
    // A complete checkout is renamed into place, so a crash mid-way leaves no half tree to trust.
    if (await stat(dir).then(() => true, () => false)) return dir;
    this.counters.checkouts++;
    const partial = `${dir}.partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    await mkdir(path.dirname(dir), { recursive: true });
    try {
      const creds = this.creds(source.repoURL, caller);
      if (this.isChartSource(source)) {
        await mkdir(partial);
        await this.chartFetcher().fetch({ repoURL: source.repoURL, chart: source.chart ?? '', version: revision, destDir: partial, ...(creds ? { creds } : {}), ...passCredentials(source) });
      } else {
        await this.mirrors.checkout(source.repoURL, revision, partial, creds);
      }
      await rename(partial, dir).catch(async (err: unknown) => {
        // Another process finished the same checkout first: theirs is as good as ours.
        if (await stat(dir).then(() => true, () => false)) await rm(partial, { recursive: true, force: true });
        else throw err;
      });
      return dir;
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
  }

  private async evictCheckouts(): Promise<void> {
    const max = this.options.maxCheckouts ?? 64;
    while (this.checkouts.size > max) {
      const oldest = this.checkouts.keys().next().value;
      if (oldest === undefined) return;
      this.checkouts.delete(oldest);
      await rm(oldest, { recursive: true, force: true });
    }
  }

  /** Renders a source at its target revision (or `request.revision`). Failures throw; an empty result is valid. */
  async generateManifests(request: ManifestRequest): Promise<ManifestResponse> {
    const project = request.project;
    const who = { ...(project === undefined ? {} : { project }), ...(request.credentials === undefined ? {} : { credentials: request.credentials }) };
    const revision = await this.resolveRevision(request.source, {
      ...(request.revision === undefined ? {} : { revision: request.revision }),
      ...(request.noCache === true ? { noCache: true } : {}),
      ...who,
    });
    // `$ref` sources are read from checkouts too: the same access check for each, before any cache.
    for (const ref of Object.values(request.refSources ?? {})) {
      await this.resolveRevision(ref.source, { revision: ref.revision, ...who });
    }
    const { targetRevision: _ignored, ...sourceWithoutRevision } = request.source;
    const key = sha256(
      stableJson({
        revision,
        source: sourceWithoutRevision,
        // Chart dependencies and `@name` aliases resolve with the project's credentials: no sharing across projects.
        project: project ?? null,
        // Likewise with the credentials a request carried: a render made with them is not served to a
        // request with other (or none). A digest only: the render cache never holds credentials.
        credentials: request.credentials === undefined ? null : sha256(stableJson(request.credentials)),
        appName: request.appName,
        namespace: request.namespace ?? '',
        kubeVersion: request.kubeVersion ?? '',
        apiVersions: request.apiVersions ?? [],
        refs: Object.entries(request.refSources ?? {})
          .map(([name, r]) => [name, r.source.repoURL, r.revision])
          .sort(),
      }),
    );
    const hit = request.noCache === true ? undefined : this.renders.get(key);
    if (hit !== undefined) {
      this.counters.cacheHits++;
      touch(this.renders, key, hit);
      return { ...(await hit), cached: true };
    }
    const rendering = this.render(request, revision);
    touch(this.renders, key, rendering);
    // Errors are not cached: a fixed credential or a flaky tool deserves a new try on the next refresh.
    rendering.catch(() => {
      if (this.renders.get(key) === rendering) this.renders.delete(key);
    });
    const max = this.options.maxCachedRenders ?? 5_000;
    while (this.renders.size > max) {
      const oldest = this.renders.keys().next().value;
      if (oldest === undefined) break;
      this.renders.delete(oldest);
    }
    return rendering;
  }

  private async render(request: ManifestRequest, revision: string): Promise<ManifestResponse> {
    this.counters.renders++;
    const source = request.source;
    const caller = callerOf(request);
    const root = await this.checkout(source, revision, caller);
    const refs: Record<string, string> = {};
    for (const [name, ref] of Object.entries(request.refSources ?? {})) refs[name] = await this.checkout(ref.source, ref.revision, caller);
    const helmRepositories = this.helmRepositories(caller);
    const charts = this.chartFetcher();
    const result = await renderSource({
      repoRoot: root,
      path: this.isChartSource(source) ? '' : (source.path ?? ''),
      source,
      appName: request.appName,
      ...(Object.keys(refs).length === 0 ? {} : { refs }),
      ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
      ...(request.kubeVersion === undefined ? {} : { kubeVersion: request.kubeVersion }),
      ...(request.apiVersions === undefined ? {} : { apiVersions: request.apiVersions }),
      ...(this.options.tools === undefined ? {} : { tools: this.options.tools }),
      ...(this.options.renderTimeoutMs === undefined ? {} : { timeoutMs: this.options.renderTimeoutMs }),
      ...(this.options.maxRenderBytes === undefined ? {} : { maxBytes: this.options.maxRenderBytes }),
      // Chart dependencies missing from charts/: the named repositories, the repository credentials, and
      // the chart fetcher's index cache when it has one.
      chartRepositories: {
        ...(charts instanceof HelmCharts ? { charts } : {}),
        ...(helmRepositories === undefined ? {} : { repositories: helmRepositories }),
        credentials: (url: string) => this.creds(url, caller),
      },
      ...(this.options.plugins === undefined ? {} : { plugins: this.options.plugins() }),
      buildEnv: buildEnvironment({
        appName: request.appName,
        ...(request.namespace === undefined ? {} : { namespace: request.namespace }),
        revision,
        repoURL: source.repoURL,
        path: source.path ?? '',
        targetRevision: source.targetRevision ?? 'HEAD',
      }),
    });
    return { revision, sourceType: result.sourceType, objects: result.objects, warnings: result.warnings, cached: false };
  }

  /** Author, date, message and tags of a commit (history and the UI), as `project`'s credentials see the repository. */
  async revisionMetadata(repoURL: string, revision: string, project?: string, credentials?: CredentialSources): Promise<RevisionMetadata> {
    const who = { ...(project === undefined ? {} : { project }), ...(credentials === undefined ? {} : { credentials }) };
    const sha = await this.resolveRevision({ repoURL, targetRevision: revision }, who);
    return this.mirrors.revisionMetadata(repoURL, sha, this.creds(repoURL, callerOf(who)));
  }

  /**
   * The refs of a repository as exactly `creds` see it, asked now (no cache): the API server's connection
   * check and refs route, which probe a repository Secret's own credentials rather than an app's.
   */
  async probeRefs(repoURL: string, creds: GitCredentials | undefined): Promise<RemoteRefs> {
    return this.mirrors.lsRemote(repoURL, creds);
  }

  /** Branches and tags of a repository (UI suggestions, `kawa repo get`), as `project`'s credentials see it. */
  async listRefs(repoURL: string, project?: string): Promise<{ branches: string[]; tags: string[] }> {
    const { refs } = await this.lsRemote(repoURL, { project, sources: undefined }, false);
    const names = (prefix: string): string[] =>
      [...refs.keys()].filter((name) => name.startsWith(prefix) && !name.endsWith('^{}')).map((name) => name.slice(prefix.length)).sort();
    return { branches: names('refs/heads/'), tags: names('refs/tags/') };
  }
}

/** An ls-remote refusal, saying whose credentials were refused (they may differ from another project's). */
function accessError(err: unknown, project: string | undefined): unknown {
  if (!(err instanceof UserError) || err.code !== errorCodes.GIT_AUTH_FAILED) return err;
  const whose = project === undefined ? 'the global repository credentials' : `the repository credentials of project ${JSON.stringify(project)} (its own or global ones)`;
  return new UserError(err.code, `${err.message}; tried ${whose}`, { cause: err });
}
