// Shared setup for the render tests (src/render/*.test.ts): a private copy of src/render/testdata per
// test file, so a test can add files next to the fixtures without touching the checkout, and helpers to
// check what a render gave. Outside src/, so the build never includes it.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RenderedObject } from '../../src/render/index.js';

const testdata = fileURLToPath(new URL('../../src/render/testdata', import.meta.url));

/**
 * Copies src/render/testdata to a fresh temp directory (named `kawa-render-<name>-…`) before the test
 * file's tests and removes it after them. `ready` gets the directory once it exists.
 */
export function useTestdataCopy(name: string, ready: (dir: string) => void): void {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `kawa-render-${name}-`));
    await cp(testdata, dir, { recursive: true });
    ready(dir);
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
}

/** Writes `contents` (file name → text, names may hold `/`) under `root/dir`; returns `dir`. */
export async function writeFiles(root: string, dir: string, contents: Record<string, string>): Promise<string> {
  const abs = path.join(root, dir);
  await mkdir(abs, { recursive: true });
  for (const [name, text] of Object.entries(contents)) {
    await mkdir(path.dirname(path.join(abs, name)), { recursive: true });
    await writeFile(path.join(abs, name), text);
  }
  return dir;
}

/** Expects a render to fail with `code` and, when given, a message equal to or matching `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    await promise;
  } catch (err) {
    error = err as { code?: unknown; message?: unknown };
  }
  expect(error, 'the render should fail').toBeDefined();
  expect(error?.code).toBe(code);
  if (typeof message === 'string') expect(error?.message).toBe(message);
  else if (message) expect(error?.message).toMatch(message);
}

/** `Kind/name` of each object, in order. */
export const names = (objects: readonly RenderedObject[]): string[] => objects.map(({ object }) => `${object.kind}/${String(object.metadata?.['name'])}`);

/** The first object of `kind`; throws when there is none. */
export const find = (objects: readonly RenderedObject[], kind: string): Record<string, unknown> => {
  const found = objects.find((o) => o.object.kind === kind);
  if (!found) throw new Error(`no ${kind}`);
  return found.object;
};
