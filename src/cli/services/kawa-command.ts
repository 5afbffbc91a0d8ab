// How the CLI writes a command for the user to run (in hints, notes and --help examples): `kawa …` only
// when `kawa` is on PATH. After `npm ci` it is not, so the printed form must be one that runs as typed:
// `npx kawa …` inside the kawa checkout once built (outside it npx would fetch an unrelated registry
// package, so never there), else the entry point by its absolute path.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from './io.js';

/** What decides the form; gathered from the file system once per PATH and working directory. */
export interface KawaCommandFacts {
  /** An executable `kawa` is in one of PATH's directories. */
  readonly onPath: boolean;
  /** The kawa package directory (where its package.json is), when found. */
  readonly root?: string | undefined;
  /** `<root>/dist/src/cli/main.js` exists (`npm run build` ran). */
  readonly built: boolean;
  /** The working directory. */
  readonly cwd: string;
}

/** A word for a POSIX shell: as is when safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const inside = (dir: string, cwd: string): boolean => {
  const rel = path.relative(dir, cwd);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The words that start kawa here (pure; see the file header for the order). */
export function kawaPrefixFor(facts: KawaCommandFacts): string {
  if (facts.onPath || facts.root === undefined) return 'kawa';
  const inRoot = inside(facts.root, facts.cwd);
  if (facts.built) return inRoot ? 'npx kawa' : `node ${shellQuote(path.join(facts.root, 'dist', 'src', 'cli', 'main.js'))}`;
  // A source checkout that was never built (development, tests): run the TypeScript entry through tsx.
  const main = shellQuote(path.join(facts.root, 'src', 'cli', 'main.ts'));
  return inRoot ? `npx tsx ${main}` : `${shellQuote(path.join(facts.root, 'node_modules', '.bin', 'tsx'))} ${main}`;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Whether `name` resolves through PATH the way a shell would find it. */
export function onPath(name: string, pathValue: string | undefined): boolean {
  return (pathValue ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutableFile(path.join(dir, name)));
}

let rootCache: { root: string | undefined } | undefined;

/** The directory of kawa's package.json, found upwards from this module (src/ or dist/src/). */
export function kawaRoot(): string | undefined {
  if (rootCache !== undefined) return rootCache.root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  let root: string | undefined;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'kawa') {
        root = dir;
        break;
      }
    } catch {
      // no package.json here: keep going up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  rootCache = { root };
  return root;
}

/** The facts for this process: PATH from the CLI's environment (tests pass their own), else the process's. */
export function currentFacts(env: Readonly<Record<string, string | undefined>> = io().env, cwd: string = process.cwd()): KawaCommandFacts {
  const root = kawaRoot();
  return {
    onPath: onPath('kawa', env['PATH'] ?? process.env['PATH']),
    root,
    built: root !== undefined && existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js')),
    cwd,
  };
}

const prefixes = new Map<string, string>();

/** The prefix for the current environment, remembered per PATH and working directory. */
export function kawaPrefix(): string {
  const env = io().env;
  const key = `${env['PATH'] ?? process.env['PATH'] ?? ''}\0${process.cwd()}`;
  let prefix = prefixes.get(key);
  if (prefix === undefined) {
    prefix = kawaPrefixFor(currentFacts(env));
    prefixes.set(key, prefix);
  }
  return prefix;
}

/**
 * A kawa command line to print for the user: `kawaCommand('app set NAME --sync-policy none')` (text
 * kept as written, placeholders included) or `kawaCommand(['app', 'get', name])` (each word quoted for
 * the shell). Use it wherever the CLI tells the user what to run.
 */
export function kawaCommand(args: string | readonly string[], prefix: string = kawaPrefix()): string {
  const rest = typeof args === 'string' ? args.trim() : args.map(shellQuote).join(' ');
  return rest === '' ? prefix : `${prefix} ${rest}`;
}

/**
 * A shell line written with `kawa` as the program (a --help example, possibly a pipeline or `$(kawa …)`)
 * with every command-position `kawa` replaced by the prefix that runs here.
 */
export function withKawaPrefix(line: string, prefix: string = kawaPrefix()): string {
  if (prefix === 'kawa') return line;
  return line.replace(/(^\s*|[|;&(]\s*)kawa(?=\s|$)/g, (_m, before: string) => `${before}${prefix}`);
}
