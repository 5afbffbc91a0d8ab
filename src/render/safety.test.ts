import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors.js';
import { decodeText, findEscapingSymlink, isInside, RenderBudget } from './safety.js';

describe('RenderBudget', () => {
  it('counts time from its creation and bytes across charges', () => {
    let now = 1000;
    const budget = new RenderBudget(100, 10, () => now);
    now = 1060;
    expect(budget.remainingMs('x')).toBe(40);
    now = 1100;
    expect(() => budget.remainingMs('helm template c')).toThrow(expect.objectContaining({ code: errorCodes.RENDER_TIMEOUT, message: 'helm template c: render took longer than the 100 ms limit' }));
    budget.charge(6, 'a');
    expect(() => {
      budget.charge(5, 'b');
    }).toThrow(expect.objectContaining({ code: errorCodes.RENDER_TOO_LARGE, message: 'b: rendered output is over the 10-byte cap' }));
  });

  it('does not charge the time of work it excludes (a first-use renderer build) to the render', async () => {
    let now = 1000;
    const budget = new RenderBudget(100, 10, () => now);
    now = 1030;
    await budget.excluding(
      Promise.resolve().then(() => {
        now = 61_030; // a build that took a minute
      }),
    );
    expect(budget.remainingMs('helm template c')).toBe(70);
  });

  it('gives the excluded time back even when the excluded work fails', async () => {
    let now = 0;
    const budget = new RenderBudget(100, 10, () => now);
    await expect(
      budget.excluding(
        Promise.resolve().then(() => {
          now = 5_000;
          throw new Error('go build failed');
        }),
      ),
    ).rejects.toThrow('go build failed');
    expect(budget.remainingMs('x')).toBe(100);
  });
});

describe('paths', () => {
  it.each([
    ['/r', '/r', true],
    ['/r', '/r/a/b', true],
    ['/r', '/r2', false],
    ['/r', '/', false],
    ['/r', '/r/..a', true],
  ])('isInside(%s, %s) is %s', (root, p, expected) => {
    expect(isInside(root, p)).toBe(expected);
  });

  it('finds a symlink out of the repository, also behind a symlinked directory', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kawa-safety-'));
    try {
      await mkdir(path.join(root, 'chart/templates'), { recursive: true });
      await mkdir(path.join(root, 'shared'));
      await writeFile(path.join(root, 'chart/templates/a.yaml'), '');
      await symlink('../shared', path.join(root, 'chart/shared'));
      await symlink('../nowhere', path.join(root, 'chart/dangling'));
      expect(await findEscapingSymlink(root, path.join(root, 'chart'))).toBeUndefined();
      await symlink('/etc/passwd', path.join(root, 'shared/passwd'));
      expect(await findEscapingSymlink(root, path.join(root, 'chart'))).toBe('chart/shared/passwd');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('decodes byte-order marks as Go tools do', () => {
    expect(decodeText(Buffer.from('\uFEFFa: 1', 'utf8'))).toBe('a: 1');
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a: 1', 'utf16le')]))).toBe('a: 1');
  });
});
