// Kustomize sources: `kustomize build` on the app directory. The Application's overrides are applied
// as Argo CD applies them, with `kustomize edit` commands and an appended `patches` list, but on a copy:
// the checkout is never written. The copy sits in a mirror of the repository whose other entries are
// symlinks to the checkout, so `../base` references keep working without copying the whole repository.
//
// kustomize itself keeps each kustomization's files inside its directory (LoadRestrictionsRootOnly);
// what it does not stop is a `resources` entry naming a directory anywhere on disk, or a URL it would
// fetch. Every path a kustomization reachable from the app names is therefore checked first.
import { cp, lstat, mkdir, readdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { UserError, errorCodes } from '../errors.js';
import { envsubst } from './envsubst.js';
import { isRecord, objectsFromToolOutput, readYamlStream } from './manifests.js';
import { assertNoEscapingSymlinks, isRegularFile, readRepoFile, repoRelative, resolveInside } from './safety.js';
import { runTool, toolEnv } from './tools.js';
import type { KustomizeOptions, KustomizePatch, RenderContext, RenderedObject } from './types.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** The kustomization file name in `dir`, if there is one. */
export async function findKustomization(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    if (await isRegularFile(path.join(dir, name))) return name;
  }
  return undefined;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function recordsOf(value: unknown): Record<string, unknown>[] {
  if (isRecord(value)) return [value];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Every path-valued entry of a kustomization: what kustomize may read or enter. Inline YAML is skipped. */
export function kustomizationReferences(k: Record<string, unknown>): string[] {
  const refs: string[] = [];
  for (const field of ['resources', 'bases', 'components', 'crds', 'configurations', 'generators', 'transformers', 'validators', 'patchesStrategicMerge']) {
    refs.push(...stringsOf(k[field]));
  }
  for (const field of ['patches', 'patchesJson6902', 'replacements', 'openapi']) {
    for (const entry of recordsOf(k[field])) refs.push(...stringsOf(entry['path']));
  }
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    for (const gen of recordsOf(k[field])) {
      // `files` entries may be `key=path`.
      refs.push(...stringsOf(gen['files']).map((f) => f.slice(f.indexOf('=') + 1)));
      refs.push(...stringsOf(gen['envs']), ...stringsOf(gen['env']));
    }
  }
  return refs.filter((r) => r !== '' && !r.includes('\n'));
}

const LOOKS_REMOTE = /:\/\/|^git@|\?ref=|^(github\.com|gitlab\.com|bitbucket\.org)\//;

/**
 * Checks the kustomization in `dir` and, recursively, every directory it names: each path must exist
 * inside the repository. A path that does not exist is refused too, because kustomize would try it as
 * a remote git repository.
 */
async function checkTree(ctx: RenderContext, dir: string, seen: Set<string>): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  const name = await findKustomization(dir);
  if (name === undefined) return; // kustomize reports the missing kustomization itself
  const file = path.join(dir, name);
  const shownFile = repoRelative(ctx.root, file);
  const stream = readYamlStream(await readRepoFile(ctx.root, file, ctx.budget), shownFile);
  const doc = stream.documents[0]?.value;
  if (stream.error || !isRecord(doc)) return; // malformed: kustomize says where
  for (const ref of kustomizationReferences(doc)) {
    const shown = `${shownFile}: "${ref}"`;
    const real = await resolveInside(ctx.root, path.resolve(dir, ref), shown);
    if (real === undefined) {
      if (LOOKS_REMOTE.test(ref)) throw new UserError(errorCodes.RENDER_UNSUPPORTED, `${shown}: remote kustomize resources are not supported yet`);
      throw new UserError(errorCodes.RENDER_FAILED, `${shown} does not exist`);
    }
    if ((await stat(real)).isDirectory()) await checkTree(ctx, real, seen);
  }
}

/**
 * A writable copy of the app directory at the same relative place in a mirror of the repository,
 * whose other entries are symlinks to the checkout. Returns the copy's path.
 */
async function copyForEdit(ctx: RenderContext): Promise<{ mirrorRoot: string; workDir: string }> {
  const rel = path.relative(ctx.root, ctx.appDir);
  const segments = rel === '' ? [] : rel.split(path.sep);
  const mirrorRoot = path.join(ctx.tmpDir, 'repo');
  let src = ctx.root;
  let dst = mirrorRoot;
  for (const segment of segments) {
    await mkdir(dst, { recursive: true });
    for (const entry of await readdir(src)) {
      if (entry !== segment && entry !== '.git') await symlink(path.join(src, entry), path.join(dst, entry));
    }
    src = path.join(src, segment);
    dst = path.join(dst, segment);
  }
  await cp(src, dst, { recursive: true, verbatimSymlinks: true, filter: (from) => path.basename(from) !== '.git' });
  // kustomize edit rewrites the kustomization file in place: a symlinked one would be written through
  // into the checkout, so it becomes a regular file of the copy.
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(dst, name);
    try {
      if (!(await lstat(file)).isSymbolicLink()) continue;
    } catch {
      continue;
    }
    const text = await readFile(file);
    await unlink(file);
    await writeFile(file, text);
  }
  return { mirrorRoot, workDir: dst };
}

function hasEdits(o: KustomizeOptions): boolean {
  return Boolean(
    o.namePrefix ||
      o.nameSuffix ||
      o.images?.length ||
      o.replicas?.length ||
      (o.commonLabels && Object.keys(o.commonLabels).length) ||
      (o.commonAnnotations && Object.keys(o.commonAnnotations).length) ||
      o.namespace ||
      o.patches?.length ||
      o.components?.length,
  );
}

function replicaCount(name: string, count: number | string): number {
  if (typeof count === 'number') return count;
  if (!/^-?\d+$/.test(count.trim())) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `kustomize.replicas: count "${count}" of ${name} is not an integer`);
  return Number.parseInt(count, 10);
}

/** `k:v` arguments in key order (Argo CD's map order is random; kawa's is stable). */
function pairs(map: Readonly<Record<string, string>>, transform: (v: string) => string): string[] {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}:${transform(map[k] ?? '')}`);
}

/** A patch as kustomize's `patches` entry: only the fields Argo CD's typed patch has, empty ones left out. */
function patchEntry(p: KustomizePatch): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  if (p.path) entry['path'] = p.path;
  if (p.patch) entry['patch'] = p.patch;
  const t = p.target;
  if (t) {
    const target: Record<string, string> = {};
    for (const key of ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const) {
      const v = t[key];
      if (v) target[key] = v;
    }
    if (Object.keys(target).length > 0) entry['target'] = target;
  }
  if (p.options && Object.keys(p.options).length > 0) entry['options'] = p.options;
  return entry;
}

async function appendPatches(workDir: string, patches: readonly KustomizePatch[], shown: string): Promise<void> {
  const name = await findKustomization(workDir);
  if (name === undefined) throw new UserError(errorCodes.RENDER_FAILED, `${shown}: kustomize.patches needs a kustomization file`);
  const file = path.join(workDir, name);
  const stream = readYamlStream(await readFile(file, 'utf8'), `${shown}/${name}`);
  const doc = stream.documents[0]?.value ?? {};
  if (stream.error) throw new UserError(errorCodes.RENDER_INVALID_MANIFEST, `${shown}/${name}:${stream.error.line}: ${stream.error.message}`);
  if (!isRecord(doc)) throw new UserError(errorCodes.RENDER_INVALID_MANIFEST, `${shown}/${name}: not a mapping`);
  const existing = doc['patches'] ?? [];
  if (!Array.isArray(existing)) throw new UserError(errorCodes.RENDER_INVALID_MANIFEST, `${shown}/${name}: patches is not a list`);
  doc['patches'] = [...(existing as unknown[]), ...patches.map(patchEntry)];
  // YAML 1.1 output quotes strings Go would read as other types (`y`, `on`, `0777`).
  await writeFile(file, stringify(doc, { version: '1.1' }));
}

/** The Application's components, relative to the kustomization; missing ones dropped when allowed. */
async function components(ctx: RenderContext, o: KustomizeOptions, seen: Set<string>): Promise<string[]> {
  const out: string[] = [];
  for (const c of o.components ?? []) {
    const shown = `kustomize.components: "${c}"`;
    const real = await resolveInside(ctx.root, path.resolve(ctx.appDir, c), shown);
    if (real === undefined) {
      if (o.ignoreMissingComponents === true) continue;
      throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${shown} does not exist`);
    }
    await checkTree(ctx, real, seen);
    out.push(c);
  }
  return out;
}

export async function renderKustomize(ctx: RenderContext, o: KustomizeOptions = {}): Promise<RenderedObject[]> {
  const shown = repoRelative(ctx.root, ctx.appDir);
  await assertNoEscapingSymlinks(ctx.root, ctx.appDir, 'kustomize would read through it');
  const seen = new Set<string>();
  await checkTree(ctx, ctx.appDir, seen);
  for (const [i, p] of (o.patches ?? []).entries()) {
    if (p.path) await resolveInside(ctx.root, path.resolve(ctx.appDir, p.path), `kustomize.patches[${i}].path "${p.path}"`);
  }
  const wanted = await components(ctx, o, seen);

  const env = toolEnv(ctx.tmpDir, { XDG_CONFIG_HOME: path.join(ctx.tmpDir, 'config'), KUSTOMIZE_PLUGIN_HOME: path.join(ctx.tmpDir, 'plugins') });
  let buildDir = ctx.appDir;
  let cwd = ctx.root;
  if (hasEdits(o)) {
    const { mirrorRoot, workDir } = await copyForEdit(ctx);
    buildDir = workDir;
    cwd = mirrorRoot;
    const edit = async (args: string[]): Promise<void> => {
      const what = args.slice(0, 2).join(' ');
      await runTool('kustomize', ['edit', ...args], { cwd: workDir, env, budget: ctx.budget, display: `kustomize edit ${what}`, tools: ctx.tools });
    };
    // Same order as Argo CD: later edits see earlier ones.
    if (o.namePrefix) await edit(['set', 'nameprefix', '--', o.namePrefix]);
    if (o.nameSuffix) await edit(['set', 'namesuffix', '--', o.nameSuffix]);
    if (o.images?.length) await edit(['set', 'image', '--', ...o.images.map((img) => envsubst(img, ctx.buildEnv))]);
    if (o.replicas?.length) await edit(['set', 'replicas', '--', ...o.replicas.map((r) => `${r.name}=${replicaCount(r.name, r.count)}`)]);
    if (o.commonLabels && Object.keys(o.commonLabels).length > 0) {
      const flags = [
        ...(o.forceCommonLabels === true ? ['--force'] : []),
        ...(o.labelWithoutSelector === true ? ['--without-selector'] : []),
        ...(o.labelIncludeTemplates === true ? ['--include-templates'] : []),
      ];
      await edit(['add', 'label', ...flags, '--', ...pairs(o.commonLabels, (v) => envsubst(v, ctx.buildEnv))]);
    }
    if (o.commonAnnotations && Object.keys(o.commonAnnotations).length > 0) {
      const subst = o.commonAnnotationsEnvsubst === true ? (v: string): string => envsubst(v, ctx.buildEnv) : (v: string): string => v;
      await edit(['add', 'annotation', ...(o.forceCommonAnnotations === true ? ['--force'] : []), '--', ...pairs(o.commonAnnotations, subst)]);
    }
    if (o.namespace) await edit(['set', 'namespace', '--', o.namespace]);
    if (o.patches?.length) await appendPatches(workDir, o.patches, shown);
    if (wanted.length > 0) await edit(['add', 'component', '--', ...wanted]);
  }

  const display = `kustomize build ${shown}`;
  const out = await runTool('kustomize', ['build', '--load-restrictor', 'LoadRestrictionsRootOnly', buildDir], {
    cwd,
    env,
    budget: ctx.budget,
    display,
    tools: ctx.tools,
  });
  return objectsFromToolOutput(out, display);
}
