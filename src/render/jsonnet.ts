// Jsonnet files of a directory source, evaluated by the pinned `jsonnet` binary with the source's TLAs,
// external variables and library paths. Jsonnet can read any file through `import`, `importstr` and
// `importbin`, so before evaluating, every import reachable from the file (and from code-valued
// variables) is resolved the way go-jsonnet resolves it and must stay inside the repository.
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorCodes } from '../errors.js';
import { envsubst } from './envsubst.js';
import { checkObject } from './manifests.js';
import { repoRelative, resolveInside } from './safety.js';
import { runTool, toolEnv } from './tools.js';
import { describeOrigin, type DirectoryOptions, type JsonnetVar, type Origin, type RenderContext, type RenderedObject } from './types.js';

export type ImportKind = 'import' | 'importstr' | 'importbin';

export interface JsonnetImport {
  kind: ImportKind;
  path: string;
  line: number;
}

const IMPORT_KEYWORDS = new Set<string>(['import', 'importstr', 'importbin']);
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function importError(file: string, line: number, message: string): UserError {
  return new UserError(errorCodes.RENDER_FAILED, `${file}:${line}: ${message}`);
}

/**
 * The imports of a Jsonnet program, found by a small lexer that knows comments and all string forms
 * (quoted, verbatim `@"…"`, text blocks `|||`), so an import inside a string or comment is not one.
 * Jsonnet only allows a string literal after an import keyword; anything else is refused.
 */
export function scanImports(source: string, file: string): JsonnetImport[] {
  const found: JsonnetImport[] = [];
  let pending: ImportKind | undefined;
  let pendingLine = 0;
  let line = 1;
  let i = 0;
  const takeString = (value: string): void => {
    if (pending !== undefined) found.push({ kind: pending, path: value, line: pendingLine });
    pending = undefined;
  };
  const notAString = (): void => {
    if (pending !== undefined) throw importError(file, pendingLine, `${pending} must be followed by a string literal`);
  };
  while (i < source.length) {
    const c = source.charAt(i);
    const next = source.charAt(i + 1);
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && next === '/')) {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      for (let k = i; k < stop; k++) if (source.charAt(k) === '\n') line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      while (j < source.length && source.charAt(j) !== c) {
        const ch = source.charAt(j);
        if (ch === '\n') line++;
        if (ch === '\\') {
          const e = source.charAt(j + 1);
          if (e === 'u') {
            value += String.fromCharCode(Number.parseInt(source.slice(j + 2, j + 6), 16));
            j += 6;
          } else {
            value += ESCAPES[e] ?? e;
            j += 2;
          }
        } else {
          value += ch;
          j++;
        }
      }
      i = j + 1;
      takeString(value);
    } else if (c === '@' && (next === '"' || next === "'")) {
      let value = '';
      let j = i + 2;
      for (;;) {
        const ch = source.charAt(j);
        if (j >= source.length) break;
        if (ch === next && source.charAt(j + 1) === next) {
          value += next;
          j += 2;
        } else if (ch === next) {
          break;
        } else {
          if (ch === '\n') line++;
          value += ch;
          j++;
        }
      }
      i = j + 1;
      takeString(value);
    } else if (source.startsWith('|||', i)) {
      const block = readTextBlock(source, i);
      line += block.lines;
      i = block.end;
      takeString(block.value);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_]/.test(source.charAt(j))) j++;
      const word = source.slice(i, j);
      notAString();
      if (IMPORT_KEYWORDS.has(word)) {
        pending = word as ImportKind;
        pendingLine = line;
      }
      i = j;
    } else {
      notAString();
      i++;
    }
  }
  notAString();
  return found;
}

/** A `|||` text block starting at `start`: its value, where it ends, how many newlines it spans. */
function readTextBlock(source: string, start: number): { value: string; end: number; lines: number } {
  let j = start + 3;
  const chomp = source.charAt(j) === '-';
  if (chomp) j++;
  while (source.charAt(j) === ' ' || source.charAt(j) === '\t' || source.charAt(j) === '\r') j++;
  if (source.charAt(j) !== '\n') return { value: '', end: j, lines: 0 }; // not a text block; jsonnet will say so
  j++;
  let lines = 1;
  let k = j;
  while (source.charAt(k) === ' ' || source.charAt(k) === '\t') k++;
  const indent = source.slice(j, k);
  if (indent === '') return { value: '', end: j, lines };
  let value = '';
  while (j < source.length) {
    if (source.startsWith(indent, j)) {
      const eol = source.indexOf('\n', j);
      const stop = eol === -1 ? source.length : eol + 1;
      value += source.slice(j + indent.length, stop);
      j = stop;
      lines++;
    } else if (source.charAt(j) === '\n') {
      value += '\n';
      j++;
      lines++;
    } else {
      let t = j;
      while (source.charAt(t) === ' ' || source.charAt(t) === '\t') t++;
      if (source.startsWith('|||', t)) j = t + 3;
      break;
    }
  }
  return { value: chomp ? value.replace(/\n$/, '') : value, end: j, lines };
}

interface ImportCheck {
  root: string;
  /** Library search directories, lowest priority first (go-jsonnet searches them last to first). */
  jpaths: readonly string[];
  seen: Set<string>;
}

/** Where go-jsonnet finds `imported` from a file in `fromDir`: the importing directory, then the jpaths. */
async function locateImport(check: ImportCheck, fromDir: string, imported: string): Promise<string | undefined> {
  const candidates = [fromDir, ...[...check.jpaths].reverse()].map((dir) => path.join(dir, imported));
  for (const candidate of candidates) {
    try {
      await realpath(candidate);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

async function checkImports(check: ImportCheck, source: string, shown: string, fromDir: string): Promise<void> {
  for (const imp of scanImports(source, shown)) {
    const where = `${shown}:${imp.line}: ${imp.kind} "${imp.path}"`;
    if (path.isAbsolute(imp.path)) {
      throw new UserError(errorCodes.RENDER_PATH_ESCAPE, `${where}: absolute import paths are not allowed`);
    }
    const found = await locateImport(check, fromDir, imp.path);
    if (found === undefined) continue; // jsonnet reports the missing file itself
    const real = await resolveInside(check.root, found, where);
    if (real === undefined || imp.kind !== 'import' || check.seen.has(found)) continue;
    check.seen.add(found);
    await checkImports(check, await readFile(real, 'utf8'), repoRelative(check.root, found), path.dirname(found));
  }
}

function varArgs(flag: 'ext' | 'tla', vars: readonly JsonnetVar[] | undefined, env: Readonly<Record<string, string>>): string[] {
  const args: string[] = [];
  for (const v of vars ?? []) {
    if (v.name === '' || v.name.includes('=')) {
      throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `jsonnet ${flag === 'ext' ? 'extVars' : 'tlas'}: invalid name "${v.name}"`);
    }
    args.push(`--${flag}-${v.code === true ? 'code' : 'str'}`, `${v.name}=${envsubst(v.value, env)}`);
  }
  return args;
}

/** Library directories: relative to the repository root (as in Argo CD), and inside it. */
async function resolveLibs(ctx: RenderContext, libs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const lib of libs) {
    const real = await resolveInside(ctx.root, path.join(ctx.root, lib), `jsonnet lib "${lib}"`);
    if (real === undefined) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `jsonnet lib "${lib}" does not exist in the repository`);
    out.push(real);
  }
  return out;
}

/**
 * Evaluates one `.jsonnet` file into objects. `file` is its real path, `source` its text (already read
 * through the safety checks), `rel` names it in messages.
 */
export async function renderJsonnetFile(
  ctx: RenderContext,
  file: string,
  source: string,
  rel: string,
  options: DirectoryOptions,
): Promise<RenderedObject[]> {
  const jsonnet = options.jsonnet ?? {};
  const jpaths = [ctx.appDir, ...(await resolveLibs(ctx, jsonnet.libs ?? []))];
  const check: ImportCheck = { root: ctx.root, jpaths, seen: new Set() };
  await checkImports(check, source, rel, path.dirname(file));
  // Code-valued variables are Jsonnet too; go-jsonnet resolves their relative imports from the working directory.
  for (const v of [...(jsonnet.extVars ?? []), ...(jsonnet.tlas ?? [])]) {
    if (v.code === true) await checkImports(check, envsubst(v.value, ctx.buildEnv), `jsonnet variable ${v.name}`, ctx.appDir);
  }

  const args = [
    ...jpaths.flatMap((dir) => ['-J', dir]),
    ...varArgs('ext', jsonnet.extVars, ctx.buildEnv),
    ...varArgs('tla', jsonnet.tlas, ctx.buildEnv),
    file,
  ];
  const env = toolEnv(ctx.tmpDir, { JSONNET_PATH: '' });
  const out = await runTool('jsonnet', args, { cwd: ctx.appDir, env, budget: ctx.budget, display: `jsonnet ${rel}`, tools: ctx.tools });

  let value: unknown;
  try {
    value = JSON.parse(out);
  } catch (err) {
    throw new UserError(errorCodes.RENDER_INVALID_MANIFEST, `${rel}: jsonnet output is not JSON: ${(err as Error).message}`);
  }
  if (value === null) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.map((item, k) => {
    const origin: Origin = { file: rel, document: k + 1 };
    return { object: checkObject(item, describeOrigin(origin)), origin };
  });
}
