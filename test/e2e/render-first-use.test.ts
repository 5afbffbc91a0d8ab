// A fresh machine has no renderer built: `kawa render` (and so the controller, the API server and the
// repo server, which share src/render/tools.ts) builds the pinned renderer on first use, says so in one
// line, and renders. The build goes to an empty KAWA_CACHE_DIR; Go's own module and build caches are
// warm after the test setup, so this relinks jsonnet in seconds rather than compiling it afresh.
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGroup, loadPins } from '../../src/tools/pins.js';
import { spawnKawa } from '../harness/roles.js';

const root = path.resolve(import.meta.dirname, '../..');

async function kawa(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnKawa(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('a renderer missing from the cache', () => {
  let cache = '';
  let app = '';
  beforeAll(async () => {
    cache = await mkdtemp(path.join(tmpdir(), 'kawa-first-use-'));
    app = await mkdtemp(path.join(tmpdir(), 'kawa-first-use-app-'));
    await writeFile(path.join(app, 'main.jsonnet'), "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first-use' }, data: { built: 'yes' } }\n");
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
    await rm(app, { recursive: true, force: true });
  });

  it('is built on first use, with a one-line progress message, and the render succeeds', async () => {
    const version = findGroup(loadPins(root), 'jsonnet').version;
    const binary = path.join(cache, 'bin', `jsonnet-${version}`);
    await expect(access(binary)).rejects.toThrow();

    const env = { ...process.env, KAWA_CACHE_DIR: cache };
    const first = await kawa(['render', app, '--root', app, '-o', 'json'], env);
    expect(first.stderr).toContain(`jsonnet ${version} is not built yet: building it from the Go module proxy on first use`);
    expect(first.code, first.stderr).toBe(0);
    const list = JSON.parse(first.stdout) as { items: { metadata: { name: string } }[] };
    expect(list.items.map((o) => o.metadata.name)).toEqual(['first-use']);
    await access(binary);

    // The second render uses the cached build and says nothing about building.
    const second = await kawa(['render', app, '--root', app, '-o', 'json'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('not built yet');
    expect(second.stdout).toBe(first.stdout);
  }, 600_000);
});
