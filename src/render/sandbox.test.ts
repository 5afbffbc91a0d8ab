// The plugin sandbox: which paths it covers (a pure table), and each kind run for real on this machine
// (the tests run as root, where every kind can be started) with a command that tries what a hostile
// plugin would: read a hidden secret, walk `..` out of its directory, list other processes, undo a mount.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TempDirs } from '../../test/harness/git.js';
import { exec } from '../util/exec.js';
import { NOBODY, detectPluginSandbox, prepareSandbox, sandboxPaths, sandboxedCommand, type PluginSandbox, type SandboxLayout } from './sandbox.js';

vi.setConfig({ testTimeout: 30_000 });

const tmp = new TempDirs();
afterAll(async () => {
  await tmp.cleanup();
});

describe('sandboxPaths', () => {
  it.each([
    [
      'HOME, kawa dirs, kubeconfigs, the service account token and the checkout are hidden; PATH entries under HOME come back',
      { HOME: '/home/k', PATH: '/home/k/.local/bin:/usr/bin', KUBECONFIG: '/etc/kube/a:/srv/b' },
      ['/home/k', '/home/k/.cache/kawa', '/home/k/.config/kawa', '/home/k/.kube', '/etc/kube/a', '/srv/b', '/var/run/secrets/kubernetes.io', '/run/secrets/kubernetes.io', '/srv/checkouts/x'],
      ['/home/k/.local/bin', '/home/k/.cache/kawa/bin', '/home/k/plugins/cue'],
    ],
    [
      'KAWA_CACHE_DIR, XDG dirs and KAWA_CONFIG outside HOME; a PATH entry that would uncover a hidden dir stays hidden',
      { HOME: '/home/k', PATH: '/home/k:/var/cache/kawa/bin', KAWA_CACHE_DIR: '/var/cache/kawa', XDG_CACHE_HOME: '/xc', XDG_CONFIG_HOME: '/xg', KAWA_CONFIG: '/etc/kawa.conf' },
      ['/var/cache/kawa', '/xc/kawa', '/xg/kawa', '/etc/kawa.conf'],
      ['/var/cache/kawa/bin', '/home/k/.cache/kawa/bin', '/home/k/plugins/cue'],
    ],
  ])('%s', (_what, env, hidden, kept) => {
    const paths = sandboxPaths({ env, home: env.HOME, checkout: '/srv/checkouts/x', toolsBin: '/home/k/.cache/kawa/bin', programDirs: ['/home/k/plugins/cue', '/usr/local/bin'] });
    expect(paths.hide).toEqual(expect.arrayContaining(hidden));
    expect(paths.hide).not.toContain('/');
    expect(paths.keepReadOnly.sort()).toEqual(kept.sort());
  });
});

interface Fixture {
  layout: SandboxLayout;
  secret: string;
  toolDir: string;
}

/** A secret dir (hidden), a tool dir inside it (kept read-only), a work dir; everything under a temp root outside /tmp's listing. */
async function fixture(sandbox: PluginSandbox): Promise<Fixture> {
  const root = await tmp.make('kawa-sandbox-test-');
  const hidden = path.join(root, 'kawa-cache');
  const toolDir = path.join(hidden, 'bin');
  await mkdir(toolDir, { recursive: true });
  await writeFile(path.join(toolDir, 'tool'), '#!/bin/sh\necho tool ran\n', { mode: 0o755 });
  const secret = path.join(hidden, 'secret');
  await writeFile(secret, 'the-secret\n', { mode: 0o600 });
  const kubeconfig = path.join(root, 'kubeconfig');
  await writeFile(kubeconfig, 'the-kubeconfig\n', { mode: 0o600 });
  const workDir = path.join(root, 'work');
  await mkdir(path.join(workDir, 'repo', 'app'), { recursive: true });
  const layout: SandboxLayout = {
    workDir,
    scratchDir: path.join(root, 'scratch'),
    cwd: path.join(workDir, 'repo', 'app'),
    hide: [hidden, kubeconfig],
    keepReadOnly: [toolDir],
    tmpRoot: tmpdir(),
  };
  await prepareSandbox(sandbox, layout);
  return { layout, secret, toolDir };
}

const probeScript = String.raw`
echo "uid=$(id -u)"
cat "$1" 2>/dev/null && echo "read-secret"
cat "$2" 2>/dev/null && echo "read-kubeconfig"
cat ../../../kawa-cache/secret 2>/dev/null && echo "read-secret-via-dotdot"
"$3/tool"
touch "$3/x" 2>/dev/null && echo "wrote-tool-dir"
echo out > written && echo "wrote-work"
umount "$4" 2>/dev/null && echo "unmounted"
[ -d "/proc/$5" ] && echo "sees-kawa"
true`;

async function probe(sandbox: PluginSandbox): Promise<string[]> {
  const f = await fixture(sandbox);
  const hiddenDir = path.dirname(f.secret);
  const cmd = sandboxedCommand(sandbox, f.layout, 'sh', ['-c', probeScript, 'probe', f.secret, f.layout.hide[1] ?? '', f.toolDir, hiddenDir, String(process.pid)]);
  const result = await exec(cmd.command, cmd.args, {
    cwd: cmd.cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    timeoutMs: 20_000,
    ...(cmd.uid === undefined ? {} : { uid: cmd.uid }),
    ...(cmd.gid === undefined ? {} : { gid: cmd.gid }),
  });
  expect(await readFile(path.join(f.layout.cwd, 'written'), 'utf8')).toBe('out\n');
  return result.stdout.trim().split('\n');
}

const root = process.getuid?.() === 0;

describe.runIf(root)('sandbox kinds, run for real (as root)', () => {
  it('detects namespaces as root, user namespaces for another user', async () => {
    expect((await detectPluginSandbox()).kind).toBe('namespaces');
    expect((await detectPluginSandbox({ uid: 1000 })).kind).toBe('user-namespaces');
  });

  it('namespaces: nobody, hidden paths unreadable (also through ..), tools runnable read-only, no mount undone, no kawa process visible', async () => {
    const sandbox = await detectPluginSandbox();
    expect(await probe(sandbox)).toEqual([`uid=${NOBODY}`, 'tool ran', 'wrote-work']);
  });

  it('user-namespaces: the same hiding with every capability dropped', async () => {
    const sandbox = await detectPluginSandbox({ uid: 1000 });
    // uid 0 inside its own user namespace (kawa's uid outside), without the capabilities that go with it.
    expect(await probe(sandbox)).toEqual(['uid=0', 'tool ran', 'wrote-work']);
  });

  it('unprivileged-user: nobody reads none of root\'s 0600 files, but sees processes (documented weaker)', async () => {
    expect(await probe({ kind: 'unprivileged-user' })).toEqual([`uid=${NOBODY}`, 'tool ran', 'wrote-work', 'sees-kawa']);
  });

  it('none: the plugin can read what kawa\'s user can (documented: scrubbed environment and private copy only)', async () => {
    const lines = await probe({ kind: 'none' });
    expect(lines).toEqual(expect.arrayContaining(['uid=0', 'read-secret', 'read-kubeconfig', 'read-secret-via-dotdot', 'wrote-tool-dir', 'sees-kawa']));
  });
});
