// Directory sources: plain `.yaml`/`.yml`/`.json` manifests and `.jsonnet` programs, found the way Argo
// CD finds them (a walk in byte order, subdirectories only with `recurse`, `include`/`exclude` globs
// over the path relative to the app directory), each file read through the safety checks.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorCodes } from '../errors.js';
import { compareNames, GlobSyntaxError, globToRegExp } from './glob.js';
import { renderJsonnetFile } from './jsonnet.js';
import { checkObject, invalidManifest, isRecord, parseJsonManifest, readYamlStream, type YamlDocument } from './manifests.js';
import { readRepoFile, repoRelative, resolveInside } from './safety.js';
import { describeOrigin, type DirectoryOptions, type Origin, type RenderContext, type RenderedObject } from './types.js';

/** Argo CD's extension filter: only these files are looked at. */
const MANIFEST_FILE = /\.(yaml|yml|json|jsonnet)$/;

/** A file holding this text anywhere is skipped (Argo CD's opt-out for manifest-like files). */
export const SKIP_FILE_MARKER = '+argocd:skip-file-rendering';

function compileFilter(pattern: string | undefined, field: string): RegExp | undefined {
  if (pattern === undefined || pattern === '') return undefined;
  try {
    return globToRegExp(pattern, { segments: false });
  } catch (err) {
    if (err instanceof GlobSyntaxError) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `directory.${field}: ${err.message}`);
    throw err;
  }
}

/**
 * Candidate files, relative to `dir` with `/` separators, in the order of Go's filepath.Walk: each
 * directory's entries sorted by bytes, subdirectories entered where they sort. Symlinks are listed as
 * files (never entered), as Argo CD does.
 */
async function listCandidates(dir: string, recurse: boolean): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => compareNames(a.name, b.name));
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (recurse && entry.name !== '.git') await visit(child);
      } else if (MANIFEST_FILE.test(entry.name)) {
        out.push(child);
      }
    }
  };
  await visit('');
  return out;
}

/** Whether a file that failed to parse was meant as a manifest (then it is an error) or is unrelated YAML. */
function looksLikeManifest(text: string, documents: readonly YamlDocument[]): boolean {
  if (text.includes('apiVersion:') && text.includes('kind:') && text.includes('metadata:')) return true;
  return documents.some((doc) => isRecord(doc.value) && ('apiVersion' in doc.value || 'kind' in doc.value));
}

/**
 * Objects of one YAML file. A file where no document is a manifest (a CI config, a values file) is
 * skipped with a warning, as Argo CD skips it; a file that looks like manifests must be entirely valid.
 */
function yamlObjects(ctx: RenderContext, text: string, shown: string): RenderedObject[] {
  const stream = readYamlStream(text, shown);
  const objects: RenderedObject[] = [];
  let problem: string | undefined;
  for (const doc of stream.documents) {
    if (doc.value === null) continue;
    const origin: Origin = { file: shown, document: doc.document, line: doc.line };
    try {
      objects.push({ object: checkObject(doc.value, describeOrigin(origin)), origin });
    } catch (err) {
      problem = (err as Error).message;
      break;
    }
  }
  if (problem === undefined && stream.error) problem = `${shown}:${stream.error.line}: ${stream.error.message}`;
  if (problem === undefined) return objects;
  if (looksLikeManifest(text, stream.documents)) throw invalidManifest(problem);
  ctx.warnings.push(`${shown}: skipped, not a Kubernetes manifest (${problem})`);
  return [];
}

export async function renderDirectory(ctx: RenderContext, options: DirectoryOptions = {}): Promise<RenderedObject[]> {
  const include = compileFilter(options.include, 'include');
  const exclude = compileFilter(options.exclude, 'exclude');
  const out: RenderedObject[] = [];
  for (const rel of await listCandidates(ctx.appDir, options.recurse === true)) {
    if (exclude?.test(rel) === true || (include !== undefined && !include.test(rel))) continue;
    const lexical = path.join(ctx.appDir, rel);
    const shown = repoRelative(ctx.root, lexical);
    ctx.budget.remainingMs(shown);
    const real = await resolveInside(ctx.root, lexical, shown);
    if (real === undefined) {
      ctx.warnings.push(`${shown}: skipped, symlink to a file that does not exist`);
      continue;
    }
    if (!(await stat(real)).isFile()) {
      ctx.warnings.push(`${shown}: skipped, not a regular file`);
      continue;
    }
    const text = await readRepoFile(ctx.root, real, ctx.budget);
    if (text.includes(SKIP_FILE_MARKER)) continue;
    if (rel.endsWith('.jsonnet')) {
      out.push(...(await renderJsonnetFile(ctx, real, text, shown, options)));
    } else if (rel.endsWith('.json')) {
      const origin: Origin = { file: shown, document: 1, line: 1 };
      out.push({ object: checkObject(parseJsonManifest(text, shown), describeOrigin(origin)), origin });
    } else {
      out.push(...yamlObjects(ctx, text, shown));
    }
  }
  return out;
}
