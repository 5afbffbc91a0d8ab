// The image driver's decisions that need no build: missing build tools, the rootfs recipe, when dist/ is
// rebuilt, and what the test archives are keyed on.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorCodes } from '../../src/errors.js';
import { projectRoot } from '../../src/tools/pins.js';
import { distIsStale, imageInputsHash, loadImagePins, mmdebstrapArgs, requireCommands } from './build.js';

describe('requireCommands', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  it('names every missing command with the apt package that provides it', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    await expect(requireCommands({ mmdebstrap: 'mmdebstrap', buildah: 'buildah' })).rejects.toMatchObject({
      code: errorCodes.TOOL_MISSING,
      message: expect.stringContaining('mmdebstrap (apt-get install -y mmdebstrap), buildah (apt-get install -y buildah)') as unknown,
    });
  });
  it('passes when they are on PATH', async () => {
    await expect(requireCommands({ sh: 'dash' })).resolves.toBeUndefined();
  });
});

describe('mmdebstrapArgs', () => {
  it('builds the pinned suite with the pinned packages, without docs, with the user made by a hook', () => {
    const pins = loadImagePins(projectRoot());
    const args = mmdebstrapArgs(pins, '/out/rootfs.tar');
    expect(args.slice(-2)).toEqual([pins.debian.suite, '/out/rootfs.tar']);
    expect(args).toContain(`--include=${pins.debian.include.join(',')}`);
    expect(args).toContain('--dpkgopt=path-exclude=/usr/share/doc/*');
    expect(args).toContain('--dpkgopt=path-include=/usr/share/doc/*/copyright');
    expect(args.filter((a) => a.startsWith('--customize-hook=')).join('\n')).toContain(`--uid ${pins.user.uid}`);
  });
});

describe('inputs of the image', () => {
  let root: string;
  const put = async (file: string, text: string): Promise<void> => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  };
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kawa-image-inputs-'));
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'tools/cluster/versions.json', 'tools/image/versions.json', 'src/a.ts', 'ui/src/b.tsx']) {
      await put(file, file);
    }
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('hash the sources, UI, lockfile and pins, not tests or build output', async () => {
    const before = await imageInputsHash(root);
    await put('src/a.test.ts', 'a test');
    await put('ui/dist/index.html', 'built');
    await put('dist/src/a.js', 'built');
    expect(await imageInputsHash(root)).toBe(before);
    for (const file of ['src/a.ts', 'ui/src/b.tsx', 'package-lock.json', 'tools/cluster/versions.json', 'tools/image/build.ts']) {
      const previous = await imageInputsHash(root);
      await put(file, `${file} changed`);
      expect(await imageInputsHash(root), file).not.toBe(previous);
    }
  });

  it('dist/ is stale when missing or older than a source, fresh otherwise', async () => {
    expect(await distIsStale(root)).toBe(true);
    await put('dist/src/cli/main.js', '');
    await put('ui/dist/index.html', '');
    const past = new Date(Date.now() - 60_000);
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/a.ts', 'ui/src/b.tsx']) await utimes(path.join(root, file), past, past);
    expect(await distIsStale(root)).toBe(false);
    // A test file does not go into dist/.
    await put('src/a.test.ts', 'newer');
    expect(await distIsStale(root)).toBe(false);
    await put('src/a.ts', 'newer');
    expect(await distIsStale(root)).toBe(true);
  });
});
