// KAWA_TOOLS_DIR: prebuilt pinned binaries in a read-only directory (the image's /opt/kawa/tools/bin).
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserError, errorCodes } from '../errors.js';
import { exec } from '../util/exec.js';
import { ensureTools } from './build-tools.js';
import { binDir, binaryPath, cacheDir, findGroup, loadPins, pinnedBinary, toolsDirOverride } from './pins.js';

describe('KAWA_TOOLS_DIR', () => {
  let dir: string;
  const pins = loadPins();
  const helm = findGroup(pins, 'helm').version;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kawa-tools-dir-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(dir, { recursive: true, force: true });
  });

  it('is where the pinned binaries are looked up when set (made absolute), the cache otherwise', () => {
    vi.stubEnv('KAWA_TOOLS_DIR', '');
    expect(toolsDirOverride()).toBeUndefined();
    expect(binaryPath('helm', helm)).toBe(path.join(cacheDir(), 'bin', `helm-${helm}`));
    vi.stubEnv('KAWA_TOOLS_DIR', dir);
    expect(binDir()).toBe(dir);
    expect(pinnedBinary(pins, 'helm')).toBe(path.join(dir, `helm-${helm}`));
    vi.stubEnv('KAWA_TOOLS_DIR', path.relative(process.cwd(), dir));
    expect(binDir()).toBe(dir);
  });

  it('serves a renderer that is there: the real pinned helm runs from the directory', async () => {
    // The cache's helm is built by the unit project's global setup (test/harness/tools-setup.ts).
    const source = binaryPath('helm', helm);
    vi.stubEnv('KAWA_TOOLS_DIR', dir);
    await copyFile(source, path.join(dir, `helm-${helm}`));
    const paths = await ensureTools(pins, { only: ['helm'] });
    expect(paths['helm']).toBe(path.join(dir, `helm-${helm}`));
    const { stdout } = await exec(paths['helm'] ?? '', ['version', '--template', '{{.Version}}'], { timeoutMs: 30_000 });
    expect(stdout).toBe(helm);
  });

  it('never builds into it: a missing renderer is a UserError naming the directory and the binary', async () => {
    vi.stubEnv('KAWA_TOOLS_DIR', dir);
    const kustomize = findGroup(pins, 'kustomize').version;
    const attempt = ensureTools(pins, { only: ['kustomize'], log: () => { throw new Error('must not build'); } });
    await expect(attempt).rejects.toThrow(UserError);
    await expect(ensureTools(pins, { only: ['kustomize'] })).rejects.toMatchObject({
      code: errorCodes.TOOL_MISSING,
      message: expect.stringContaining(`KAWA_TOOLS_DIR=${dir} has no executable kustomize-${kustomize}`) as unknown,
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
