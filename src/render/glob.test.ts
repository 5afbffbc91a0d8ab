import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob, globBase, globToRegExp } from './glob.js';

const matches = (pattern: string, text: string, segments: boolean): boolean => globToRegExp(pattern, { segments }).test(text);

describe('globToRegExp', () => {
  it.each([
    // Argo CD's include/exclude: `*` crosses directories.
    ['*.yaml', 'a.yaml', false, true],
    ['*.yaml', 'sub/a.yaml', false, true],
    ['*.yaml', 'a.yml', false, false],
    ['{*.yml,*.yaml}', 'x/a.yml', false, true],
    ['{config.json,env-usw2/*}', 'env-usw2/cm.yaml', false, true],
    ['{config.json,env-usw2/*}', 'env-use2/cm.yaml', false, false],
    ['{a,{b,c}}.yaml', 'c.yaml', false, true],
    ['?.yaml', '/.yaml', false, true],
    ['[ab].yaml', 'b.yaml', false, true],
    ['[!ab].yaml', 'c.yaml', false, true],
    ['[a-c].yaml', 'd.yaml', false, false],
    ['\\*.yaml', '*.yaml', false, true],
    ['\\*.yaml', 'a.yaml', false, false],
    ['a+(b).yaml', 'a+(b).yaml', false, true],
    // Helm valueFiles (doublestar): `*` stays in a segment, `**` spans them.
    ['envs/*.yaml', 'envs/a.yaml', true, true],
    ['envs/*.yaml', 'envs/x/a.yaml', true, false],
    ['envs/**/*.yaml', 'envs/a.yaml', true, true],
    ['envs/**/*.yaml', 'envs/x/y/a.yaml', true, true],
    ['envs/**', 'envs/x/y/a.yaml', true, true],
    ['envs/a**.yaml', 'envs/x/a.yaml', true, false],
    ['?.yaml', '/.yaml', true, false],
  ])('%s against %s (segments %s) is %s', (pattern, text, segments, expected) => {
    expect(matches(pattern, text, segments)).toBe(expected);
  });

  it.each(['{a,b', '[ab'])('refuses the malformed %s', (pattern) => {
    expect(() => globToRegExp(pattern, { segments: false })).toThrow(/unclosed/);
  });

  it('finds the literal directory a pattern starts from', () => {
    expect(globBase('envs/prod/*.yaml')).toBe('envs/prod');
    expect(globBase('../../x/*/y.yaml')).toBe('../../x');
    expect(globBase('*.yaml')).toBe('');
  });
});

describe('expandGlob', () => {
  it("lists each directory's files before its subdirectories, sorted", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kawa-glob-'));
    try {
      for (const f of ['envs/z.yaml', 'envs/a.yaml', 'envs/nested/c.yaml', 'envs/b.txt']) {
        await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
        await writeFile(path.join(dir, f), '');
      }
      expect(await expandGlob(dir, 'envs/**/*.yaml')).toEqual(['envs/a.yaml', 'envs/z.yaml', 'envs/nested/c.yaml']);
      expect(await expandGlob(dir, 'envs/*.yaml')).toEqual(['envs/a.yaml', 'envs/z.yaml']);
      expect(await expandGlob(dir, 'missing/*.yaml')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
