// The commands the CLI prints must run as typed: the form follows where kawa can be found, and the
// printed line, run by a real shell without `kawa` on PATH, starts this very CLI.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAWA_VERSION } from '../../version.js';
import { currentFacts, kawaCommand, kawaPrefixFor, kawaRoot, onPath, shellQuote, withKawaPrefix, type KawaCommandFacts } from './kawa-command.js';

const run = promisify(execFile);
const root = '/home/u/kawa';

describe('kawaPrefixFor', () => {
  it.each<[string, KawaCommandFacts, string]>([
    ['kawa on PATH', { onPath: true, root, built: true, cwd: '/tmp' }, 'kawa'],
    ['kawa on PATH, never built', { onPath: true, root, built: false, cwd: root }, 'kawa'],
    ['built, in the checkout', { onPath: false, root, built: true, cwd: root }, 'npx kawa'],
    ['built, in a subdirectory of the checkout', { onPath: false, root, built: true, cwd: `${root}/examples` }, 'npx kawa'],
    ['built, elsewhere (npx would fetch a registry package)', { onPath: false, root, built: true, cwd: '/tmp' }, 'node /home/u/kawa/dist/src/cli/main.js'],
    ['a sibling directory with a longer name is not inside', { onPath: false, root, built: true, cwd: '/home/u/kawa-other' }, 'node /home/u/kawa/dist/src/cli/main.js'],
    ['not built, in the checkout', { onPath: false, root, built: false, cwd: root }, 'npx tsx /home/u/kawa/src/cli/main.ts'],
    ['not built, elsewhere', { onPath: false, root, built: false, cwd: '/tmp' }, '/home/u/kawa/node_modules/.bin/tsx /home/u/kawa/src/cli/main.ts'],
    ['a path with a space is quoted', { onPath: false, root: '/home/u/my kawa', built: true, cwd: '/tmp' }, "node '/home/u/my kawa/dist/src/cli/main.js'"],
    ['no package found', { onPath: false, root: undefined, built: false, cwd: '/tmp' }, 'kawa'],
  ])('%s', (_name, facts, prefix) => {
    expect(kawaPrefixFor(facts)).toBe(prefix);
  });
});

describe('kawaCommand', () => {
  it.each<[string | readonly string[], string, string]>([
    ['app set NAME --sync-policy none', 'npx kawa', 'npx kawa app set NAME --sync-policy none'],
    [['app', 'get', 'guest book'], 'kawa', "kawa app get 'guest book'"],
    [['login', "it's"], 'kawa', `kawa login 'it'\\''s'`],
    ['', 'npx kawa', 'npx kawa'],
  ])('%j with %s', (args, prefix, line) => {
    expect(kawaCommand(args, prefix)).toBe(line);
  });
});

describe('withKawaPrefix', () => {
  it.each([
    ['kawa app sync guestbook', 'npx kawa app sync guestbook'],
    ['kawa app sync guestbook --async && kawa app wait guestbook', 'npx kawa app sync guestbook --async && npx kawa app wait guestbook'],
    ['kawa admin export -n old | kawa admin import - -n new', 'npx kawa admin export -n old | npx kawa admin import - -n new'],
    ['kawa login h --password "$(kawa admin initial-password | head -1)"', 'npx kawa login h --password "$(npx kawa admin initial-password | head -1)"'],
    ['kawa completion fish > ~/.config/fish/completions/kawa.fish', 'npx kawa completion fish > ~/.config/fish/completions/kawa.fish'],
    ['    --helm-set replicaCount=2', '    --helm-set replicaCount=2'],
  ])('%s', (line, expected) => {
    expect(withKawaPrefix(line, 'npx kawa')).toBe(expected);
    expect(withKawaPrefix(line, 'kawa')).toBe(line);
  });
});

describe('shellQuote', () => {
  it.each([
    ['guestbook', 'guestbook'],
    ['ns/app', 'ns/app'],
    ['', "''"],
    ['a b', "'a b'"],
    ['$(x)', "'$(x)'"],
  ])('%j', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});

describe('printed commands run as typed', () => {
  let tmp: string;
  /** PATH with node and sh but no kawa. */
  let bare: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'kawa-command-'));
    bare = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('finds an executable kawa on PATH, and only an executable one', async () => {
    const bin = path.join(tmp, 'bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin, { recursive: true }));
    await writeFile(path.join(bin, 'kawa'), '#!/bin/sh\n');
    expect(onPath('kawa', `${bare}${path.delimiter}${bin}`)).toBe(false);
    await chmod(path.join(bin, 'kawa'), 0o755);
    expect(onPath('kawa', `${bare}${path.delimiter}${bin}`)).toBe(true);
    expect(kawaPrefixFor(currentFacts({ PATH: `${bin}${path.delimiter}${bare}` }))).toBe('kawa');
  });

  it.each(['the checkout', 'another directory'])('without kawa on PATH, from %s', async (where) => {
    expect(onPath('kawa', bare)).toBe(false);
    const cwd = where === 'the checkout' ? (kawaRoot() ?? '') : tmp;
    const line = kawaCommand('--client-version', kawaPrefixFor(currentFacts({ PATH: bare }, cwd)));
    expect(line).not.toMatch(/^kawa /);
    const { stdout } = await run('/bin/sh', ['-c', line], { cwd, env: { ...process.env, PATH: bare, NO_COLOR: '1' }, timeout: 60_000 });
    expect(stdout.trim()).toBe(KAWA_VERSION);
  }, 90_000);
});
