// Runs kawa's image with podman for tests, the way this kind of machine (and CI) allows it:
//   - storage: under ~/.cache/kawa/containers (never the host's default store), overlay where the kernel allows
//     it, else vfs (see storageDriver());
//   - `--cgroup-manager=cgroupfs --runtime runc` (crun refuses the hybrid cgroup layout here);
//   - CONTAINERS_CONF=tools/image/containers.conf (`default_ulimits = []`: the sandbox refuses rlimit changes);
//   - `--network host`: a container reaches the loopback API server and the test's git servers directly.
// Every container this module starts is removed when it exits, when the handle is stopped or killed, and
// (as a last resort) when the test process exits.
//
//   const c = await runContainer({ args: ['repo-server', '--address', '127.0.0.1', '--port', '18081'],
//                                  readOnly: true, env: { KAWA_LOG_LEVEL: 'debug' } });
//   await c.waitForLog(/listening/);
//   ...
//   await c.stop();              // SIGTERM, then SIGKILL after the grace period; resolves with the exit code
//   const { code, stdout } = await runOnce({ args: ['version'] });
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../src/tools/pins.js';
import { exec, type ExecResult } from '../../src/util/exec.js';
import { withLock } from '../../src/util/lock.js';
import { containersDir, storageFlags } from '../../tools/image/build.js';
import { ensureImage } from './image.js';

/** The image's user, for bind mounts and tmpfs ownership. */
export const KAWA_UID = 999;
export const KAWA_GID = 999;
export const KAWA_HOME = '/home/kawa';

let driver: 'vfs' | 'overlay' | undefined;

/**
 * The storage driver of kawa's podman store: $KAWA_PODMAN_STORAGE_DRIVER, else overlay when this kernel lets
 * podman use it (a container then starts in about a second), else vfs (every container a full copy of the image).
 */
export function storageDriver(): 'vfs' | 'overlay' {
  if (driver !== undefined) return driver;
  const wanted = process.env['KAWA_PODMAN_STORAGE_DRIVER'];
  if (wanted === 'vfs' || wanted === 'overlay') return (driver = wanted);
  const probe = spawnSync('podman', [...storageFlags('overlay'), ...runtimeFlags(), 'info', '--format', '{{.Store.GraphDriverName}}'], { env: podmanEnv(), encoding: 'utf8', timeout: 60_000 });
  driver = probe.status === 0 && probe.stdout.trim() === 'overlay' ? 'overlay' : 'vfs';
  return driver;
}

function runtimeFlags(): string[] {
  return ['--cgroup-manager=cgroupfs', '--runtime', 'runc', '--events-backend', 'file'];
}

/** Global podman flags: kawa's own store and a runtime setup that works in sandboxes. */
export function podmanGlobalArgs(): string[] {
  return [...storageFlags(storageDriver()), ...runtimeFlags()];
}

/** podman's environment: our containers.conf (plus whatever the caller adds for `--env NAME` pass-through). */
export function podmanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: path.join(projectRoot(), 'tools', 'image', 'containers.conf'), ...extra };
}

/** Runs one podman command (`podman(['ps', '-a'])`), failing with its output on a non-zero exit. */
export function podman(args: readonly string[], options: { timeoutMs?: number; allowFailure?: boolean } = {}): Promise<ExecResult> {
  return exec('podman', [...podmanGlobalArgs(), ...args], { env: podmanEnv(), timeoutMs: options.timeoutMs ?? 120_000, allowFailure: options.allowFailure ?? false });
}

/** Images loaded by this module are named localhost/kawa-test:<key>; unused ones older than this are dropped. */
const STALE_IMAGE_MS = 3 * 60 * 60_000;
const loaded = new Map<string, Promise<string>>();

/**
 * Loads an OCI archive into kawa's podman store once (keyed by its path, size and mtime) and returns the
 * image reference. Each vfs image is a full copy (~500 MB): images of older archives are removed when a new
 * one is loaded, unless loaded (or used) in the last few hours.
 */
export function loadImage(archive: string): Promise<string> {
  let ready = loaded.get(archive);
  if (ready === undefined) {
    ready = load(archive);
    loaded.set(archive, ready);
    ready.catch(() => loaded.delete(archive));
  }
  return ready;
}

async function load(archive: string): Promise<string> {
  const info = await stat(archive);
  const key = createHash('sha256').update(`${path.resolve(archive)}\0${info.size}\0${info.mtimeMs}`).digest('hex').slice(0, 16);
  const reference = `localhost/kawa-test:${key}`;
  const stamps = path.join(containersDir(), storageDriver(), 'loaded');
  await mkdir(stamps, { recursive: true });
  const stamp = path.join(stamps, key);
  await withLock(path.join(containersDir(), storageDriver(), `load-${key}.lock`), async () => {
    const exists = await podman(['image', 'exists', reference], { allowFailure: true });
    if (exists.code !== 0) {
      const pulled = await podman(['pull', '--quiet', `oci-archive:${archive}`], { timeoutMs: 10 * 60_000 });
      const id = pulled.stdout.trim().split('\n').pop() ?? '';
      await podman(['tag', id, reference]);
      // Only the reference of this key stays: the archive's own name (localhost/kawa:<version>) would pin the image.
      await podman(['image', 'untag', id, ...(await otherNames(id, reference))], { allowFailure: true });
    }
    await writeFile(stamp, archive);
  });
  await pruneImages(stamps, key);
  return reference;
}

async function otherNames(id: string, keep: string): Promise<string[]> {
  const result = await podman(['image', 'inspect', '--format', '{{json .RepoTags}}', id], { allowFailure: true });
  if (result.code !== 0) return [];
  const names = JSON.parse(result.stdout.trim() || '[]') as string[] | null;
  return (names ?? []).filter((name) => name !== keep);
}

async function pruneImages(stamps: string, current: string): Promise<void> {
  const now = Date.now();
  await utimes(path.join(stamps, current), new Date(now), new Date(now));
  for (const key of await readdir(stamps)) {
    if (key === current) continue;
    const file = path.join(stamps, key);
    if (now - (await stat(file)).mtimeMs < STALE_IMAGE_MS) continue;
    // An image a container still uses cannot be removed: that failure is fine.
    const removed = await podman(['rmi', `localhost/kawa-test:${key}`], { allowFailure: true });
    if (removed.code === 0 || /image not known/i.test(removed.stderr)) spawnSync('rm', ['-f', file]);
  }
}

export type ContainerMount =
  /** A bind mount of a host path. */
  | { source: string; target: string; readOnly?: boolean }
  /** A tmpfs, by default owned by the container's user (podman's `U` option). */
  | { tmpfs: string; options?: string };

export interface RunContainerOptions {
  /** An OCI archive (…oci.tar) or an image reference in kawa's store; default: ensureImage(), the current tree's image. */
  image?: string;
  /** Arguments after the image: the entrypoint `kawa`'s arguments (`['controller', '--namespace', 'argocd']`). */
  args?: readonly string[];
  /** Replaces the image's entrypoint (`/bin/sh`, `git`, `/opt/kawa/tools/bin/helm-v3.22.0`). */
  entrypoint?: string;
  /** Environment of the container; values travel through podman's environment, never its command line. */
  env?: Readonly<Record<string, string>>;
  mounts?: readonly ContainerMount[];
  /**
   * A read-only root filesystem like the install's (`readOnlyRootFilesystem: true`): only /tmp and /home/kawa
   * are writable (tmpfs, as the install's emptyDir volumes), plus the mounts given.
   */
  readOnly?: boolean;
  /** Container name (default kawa-test-<random>); a leftover container of that name is removed first. */
  name?: string;
  /** `uid[:gid]` (default: the image's 999:999). */
  user?: string;
  workdir?: string;
  /** More `podman run` flags, before the image. */
  extraArgs?: readonly string[];
  /** Called with every line the container writes (stdout and stderr), e.g. to forward logs while debugging. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface Container {
  readonly name: string;
  /** Resolves with the exit code (podman's own codes 125–127 for failures to start) when the container ends. */
  readonly exited: Promise<number>;
  /** Whether it has exited. */
  readonly done: boolean;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr, interleaved as they arrived. */
  logs(): string;
  /** Resolves when the logs match (rejects if the container exits first or after timeoutMs, with the logs). */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** The exit code; rejects with the logs after timeoutMs (the container is killed then). */
  wait(timeoutMs?: number): Promise<number>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`; resolves with the exit code. */
  stop(timeoutSeconds?: number): Promise<number>;
  /** Sends a signal (default SIGKILL) and, for SIGKILL/SIGTERM, waits for the exit. */
  kill(signal?: string): Promise<number>;
}

const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    if (live.size === 0) return;
    // The last resort for a test that forgot stop(): synchronous, as nothing async runs in 'exit'.
    spawnSync('podman', [...podmanGlobalArgs(), 'rm', '--force', '--time', '0', ...live], { env: podmanEnv(), stdio: 'ignore', timeout: 60_000 });
  });
}

/** Removes every container this process started that is still there (for afterAll hooks). */
export async function removeAllContainers(): Promise<void> {
  if (live.size === 0) return;
  await podman(['rm', '--force', '--ignore', '--time', '0', ...live], { allowFailure: true });
}

function envName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an environment variable name: ${name}`);
  return name;
}

/** The `podman run` arguments for `options` (pure, exported for tests of this harness). */
export function runArgs(options: RunContainerOptions, image: string, name: string): string[] {
  const args = ['run', '--rm', '--name', name, '--network', 'host', '--pull', 'never', '--user', options.user ?? `${KAWA_UID}:${KAWA_GID}`];
  if (options.readOnly) {
    // Only what we name is writable, as in the install (podman would add /run, /var/tmp and more by default).
    args.push('--read-only', '--read-only-tmpfs=false');
    args.push('--tmpfs', '/tmp:rw,mode=1777', '--tmpfs', `${KAWA_HOME}:rw,mode=0700,U`);
  }
  for (const mount of options.mounts ?? []) {
    if ('tmpfs' in mount) args.push('--tmpfs', `${mount.tmpfs}:${mount.options ?? `rw,mode=0700,U`}`);
    else args.push('--mount', `type=bind,source=${mount.source},target=${mount.target}${mount.readOnly ? ',readonly=true' : ''}`);
  }
  for (const key of Object.keys(options.env ?? {})) args.push('--env', envName(key));
  if (options.workdir !== undefined) args.push('--workdir', options.workdir);
  if (options.entrypoint !== undefined) args.push('--entrypoint', options.entrypoint);
  args.push(...(options.extraArgs ?? []), image, ...(options.args ?? []));
  return args;
}

async function resolveImage(image: string | undefined): Promise<string> {
  const ref = image ?? (await ensureImage());
  return ref.endsWith('.tar') ? loadImage(ref) : ref;
}

/** Starts a container (attached: its output is collected) and returns its handle once podman runs it. */
export async function runContainer(options: RunContainerOptions = {}): Promise<Container> {
  const image = await resolveImage(options.image);
  const name = options.name ?? `kawa-test-${randomBytes(4).toString('hex')}`;
  installExitHook();
  await podman(['rm', '--force', '--ignore', '--time', '0', name], { allowFailure: true });
  live.add(name);

  const child = spawn('podman', [...podmanGlobalArgs(), ...runArgs(options, image, name)], {
    env: podmanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let all = '';
  const watchers = new Set<() => void>();
  const collect = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (stream === 'stdout') out += text;
      else err += text;
      all += text;
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line, stream);
      }
      for (const watcher of watchers) watcher();
    };
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));

  let done = false;
  const exited = new Promise<number>((resolve) => {
    child.on('error', (e) => {
      err += `podman could not be started: ${e.message}\n`;
      all += `podman could not be started: ${e.message}\n`;
      resolve(127);
    });
    child.on('close', (code, signal) => { resolve(code ?? (signal ? 128 : 1)); });
  }).then(async (code) => {
    done = true;
    // --rm removes it, except when podman itself was killed: make sure.
    await podman(['rm', '--force', '--ignore', '--time', '0', name], { allowFailure: true }).catch(() => undefined);
    live.delete(name);
    for (const watcher of watchers) watcher();
    return code;
  });

  const tail = (): string => all.split('\n').slice(-40).join('\n');
  const withTimeout = async <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => { reject(new Error(`container ${name}: ${what} after ${timeoutMs} ms; its output:\n${tail()}`)); }, timeoutMs);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  const handle: Container = {
    name,
    exited,
    get done() {
      return done;
    },
    stdout: () => out,
    stderr: () => err,
    logs: () => all,
    waitForLog(pattern, timeoutMs = 60_000) {
      const matches = (): boolean => (typeof pattern === 'string' ? all.includes(pattern) : pattern.test(all));
      return withTimeout(
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (matches()) {
              watchers.delete(check);
              resolve();
            } else if (done) {
              watchers.delete(check);
              reject(new Error(`container ${name} exited before its output matched ${String(pattern)}; its output:\n${tail()}`));
            }
          };
          watchers.add(check);
          check();
        }),
        timeoutMs,
        `no output matching ${String(pattern)}`,
      );
    },
    async wait(timeoutMs = 120_000) {
      try {
        return await withTimeout(exited, timeoutMs, 'still running');
      } catch (e) {
        await handle.kill();
        throw e;
      }
    },
    async stop(timeoutSeconds = 10) {
      if (!done) await podman(['stop', '--ignore', '--time', String(timeoutSeconds), name], { allowFailure: true, timeoutMs: (timeoutSeconds + 60) * 1000 });
      return exited;
    },
    async kill(signal = 'SIGKILL') {
      if (!done) await podman(['kill', '--signal', signal, name], { allowFailure: true });
      if (signal === 'SIGKILL' || signal === 'KILL' || signal === 'SIGTERM' || signal === 'TERM') return exited;
      return done ? exited : -1;
    },
  };

  // podman's own failures (bad image, bad flag) end it at once; otherwise it is running.
  await waitUntilRunning(handle);
  return handle;
}

/** Resolves once the container exists in podman (or has already exited). */
async function waitUntilRunning(handle: Container): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!handle.done && Date.now() < deadline) {
    const state = await podman(['container', 'inspect', '--format', '{{.State.Status}}', handle.name], { allowFailure: true });
    if (state.code === 0 && /running|exited|stopped/.test(state.stdout)) return;
    await Promise.race([handle.exited, new Promise((r) => setTimeout(r, 200))]);
  }
}

/** Runs a container to completion: its exit code and output (the container is killed after timeoutMs). */
export async function runOnce(options: RunContainerOptions & { timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const container = await runContainer(options);
  const code = await container.wait(options.timeoutMs ?? 120_000);
  return { code, stdout: container.stdout(), stderr: container.stderr() };
}
