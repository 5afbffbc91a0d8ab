// Chart dependencies that are not vendored in `charts/`: `helm dependency build` in a private copy of
// the chart (checkouts are shared and read-only), against the repositories the dependencies name. The
// index.yaml of each HTTP repository is fetched through the shared index cache and placed in Helm's
// repository cache, so helm runs with `--skip-refresh` and downloads only the archives it needs.
// Credentials go into private files (repositories.yaml, the registry config), never into arguments.
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { UserError, errorCodes } from '../../errors.js';
import { scrubSecrets, type GitCredentials } from '../../git/credentials.js';
import { isRecord, readYamlStream } from '../manifests.js';
import { assertNoEscapingSymlinks, isRegularFile, readRepoFile, repoRelative, resolveInside } from '../safety.js';
import { runTool } from '../tools.js';
import type { RenderContext } from '../types.js';
import { HelmCharts, type HelmRepository } from './index.js';
import { ociEnvironment } from './oci.js';
import { normalizeRepoUrl } from './repo.js';

/** Where a Helm render finds chart repositories for dependencies. */
export interface ChartRepositories {
  /** The index cache shared by renders (default: one per process). */
  charts?: HelmCharts;
  /** Named Helm repositories (repository Secrets of `type: helm`): `@name` dependencies and their credentials. */
  repositories?: readonly HelmRepository[];
  /** Credentials for a dependency repository URL that `repositories` does not list. */
  credentials?: (url: string) => GitCredentials | undefined;
}

interface Dependency {
  name: string;
  repository: string;
}

let defaultCharts: HelmCharts | undefined;

async function readYamlRecord(ctx: RenderContext, file: string): Promise<Record<string, unknown> | undefined> {
  if (!(await isRegularFile(file))) return undefined;
  const shown = repoRelative(ctx.root, file);
  const stream = readYamlStream(await readRepoFile(ctx.root, file, ctx.budget), shown);
  if (stream.error) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${shown}:${stream.error.line}: ${stream.error.message}`);
  const value = stream.documents[0]?.value;
  return isRecord(value) ? value : undefined;
}

function dependenciesOf(doc: Record<string, unknown> | undefined): Dependency[] {
  const deps = doc?.['dependencies'];
  if (!Array.isArray(deps)) return [];
  return deps.flatMap((d) =>
    isRecord(d) && typeof d['name'] === 'string' ? [{ name: d['name'], repository: typeof d['repository'] === 'string' ? d['repository'].trim() : '' }] : [],
  );
}

/** Dependencies neither in `charts/` as a directory (by dir or chart name) nor as a `<name>-*.tgz`. */
async function missingDependencies(ctx: RenderContext, deps: readonly Dependency[]): Promise<Dependency[]> {
  const present = new Set<string>();
  const archives: string[] = [];
  const chartsDir = path.join(ctx.appDir, 'charts');
  let entries: string[] = [];
  try {
    entries = await readdir(chartsDir);
  } catch {
    // No charts/ directory: every dependency is missing.
  }
  for (const entry of entries) {
    if (entry.endsWith('.tgz')) {
      archives.push(entry);
      continue;
    }
    present.add(entry);
    const sub = await readYamlRecord(ctx, path.join(chartsDir, entry, 'Chart.yaml'));
    if (typeof sub?.['name'] === 'string') present.add(sub['name']);
  }
  return deps.filter((d) => !present.has(d.name) && !archives.some((a) => a.startsWith(`${d.name}-`)));
}

const named = (repository: string): string | undefined => {
  if (repository.startsWith('@')) return repository.slice(1);
  if (repository.startsWith('alias:')) return repository.slice('alias:'.length);
  return undefined;
};

/**
 * The chart directory to template: `ctx.appDir` itself when every dependency is vendored, else a
 * private copy where `helm dependency build` has fetched the missing ones.
 */
export async function chartWithDependencies(ctx: RenderContext, chartRel: string, repos: ChartRepositories = {}): Promise<string> {
  let deps = dependenciesOf(await readYamlRecord(ctx, path.join(ctx.appDir, 'Chart.yaml')));
  if (deps.length === 0) deps = dependenciesOf(await readYamlRecord(ctx, path.join(ctx.appDir, 'requirements.yaml')));
  if (deps.length === 0) return ctx.appDir;
  const missing = await missingDependencies(ctx, deps);
  if (missing.length === 0) return ctx.appDir;

  const display = `helm dependency build ${chartRel}`;
  const charts = repos.charts ?? (defaultCharts ??= new HelmCharts());
  const list = repos.repositories ?? [];
  const credsFor = (url: string): GitCredentials | undefined =>
    list.find((r) => normalizeRepoUrl(r.url) === normalizeRepoUrl(url))?.creds ?? repos.credentials?.(url);

  // The chart is copied where it sits in the repository, so `file://../lib` dependencies resolve alike.
  const tree = path.join(ctx.tmpDir, 'chart-tree');
  const copy = path.join(tree, path.relative(ctx.root, ctx.appDir));
  await cp(ctx.appDir, copy, { recursive: true, dereference: true });

  const httpRepos = new Map<string, { name: string; url: string; creds: GitCredentials | undefined }>();
  const registries = new Map<string, GitCredentials | undefined>();
  // helm rebuilds every dependency, vendored ones too: each repository is checked (a `file://` one
  // could otherwise package a chart from anywhere on this machine) and made available.
  for (const dep of deps) {
    const repo = dep.repository;
    const where = `${chartRel}/Chart.yaml: dependency "${dep.name}"`;
    if (repo === '') throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${where} is not in charts/ and names no repository`);
    if (repo.startsWith('file://')) {
      const target = await resolveInside(ctx.root, path.resolve(ctx.appDir, repo.slice('file://'.length)), `${where}: repository "${repo}"`);
      if (target === undefined) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${where}: repository "${repo}" does not exist`);
      await assertNoEscapingSymlinks(ctx.root, target, 'helm reads the files of a chart through symlinks');
      const dest = path.join(tree, path.relative(ctx.root, target));
      if (path.relative(copy, dest).startsWith('..')) await cp(target, dest, { recursive: true, dereference: true, force: false, errorOnExist: false });
      continue;
    }
    if (repo.startsWith('oci://')) {
      registries.set(repo.slice('oci://'.length).split('/')[0] ?? '', credsFor(repo));
      continue;
    }
    const alias = named(repo);
    if (alias !== undefined) {
      const known = list.find((r) => r.name === alias);
      if (known === undefined) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${where}: no Helm repository is named "${alias}" (add a repository Secret with name: ${alias})`);
      httpRepos.set(`@${alias}`, { name: alias, url: known.url, creds: known.creds });
      continue;
    }
    if (!/^https?:\/\//i.test(repo)) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${where}: repository "${repo}" is not an http(s), oci:// or file:// URL, nor @name`);
    const key = normalizeRepoUrl(repo);
    if (!httpRepos.has(key)) httpRepos.set(key, { name: `kawa-dep-${httpRepos.size}`, url: repo, creds: credsFor(repo) });
  }

  const { dir, env, tlsArgs, secrets } = await ociEnvironment({ registries, tempRoot: ctx.tmpDir });
  const repoCache = env['HELM_REPOSITORY_CACHE'] ?? path.join(dir, 'repository-cache');
  await mkdir(repoCache, { recursive: true });
  const entries: Record<string, unknown>[] = [];
  for (const repo of httpRepos.values()) {
    const index = await charts.index(repo.url, repo.creds);
    await writeFile(path.join(repoCache, `${repo.name}-index.yaml`), index.raw);
    const entry: Record<string, unknown> = { name: repo.name, url: normalizeRepoUrl(repo.url) };
    const creds = repo.creds;
    if (creds?.username) {
      entry['username'] = creds.username;
      entry['password'] = creds.password ?? '';
      if (creds.password) secrets.push(creds.password);
    }
    if (creds?.caData) {
      entry['caFile'] = path.join(dir, `${repo.name}-ca.pem`);
      await writeFile(String(entry['caFile']), creds.caData, { mode: 0o600 });
    }
    if (creds?.tlsClientCertData && creds.tlsClientCertKey) {
      entry['certFile'] = path.join(dir, `${repo.name}-client.crt`);
      entry['keyFile'] = path.join(dir, `${repo.name}-client.key`);
      await writeFile(String(entry['certFile']), creds.tlsClientCertData, { mode: 0o600 });
      await writeFile(String(entry['keyFile']), creds.tlsClientCertKey, { mode: 0o600 });
    }
    if (creds?.insecure === true) entry['insecure_skip_tls_verify'] = true;
    entries.push(entry);
  }
  await writeFile(env['HELM_REPOSITORY_CONFIG'] ?? path.join(dir, 'repositories.yaml'), stringify({ apiVersion: '', generated: '0001-01-01T00:00:00Z', repositories: entries }), { mode: 0o600 });

  try {
    // --skip-refresh: the indexes are already in the cache; helm downloads only the archives.
    await runTool('helm', ['dependency', 'build', '--skip-refresh', ...(registries.size > 0 ? tlsArgs : []), '--', copy], { cwd: copy, env, budget: ctx.budget, display, tools: ctx.tools });
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.code, scrubSecrets(err.message.replaceAll(tree, ''), secrets), { cause: err });
    throw err;
  }
  return copy;
}
