// The render entry point: (checked-out repository, path, source options) → ordered Kubernetes objects.
// A failure is always an error, never an empty list, so a caller cannot mistake it for "delete
// everything"; an empty render is a valid result and the caller decides about allowEmpty.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError, errorCodes, isKawaError, messageOf } from '../errors.js';
import type { ChartRepositories } from './charts/dependencies.js';
import { renderDirectory } from './directory.js';
import { discoverPlugin, renderPlugin, type ConfigManagementPlugin } from './plugin.js';
import { renderHelm } from './helm.js';
import { findKustomization, renderKustomize } from './kustomize.js';
import { expandLists, isRecord, readYamlStream } from './manifests.js';
import { isRegularFile, readRepoFile, RenderBudget, repoRelative, resolveAppDir, resolveRepoRoot } from './safety.js';
import type { ToolPaths } from './tools.js';
import { sourceOptionsSchema, type RenderContext, type RenderedObject, type SourceOptions, type SourceType } from './types.js';

export { HelmCharts, type ChartArgs, type HelmChartsOptions, type HelmChartsStats, type HelmRepository } from './charts/index.js';
export type { ChartRepositories } from './charts/dependencies.js';
export { buildEnvironment, envsubst, type BuildEnvironmentInput } from './envsubst.js';
export { loadPluginConfigs, parsePluginConfig, type ConfigManagementPlugin } from './plugin.js';
export { expandLists } from './manifests.js';
export { DEFAULT_MAX_RENDER_BYTES, DEFAULT_RENDER_TIMEOUT_MS } from './safety.js';
export type { ToolName, ToolPaths } from './tools.js';
export {
  describeOrigin,
  directoryOptionsSchema,
  helmOptionsSchema,
  kustomizeOptionsSchema,
  sourceOptionsSchema,
  type DirectoryOptions,
  type HelmOptions,
  type KubeObject,
  type KustomizeOptions,
  type Origin,
  type RenderedObject,
  type SourceOptions,
  type SourceType,
} from './types.js';

export interface RenderRequest {
  /** The checked-out repository (a worktree kawa owns; it is only read). */
  repoRoot: string;
  /** The source's `path`, relative to the repository root; '' or '.' for the root. */
  path: string;
  /** The Application's source (or just its helm/kustomize/directory/plugin part). */
  source?: unknown;
  /** Time for the whole render, every command included (default 90 s). */
  timeoutMs?: number;
  /** Cap on the bytes read and produced (default 100 MiB); renderer output is cut off as it streams. */
  maxBytes?: number;
  /** The Application's name: Helm's default release name, and `.argocd-source-<name>.yaml`. */
  appName?: string;
  /** The destination namespace: Helm's default `--namespace`. */
  namespace?: string;
  /** The destination cluster's version and API versions (`group/version[/Kind]`), for Helm. */
  kubeVersion?: string;
  apiVersions?: readonly string[];
  /** `$ARGOCD_APP_*` variables (see buildEnvironment); unknown variables substitute to ''. */
  buildEnv?: Readonly<Record<string, string>>;
  /** Checked-out roots of the other sources of a multi-source app, by `ref`, for `$ref/…` Helm value files. */
  refs?: Readonly<Record<string, string>>;
  /** Binaries to use instead of the pinned ones. */
  tools?: ToolPaths;
  /** Chart repositories (and their credentials) for Helm dependencies that `charts/` lacks. */
  chartRepositories?: ChartRepositories;
  /** Configured config management plugins: named by `plugin.name`, or discovered when no type is set. */
  plugins?: readonly ConfigManagementPlugin[];
}

export interface RenderResult {
  sourceType: SourceType;
  /** In a deterministic order: file path then document for directories, the tool's order otherwise. */
  objects: RenderedObject[];
  /** Things skipped on purpose (a YAML file that is not a manifest, a dangling symlink). */
  warnings: string[];
}

const TYPE_FIELDS = [
  ['helm', 'Helm'],
  ['kustomize', 'Kustomize'],
  ['directory', 'Directory'],
  ['plugin', 'Plugin'],
] as const;

/** Whether an option block holds nothing that matters (`directory: {}`, `{recurse: false}`): Argo CD drops those. */
function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.values(value).every(isZero);
  return false;
}

/**
 * The source type: an explicit helm/kustomize/directory/plugin block wins (two are an error); else,
 * like Argo CD, a kustomization file means Kustomize (even beside a Chart.yaml), a Chart.yaml means
 * Helm, and anything else is a Directory.
 */
export async function detectSourceType(dir: string, source: SourceOptions = {}): Promise<SourceType> {
  const explicit = TYPE_FIELDS.filter(([field]) => !isZero(source[field]));
  if (explicit.length > 1) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `only one of helm, kustomize, directory or plugin may be set, found ${explicit.map(([f]) => f).join(', ')}`);
  }
  const only = explicit[0];
  if (only) return only[1];
  if ((await findKustomization(dir)) !== undefined) return 'Kustomize';
  return (await isRegularFile(path.join(dir, 'Chart.yaml'))) ? 'Helm' : 'Directory';
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(out, key);
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Argo CD's parameter overrides kept in the repository: `.argocd-source.yaml` and
 * `.argocd-source-<app>.yaml` in the app directory are merge-patched onto the source (Argo CD Image
 * Updater writes these). Only the rendering options are taken from them.
 */
async function applyRepoOverrides(root: string, appDir: string, source: unknown, appName: string | undefined, budget: RenderBudget): Promise<unknown> {
  const names = ['.argocd-source.yaml', ...(appName ? [`.argocd-source-${appName}.yaml`] : [])];
  let merged: unknown = isRecord(source) ? source : {};
  for (const name of names) {
    const file = path.join(appDir, name);
    if (!(await isRegularFile(file))) continue;
    const shown = repoRelative(root, file);
    const stream = readYamlStream(await readRepoFile(root, file, budget), shown);
    if (stream.error) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${shown}:${stream.error.line}: ${stream.error.message}`);
    const patch = stream.documents[0]?.value ?? null;
    if (patch === null) continue;
    if (!isRecord(patch)) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${shown}: not a mapping`);
    const picked = Object.fromEntries(TYPE_FIELDS.flatMap(([field]) => (field in patch ? [[field, patch[field]]] : [])));
    merged = mergePatch(merged, picked);
  }
  return merged;
}

function parseSourceOptions(source: unknown): SourceOptions {
  const parsed = sourceOptionsSchema.safeParse(source ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${['source', ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new UserError(errorCodes.RENDER_INVALID_SOURCE, problems.join('; '));
}

async function renderAs(type: SourceType, ctx: RenderContext, options: SourceOptions, discovered?: ConfigManagementPlugin): Promise<RenderedObject[]> {
  switch (type) {
    case 'Directory':
      return renderDirectory(ctx, options.directory);
    case 'Kustomize':
      return renderKustomize(ctx, options.kustomize);
    case 'Helm':
      return renderHelm(ctx, options.helm);
    case 'Plugin':
      return renderPlugin(ctx, options.plugin, discovered);
  }
}

/** The roots of referenced sources, symlinks resolved (containment checks compare real paths). */
async function resolveRefs(refs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, dir] of Object.entries(refs)) out[name] = await resolveRepoRoot(dir);
  return out;
}

/** Renders one source. Errors name the path and source type and keep their code. */
export async function renderSource(request: RenderRequest): Promise<RenderResult> {
  const shownPath = request.path === '' ? '.' : request.path;
  let sourceType: SourceType | undefined;
  let tmpDir: string | undefined;
  try {
    const budget = new RenderBudget(request.timeoutMs, request.maxBytes);
    const root = await resolveRepoRoot(request.repoRoot);
    const appDir = await resolveAppDir(root, request.path);
    const options = parseSourceOptions(await applyRepoOverrides(root, appDir, request.source, request.appName, budget));
    sourceType = await detectSourceType(appDir, options);
    const explicit = TYPE_FIELDS.some(([field]) => !isZero(options[field]));
    tmpDir = await mkdtemp(path.join(tmpdir(), 'kawa-render-'));
    const ctx: RenderContext = {
      root,
      appDir,
      budget,
      tmpDir,
      tools: request.tools ?? {},
      buildEnv: request.buildEnv ?? {},
      warnings: [],
      ...(request.appName !== undefined ? { appName: request.appName } : {}),
      ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
      ...(request.kubeVersion !== undefined ? { kubeVersion: request.kubeVersion } : {}),
      ...(request.apiVersions !== undefined ? { apiVersions: request.apiVersions } : {}),
      ...(request.refs !== undefined ? { refs: await resolveRefs(request.refs) } : {}),
      ...(request.chartRepositories !== undefined ? { chartRepositories: request.chartRepositories } : {}),
      ...(request.plugins !== undefined ? { plugins: request.plugins } : {}),
    };
    // As in Argo CD, a plugin whose discover rules match wins over Kustomize/Helm detection when the
    // source names no type.
    let discovered: ConfigManagementPlugin | undefined;
    if (!explicit && request.plugins?.some((p) => p.discover !== undefined)) {
      discovered = await discoverPlugin(ctx, request.plugins);
      if (discovered !== undefined) sourceType = 'Plugin';
    }
    const objects = expandLists(await renderAs(sourceType, ctx, options, discovered));
    return { sourceType, objects, warnings: ctx.warnings };
  } catch (err) {
    const where = `render ${shownPath}${sourceType ? ` (${sourceType})` : ''}`;
    if (err instanceof UserError) throw new UserError(err.code, `${where}: ${err.message}`, { cause: err });
    if (isKawaError(err)) throw err;
    // File-system surprises (permissions, a file vanishing) are about the repository, not kawa.
    throw new UserError(errorCodes.RENDER_FAILED, `${where}: ${messageOf(err)}`, { cause: err });
  } finally {
    if (tmpDir !== undefined) await rm(tmpDir, { recursive: true, force: true });
  }
}
