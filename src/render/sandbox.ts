// Where config management plugins run. A plugin is a program the operator configured but whose input
// (the repository) any tenant with push rights controls, so it gets the least kawa can give it: a
// scrubbed environment (see plugin.ts), a private copy of the source, and — where the machine allows
// it — a sandbox in which nothing of kawa's is reachable. What is used is detected once, at the first
// plugin run, strongest first:
//
// - `namespaces` (kawa runs as root, mount namespaces work): `unshare` (util-linux) starts the plugin in
//   a new mount and PID namespace. kawa's HOME, cache dir ($KAWA_CACHE_DIR, $XDG_CACHE_HOME/kawa) and
//   config dir, every kubeconfig path, the Kubernetes service account token directory, the shared
//   checkout and the whole temp dir (other renders, git's askpass files) are covered by empty tmpfs
//   mounts (files by an empty unreadable file); only the plugin's own work directory and, read-only, the
//   PATH entries and pinned tool binaries inside hidden directories are mounted back. The new PID
//   namespace has its own /proc, so no other process (kawa's environment, its open files) is visible.
//   Then `setpriv` drops to nobody (65534) with no capabilities and no_new_privs, so the plugin can
//   neither undo the mounts nor read root's files.
// - `user-namespaces` (kawa runs as another user and unprivileged user namespaces work): the same
//   mounts, made as root of a new user namespace; the plugin then runs with every capability dropped
//   (it cannot unmount), as kawa's own uid outside.
// - `unprivileged-user` (root, but no mount namespaces, e.g. a container without CAP_SYS_ADMIN): the
//   plugin runs as nobody through spawn's uid/gid. kawa's files that only root may read stay closed;
//   whatever is readable by every user (a 0644 service account token, a world-readable kubeconfig)
//   stays readable, and other processes remain visible in /proc.
// - `none` (not root, no user namespaces): only the scrubbed environment and the private copy; the
//   plugin runs as kawa's user and can read what that user can read if it knows where to look.
// kawa logs one line at the first plugin run when it falls back to one of the last two.
import { constants } from 'node:fs';
import { access, chmod, lchown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { messageOf } from '../errors.js';
import { exec } from '../util/exec.js';

export type PluginSandboxKind = 'namespaces' | 'user-namespaces' | 'unprivileged-user' | 'none';

export interface PluginSandbox {
  kind: PluginSandboxKind;
  /** Absolute paths of the helpers (namespace kinds). */
  unshare?: string;
  setpriv?: string;
}

/** The uid and gid plugins run as when kawa is root: nobody/nogroup. */
export const NOBODY = 65534;

/** Everything a sandboxed run needs besides the command. */
export interface SandboxLayout {
  /** The plugin's own directory (its copy of the repository, its HOME): the one thing it may write. */
  workDir: string;
  /** A directory of kawa's for the sandbox's helpers (a staging mount point, an empty file); not shown. */
  scratchDir: string;
  /** Where the command starts, inside workDir. */
  cwd: string;
  /** Directories and files to cover. */
  hide: readonly string[];
  /** Directories inside hidden ones to mount back read-only (programs the plugin may run). */
  keepReadOnly: readonly string[];
  /** The temp root, covered by an empty shared (1777) tmpfs. */
  tmpRoot: string;
}

export interface SandboxedCommand {
  command: string;
  args: string[];
  cwd: string;
  uid?: number;
  gid?: number;
}

// Runs inside the new namespaces with the capabilities to mount. Arguments: stage dir, empty file, temp
// root, cwd, then `rw:DIR`/`ro:DIR` (mounted back when they exist) and `hide:PATH` specs up to `--`, then the command.
// What stays visible is bind-mounted into a staging tmpfs first and reached afterwards through an open
// descriptor (fd 3) of it, since everything on the way may be covered by then. The command starts in
// `cwd` looked up afresh: a cwd inherited from before the mounts would lead `..` into the hidden tree.
const setupScript = `set -eu
stage=$1 empty=$2 tmproot=$3 cwd=$4
shift 4
mount -t tmpfs -o size=16k,mode=0700 kawa-stage "$stage"
exec 3<"$stage"
i=0
for spec do
  [ "$spec" = -- ] && break
  case $spec in
    rw:*|ro:*) i=$((i+1)); d=\${spec#??:}
      [ -d "$d" ] || continue
      mkdir "$stage/$i"; mount -c --bind -- "$d" "$stage/$i" ;;
  esac
done
for spec do
  [ "$spec" = -- ] && break
  case $spec in
    hide:*) p=\${spec#hide:}
      if [ -L "$p" ]; then :
      elif [ -d "$p" ]; then mount -t tmpfs -o size=16k,mode=0711 kawa-hidden "$p"
      elif [ -e "$p" ]; then mount -c --bind -- "$empty" "$p"; fi ;;
  esac
done
mkdir -p -- "$tmproot"
mount -t tmpfs -o size=64m,mode=1777 kawa-tmp "$tmproot"
i=0
while [ "$1" != -- ]; do
  case $1 in
    rw:*|ro:*) i=$((i+1)); p=\${1#??:}
      if [ -d "/proc/self/fd/3/$i" ]; then
        mkdir -p -- "$p"; mount -c --bind -- "/proc/self/fd/3/$i" "$p"
        case $1 in ro:*) mount -c -o remount,bind,ro -- "$p" ;; esac
      fi ;;
  esac
  shift
done
shift
exec 3<&-
cd -- "$cwd"
exec "$@"
`;

/** True when `child` is `dir` or inside it. */
function within(dir: string, child: string): boolean {
  const rel = path.relative(dir, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface HiddenPathsInput {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The checkout the plugin's copy was made from. */
  checkout: string;
  /** kawa's pinned tool binaries (mounted back read-only when hidden). */
  toolsBin: string;
  /** Directories of the plugin's programs named by absolute path (mounted back read-only when hidden). */
  programDirs?: readonly string[];
}

/** What a sandbox covers and what it mounts back, from kawa's environment. Pure. */
export function sandboxPaths(input: HiddenPathsInput): { hide: string[]; keepReadOnly: string[] } {
  const { env, home } = input;
  const nonEmpty = (v: string | undefined): v is string => v !== undefined && v !== '';
  const hide = new Set<string>([home, path.join(home, '.cache', 'kawa'), path.join(home, '.config', 'kawa'), path.join(home, '.kube')]);
  if (nonEmpty(env['KAWA_CACHE_DIR'])) hide.add(env['KAWA_CACHE_DIR']);
  if (nonEmpty(env['XDG_CACHE_HOME'])) hide.add(path.join(env['XDG_CACHE_HOME'], 'kawa'));
  if (nonEmpty(env['XDG_CONFIG_HOME'])) hide.add(path.join(env['XDG_CONFIG_HOME'], 'kawa'));
  if (nonEmpty(env['KAWA_CONFIG'])) hide.add(env['KAWA_CONFIG']);
  for (const file of (env['KUBECONFIG'] ?? '').split(path.delimiter)) if (file !== '') hide.add(file);
  // A pod's service account token (kawa in-cluster): cluster credentials.
  hide.add('/var/run/secrets/kubernetes.io');
  hide.add('/run/secrets/kubernetes.io');
  hide.add(input.checkout);
  const hidden = [...hide].filter((p) => path.isAbsolute(p) && p !== '/').map((p) => path.resolve(p));
  // Programs stay runnable: PATH entries, the pinned tools and the directories of plugin commands
  // given by absolute path, when a hidden directory would cover them.
  return { hide: hidden, keepReadOnly: programDirs(hidden, [...(env['PATH'] ?? '').split(path.delimiter), input.toolsBin, ...(input.programDirs ?? [])]) };
}

/** Of `dirs`, those a hidden path covers and that can be mounted back without uncovering a hidden path. */
export function programDirs(hidden: readonly string[], dirs: readonly string[]): string[] {
  const candidates = dirs.filter((p) => path.isAbsolute(p)).map((p) => path.resolve(p));
  return [...new Set(candidates)].filter((dir) => hidden.some((h) => within(h, dir) && h !== dir) && !hidden.some((h) => within(dir, h)));
}

/** The command line that runs `command args` in `sandbox` with `layout`. */
export function sandboxedCommand(sandbox: PluginSandbox, layout: SandboxLayout, command: string, args: readonly string[]): SandboxedCommand {
  switch (sandbox.kind) {
    case 'none':
      return { command, args: [...args], cwd: layout.cwd };
    case 'unprivileged-user':
      return { command, args: [...args], cwd: layout.cwd, uid: NOBODY, gid: NOBODY };
    case 'namespaces':
    case 'user-namespaces': {
      const userns = sandbox.kind === 'user-namespaces' ? ['--user', '--map-root-user'] : [];
      const drop =
        sandbox.kind === 'namespaces'
          ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs']
          : ['--inh-caps=-all', '--bounding-set=-all', '--no-new-privs'];
      return {
        command: sandbox.unshare ?? 'unshare',
        args: [
          ...userns,
          '--mount',
          '--pid',
          '--fork',
          '--kill-child',
          '--mount-proc',
          '--',
          'sh',
          '-c',
          setupScript,
          'kawa-sandbox',
          path.join(layout.scratchDir, 'stage'),
          path.join(layout.scratchDir, 'empty'),
          layout.tmpRoot,
          layout.cwd,
          `rw:${layout.workDir}`,
          ...layout.keepReadOnly.map((dir) => `ro:${dir}`),
          ...layout.hide.map((p) => `hide:${p}`),
          '--',
          sandbox.setpriv ?? 'setpriv',
          ...drop,
          '--',
          command,
          ...args,
        ],
        // The script changes into layout.cwd once the mounts are made.
        cwd: '/',
      };
    }
  }
}

/** Creates the sandbox's helpers in scratchDir and hands workDir to the user the plugin runs as. */
export async function prepareSandbox(sandbox: PluginSandbox, layout: SandboxLayout): Promise<void> {
  await mkdir(path.join(layout.scratchDir, 'stage'), { recursive: true });
  await writeFile(path.join(layout.scratchDir, 'empty'), '', { mode: 0 });
  await chmod(path.join(layout.scratchDir, 'empty'), 0);
  if (sandbox.kind === 'namespaces' || sandbox.kind === 'unprivileged-user') {
    await chownTree(layout.workDir, NOBODY, NOBODY);
    // Without a mount namespace nobody reaches workDir through kawa's directories: they must let it pass (not list).
    if (sandbox.kind === 'unprivileged-user') {
      for (let dir = path.dirname(layout.workDir); within(layout.tmpRoot, dir) && dir !== layout.tmpRoot; dir = path.dirname(dir)) await chmod(dir, 0o711);
    }
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await lchown(full, uid, gid);
  }
}

async function which(binary: string, pathEnv: string | undefined): Promise<string | undefined> {
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const file = path.join(dir, binary);
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file;
  }
  return undefined;
}

/**
 * Finds the strongest sandbox that works here, by running a probe through it: a hidden file must not
 * be readable, a file in the work directory must be writable.
 */
export async function detectPluginSandbox(options: { uid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<PluginSandbox> {
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const env = options.env ?? process.env;
  const [unshare, setpriv] = await Promise.all([which('unshare', env['PATH']), which('setpriv', env['PATH'])]);
  const candidates: PluginSandbox[] = [];
  if (unshare !== undefined && setpriv !== undefined) candidates.push({ kind: uid === 0 ? 'namespaces' : 'user-namespaces', unshare, setpriv });
  if (uid === 0) candidates.push({ kind: 'unprivileged-user' });
  for (const candidate of candidates) if (await probe(candidate, env)) return candidate;
  return { kind: 'none' };
}

async function probe(sandbox: PluginSandbox, env: NodeJS.ProcessEnv): Promise<boolean> {
  const root = await mkdtemp(path.join(tmpdir(), 'kawa-sandbox-probe-'));
  try {
    const secretDir = path.join(root, 'secret');
    await mkdir(secretDir);
    await writeFile(path.join(secretDir, 'file'), 'secret\n', { mode: 0o600 });
    const workDir = path.join(root, 'work');
    await mkdir(workDir);
    const layout: SandboxLayout = { workDir, scratchDir: path.join(root, 'scratch'), cwd: workDir, hide: [secretDir], keepReadOnly: [], tmpRoot: tmpdir() };
    await prepareSandbox(sandbox, layout);
    const script = `! cat "$1" 2>/dev/null && echo ok > written && cat written`;
    const cmd = sandboxedCommand(sandbox, layout, 'sh', ['-c', script, 'probe', path.join(secretDir, 'file')]);
    const result = await exec(cmd.command, cmd.args, {
      cwd: cmd.cwd,
      env: { PATH: env['PATH'] ?? '/usr/bin:/bin' },
      timeoutMs: 10_000,
      allowFailure: true,
      ...(cmd.uid === undefined ? {} : { uid: cmd.uid }),
      ...(cmd.gid === undefined ? {} : { gid: cmd.gid }),
    });
    return result.code === 0 && result.stdout === 'ok\n';
  } catch {
    return false;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

let detected: Promise<PluginSandbox> | undefined;
let log: (line: string) => void = (line) => {
  process.stderr.write(`[kawa] ${line}\n`);
};

/** Where the one line about a weak sandbox goes (a role's logger; stderr by default). */
export function setPluginSandboxLog(fn: (line: string) => void): void {
  log = fn;
}

/** The sandbox of this process, detected at the first call. */
export function pluginSandbox(): Promise<PluginSandbox> {
  detected ??= detectPluginSandbox().then(
    (sandbox) => {
      if (sandbox.kind === 'unprivileged-user') log('config management plugins run as nobody without mount namespaces: files every user may read stay readable to them (see the README, security notes)');
      if (sandbox.kind === 'none') log('config management plugins run as kawa\'s own user without a sandbox (no user namespaces here): they get a scrubbed environment and a private copy only (see the README, security notes)');
      return sandbox;
    },
    (err: unknown) => {
      log(`detecting the plugin sandbox failed, plugins run without one: ${messageOf(err)}`);
      return { kind: 'none' as const };
    },
  );
  return detected;
}

/** The default layout's hidden paths for this process. */
export function defaultSandboxPaths(checkout: string, toolsBin: string): { hide: string[]; keepReadOnly: string[] } {
  return sandboxPaths({ env: process.env, home: homedir(), checkout, toolsBin });
}
