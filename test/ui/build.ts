// Builds ui/dist for the browser tests and the UI benchmark when it is missing or older than the UI's
// sources. Kept apart from harness.ts so that bench/ui.ts can use it without vitest.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const UI_DIST = join(ROOT, 'ui/dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds ui/dist when it is missing or older than the UI's sources. */
export function ensureUiBuilt(): void {
  const index = join(UI_DIST, 'index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'ui/src')), statSync(join(ROOT, 'ui/index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync('npx', ['vite', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}
