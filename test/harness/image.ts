// The kawa image for tests: `ensureImage()` returns the path of an OCI archive built from the current tree
// by the same code as `npm run image` (tools/image/build.ts). Archives are cached under ~/.cache/kawa/image/
// as kawa-<hash>.oci.tar, keyed by the content of everything the image is made of (src/, ui/, package.json,
// package-lock.json, the pins, tools/image/): a test run whose inputs did not change reuses the archive, and
// concurrent test files share one build (a lock). Run it with test/harness/podman.ts.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../src/tools/pins.js';
import { withLock } from '../../src/util/lock.js';
import { buildImage, imageCacheDir, imageInputsHash } from '../../tools/image/build.js';

/** Label on test images: the inputs hash they were built from. */
export const INPUTS_LABEL = 'dev.kawa.inputs';
/** How many test archives to keep in the cache (each ~150 MB). */
const KEEP_ARCHIVES = 3;

let memo: Promise<string> | undefined;

export interface EnsureImageOptions {
  /** Progress lines of a build (default: stderr, prefixed [image]). */
  log?: (line: string) => void;
}

/**
 * The OCI archive of kawa's image for the current sources, built when no cached archive matches them
 * (a warm build takes about a minute; `npm run build` runs first when dist/ is stale). Memoised per process.
 */
export function ensureImage(options: EnsureImageOptions = {}): Promise<string> {
  memo ??= build(options).catch((err: unknown) => {
    memo = undefined;
    throw err;
  });
  return memo;
}

async function build(options: EnsureImageOptions): Promise<string> {
  const root = projectRoot();
  const log = options.log ?? ((line: string) => process.stderr.write(`[image] ${line}\n`));
  const hash = await imageInputsHash(root);
  const archive = path.join(imageCacheDir(), `kawa-${hash.slice(0, 16)}.oci.tar`);
  if (await exists(archive)) return archive;
  return withLock(`${archive}.lock`, async () => {
    if (await exists(archive)) return archive;
    log(`no cached image for inputs ${hash.slice(0, 16)}: building ${archive}`);
    const result = await buildImage({ root, output: archive, labels: { [INPUTS_LABEL]: hash }, log });
    log(`built in ${result.seconds.toFixed(0)}s`);
    await pruneArchives(archive);
    return archive;
  });
}

/** Drops all but the newest few test archives. */
async function pruneArchives(keep: string): Promise<void> {
  const dir = path.dirname(keep);
  const archives: { file: string; mtime: number }[] = [];
  for (const name of await readdir(dir)) {
    if (!/^kawa-[0-9a-f]{16}\.oci\.tar$/.test(name)) continue;
    const file = path.join(dir, name);
    archives.push({ file, mtime: (await stat(file)).mtimeMs });
  }
  archives.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of archives.slice(KEEP_ARCHIVES)) if (file !== keep) await rm(file, { force: true });
}

/**
 * Whether this test run may use the image: a run without file filters, or one naming an image or install test.
 * Filters are read from the command line (vitest does not expose them to a global setup); a filter this misses
 * only means the image is built lazily, by the first test that needs it.
 */
export function runMayNeedImage(argv: readonly string[] = process.argv): boolean {
  const filters = argv.slice(2).filter((arg) => !arg.startsWith('-') && (arg.includes('/') || arg.endsWith('.ts')));
  return filters.length === 0 || filters.some((f) => /image|install/.test(f));
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
