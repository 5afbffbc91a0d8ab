// Helm sources: `helm template` on a chart in the repository, with the Application's values and
// parameters applied as Argo CD applies them. Helm runs with private HELM_* homes (no repositories,
// plugins or registry logins of the user), and every file handed to it must be inside the repository.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorCodes } from '../errors.js';
import { chartWithDependencies } from './charts/dependencies.js';
import { envsubst } from './envsubst.js';
import { expandGlob, globBase, GlobSyntaxError, hasGlobSyntax } from './glob.js';
import { objectsFromToolOutput } from './manifests.js';
import { assertNoEscapingSymlinks, isInside, repoRelative, resolveInside } from './safety.js';
import { runTool, toolEnv } from './tools.js';
import type { HelmOptions, RenderContext, RenderedObject } from './types.js';

/** Helm's own default release name for `helm template`. */
const DEFAULT_RELEASE_NAME = 'release-name';

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;

function invalid(message: string): UserError {
  return new UserError(errorCodes.RENDER_INVALID_SOURCE, message);
}

/**
 * Where a values-file path points: `$ref/…` into another source of the app, `/…` from the repository
 * root, else from the chart. A `$NAME` that is no source's ref is a variable, as in Argo CD.
 */
function valueFileBase(ctx: RenderContext, raw: string): { root: string; base: string; rel: string } {
  if (raw.startsWith('$')) {
    const slash = raw.indexOf('/');
    const refRoot = ctx.refs?.[raw.slice(1, slash === -1 ? undefined : slash)];
    if (refRoot !== undefined) return { root: refRoot, base: refRoot, rel: envsubst(slash === -1 ? '' : raw.slice(slash + 1), ctx.buildEnv) };
  }
  const p = envsubst(raw, ctx.buildEnv);
  if (p.startsWith('/')) return { root: ctx.root, base: ctx.root, rel: p.replace(/^\/+/, '') };
  return { root: ctx.root, base: ctx.appDir, rel: p };
}

/** The values files to pass, in order: each inside its repository, globs expanded (doublestar order). */
async function resolveValueFiles(ctx: RenderContext, options: HelmOptions): Promise<string[]> {
  const ignoreMissing = options.ignoreMissingValueFiles === true;
  const entries: { raw: string; root: string; base: string; rel: string; glob: boolean }[] = [];
  for (const raw of options.valueFiles ?? []) {
    if (REMOTE.test(raw)) {
      throw new UserError(errorCodes.RENDER_UNSUPPORTED, `helm.valueFiles: "${raw}": values files from URLs are refused`);
    }
    const where = valueFileBase(ctx, raw);
    if (where.rel.includes('\0')) throw invalid(`helm.valueFiles: "${raw}" contains a NUL byte`);
    entries.push({ raw, ...where, glob: hasGlobSyntax(where.rel) });
  }

  // A file named explicitly keeps its own position even when a glob earlier in the list also matches it.
  const explicit = new Set<string>();
  for (const e of entries) if (!e.glob) explicit.add(path.resolve(e.base, e.rel));

  const out: string[] = [];
  const added = new Set<string>();
  for (const e of entries) {
    const shown = `helm.valueFiles: "${e.raw}"`;
    if (!e.glob) {
      const real = await resolveInside(e.root, path.resolve(e.base, e.rel), shown);
      if (real === undefined) {
        if (ignoreMissing) continue;
        throw invalid(`${shown} does not exist`);
      }
      if (!(await stat(real)).isFile()) throw invalid(`${shown} is not a file`);
      out.push(real);
      continue;
    }
    if (!isInside(e.root, path.resolve(e.base, globBase(e.rel)))) {
      throw new UserError(errorCodes.RENDER_PATH_ESCAPE, `${shown} leads outside the repository`);
    }
    let matches: string[];
    try {
      matches = await expandGlob(e.base, e.rel);
    } catch (err) {
      if (err instanceof GlobSyntaxError) throw invalid(`${shown}: ${err.message}`);
      throw err;
    }
    let used = 0;
    for (const match of matches) {
      const lexical = path.resolve(e.base, match);
      if (explicit.has(lexical) || added.has(lexical)) continue;
      const real = await resolveInside(e.root, lexical, `${shown} matched ${match}, which`);
      if (real === undefined) continue;
      added.add(lexical);
      out.push(real);
      used++;
    }
    if (used === 0 && matches.length === 0 && !ignoreMissing) throw invalid(`values file glob "${e.raw}" matched no files`);
  }
  return out;
}

/**
 * Commas separate values in `--set`; Argo CD escapes them so a parameter stays one value, except for a
 * `{a,b}` list, which is Helm's list syntax.
 */
export function escapeSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  return value.replace(/(?<!\\),/g, '\\,');
}

function parameterArgs(ctx: RenderContext, options: HelmOptions): string[] {
  // Later parameters with the same name win, as in Argo CD.
  const byName = new Map<string, { value: string; forceString: boolean }>();
  (options.parameters ?? []).forEach((p, i) => {
    const name = p.name ?? '';
    if (name === '' || name.includes('=')) throw invalid(`helm.parameters[${i}].name: invalid name "${name}"`);
    byName.delete(name);
    byName.set(name, { value: envsubst(p.value ?? '', ctx.buildEnv), forceString: p.forceString === true });
  });
  return [...byName].map(([name, p]) => `${p.forceString ? '--set-string' : '--set'}=${name}=${escapeSetValue(p.value)}`);
}

async function fileParameterArgs(ctx: RenderContext, options: HelmOptions): Promise<string[]> {
  const args: string[] = [];
  for (const [i, p] of (options.fileParameters ?? []).entries()) {
    const name = p.name ?? '';
    if (name === '' || name.includes('=')) throw invalid(`helm.fileParameters[${i}].name: invalid name "${name}"`);
    const raw = envsubst(p.path ?? '', ctx.buildEnv);
    if (REMOTE.test(raw)) throw new UserError(errorCodes.RENDER_UNSUPPORTED, `helm.fileParameters[${i}].path: "${raw}": files from URLs are refused`);
    const base = raw.startsWith('/') ? ctx.root : ctx.appDir;
    const shown = `helm.fileParameters[${i}].path "${raw}"`;
    const real = await resolveInside(ctx.root, path.resolve(base, raw.replace(/^\/+/, '')), shown);
    if (real === undefined) throw invalid(`${shown} does not exist`);
    args.push(`--set-file=${name}=${real}`);
  }
  return args;
}

export async function renderHelm(ctx: RenderContext, options: HelmOptions = {}): Promise<RenderedObject[]> {
  const chartRel = repoRelative(ctx.root, ctx.appDir);
  await assertNoEscapingSymlinks(ctx.root, ctx.appDir, 'helm reads the files of a chart through symlinks');
  // Dependencies missing from charts/ are built in a private copy; otherwise the chart is used in place.
  const chartDir = await chartWithDependencies(ctx, chartRel, ctx.chartRepositories);

  const home = path.join(ctx.tmpDir, 'helm');
  const args = ['template'];
  const namespace = options.namespace || ctx.namespace;
  if (namespace) args.push(`--namespace=${namespace}`);
  const kubeVersion = options.kubeVersion || ctx.kubeVersion;
  if (kubeVersion) args.push(`--kube-version=${kubeVersion}`);
  const apiVersions = options.apiVersions?.length ? options.apiVersions : (ctx.apiVersions ?? []);
  for (const api of apiVersions) args.push(`--api-versions=${api}`);

  for (const file of await resolveValueFiles(ctx, options)) args.push(`--values=${file}`);
  // valuesObject wins over values; either is written to a private file passed after the values files.
  const inline = options.valuesObject !== undefined ? JSON.stringify(options.valuesObject) : (options.values ?? '');
  if (inline.trim() !== '') {
    await mkdir(home, { recursive: true });
    const file = path.join(home, 'inline-values.yaml');
    await writeFile(file, inline, { mode: 0o600 });
    args.push(`--values=${file}`);
  }
  args.push(...parameterArgs(ctx, options), ...(await fileParameterArgs(ctx, options)));
  // Argo CD includes the chart's crds/ unless told to skip them (`--skip-crds` alone leaves them out of `template`).
  args.push(options.skipCrds === true ? '--skip-crds' : '--include-crds');
  if (options.skipTests === true) args.push('--skip-tests');
  if (options.skipSchemaValidation === true) args.push('--skip-schema-validation');
  // `--` ends the flags, so a release name can never be read as one.
  args.push('--', options.releaseName || ctx.appName || DEFAULT_RELEASE_NAME, chartDir);

  const env = toolEnv(ctx.tmpDir, {
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  });
  const display = `helm template ${chartRel}`;
  const out = await runTool('helm', args, { cwd: ctx.appDir, env, budget: ctx.budget, display, tools: ctx.tools });
  return objectsFromToolOutput(out, display);
}
