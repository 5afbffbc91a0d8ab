// Build the pinned binaries from the Go module proxy and cache them under ~/.cache/kawa/bin/<binary>-<version>.
// Each group gets a throw-away Go module (go.mod generated from the pins) so pins live in one file only;
// Go's own module and build caches make a rebuild after an interruption cheap.
import { access, constants, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { exec, lastLines } from '../util/exec.js';
import { binaryPath, cacheDir, toolsDirOverride, type Pins, type ToolGroup } from './pins.js';
import { withLock } from '../util/lock.js';

export interface BuildOptions {
  /** Build only the groups that provide these binaries (default: every group). */
  only?: readonly string[];
  log?: (line: string) => void;
}

/** Whether `file` exists and may be run. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `replace` lines that point k8s.io/kubernetes' staging modules at their published v0.X.Y releases. */
export function stagingReplaces(kubernetesGoMod: string, kubernetesVersion: string): string[] {
  const match = /^v1\.(\d+\.\d+)$/.exec(kubernetesVersion);
  if (!match) throw new UserError(errorCodes.PINS_INVALID, `kubernetes version ${kubernetesVersion} is not v1.X.Y`);
  const stagingVersion = `v0.${match[1] ?? ''}`;
  const replaces: string[] = [];
  for (const line of kubernetesGoMod.split('\n')) {
    const m = /^\s*(?:replace\s+)?(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//.exec(line);
    if (m?.[1]) replaces.push(`${m[1]} => ${m[1]} ${stagingVersion}`);
  }
  return replaces;
}

export function linkerFlags(group: ToolGroup): string {
  const vars = Object.entries(group.linkVariables ?? {}).map(
    ([name, value]) => `-X ${name}=${value.replaceAll('{version}', group.version)}`,
  );
  return ['-s', '-w', ...vars].join(' ');
}

export function goModFor(group: ToolGroup, goVersion: string, replaces: readonly string[]): string {
  const lines = [`module kawa.local/toolbuild/${group.name}`, '', `go ${goVersion}`, '', `require ${group.module} ${group.version}`];
  if (replaces.length > 0) lines.push('', 'replace (', ...replaces.map((r) => `\t${r}`), ')');
  return lines.join('\n') + '\n';
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Never let `go` fetch another toolchain behind our back: the pins choose releases this Go accepts.
    GOTOOLCHAIN: process.env['GOTOOLCHAIN'] ?? 'local',
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
  };
}

async function missingBinaries(group: ToolGroup): Promise<string[]> {
  const missing: string[] = [];
  for (const binary of Object.keys(group.binaries)) {
    if (!(await isExecutable(binaryPath(binary, group.version)))) missing.push(binary);
  }
  return missing;
}

async function buildGroup(group: ToolGroup, pins: Pins, log: (line: string) => void): Promise<void> {
  const work = path.join(cacheDir(), 'build', `${group.name}-${group.version}`);
  const logFile = path.join(cacheDir(), 'logs', `build-${group.name}-${group.version}.log`);
  await mkdir(path.dirname(logFile), { recursive: true });
  await mkdir(path.join(cacheDir(), 'bin'), { recursive: true });

  await withLock(`${work}.lock`, async () => {
    // Another process may have finished the build while we waited for the lock.
    const missing = await missingBinaries(group);
    if (missing.length === 0) return;
    const started = Date.now();
    log(`building ${group.module}@${group.version} (${missing.join(', ')}) — this takes a while the first time`);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const env = goEnv();
    const transcript: string[] = [];
    const run = async (args: string[], step: string, timeoutMs: number): Promise<string> => {
      try {
        const result = await exec('go', args, { cwd: work, env, timeoutMs, errorCode: errorCodes.TOOL_BUILD_FAILED });
        transcript.push(`$ go ${args.join(' ')}`, result.stdout, result.stderr);
        return result.stdout;
      } catch (err) {
        transcript.push(`$ go ${args.join(' ')}`, messageOf(err));
        await writeFile(logFile, transcript.join('\n'));
        throw new UserError(
          errorCodes.TOOL_BUILD_FAILED,
          `${step} for ${group.module}@${group.version} failed:\n${lastLines(messageOf(err), 12)}\nfull log: ${logFile}`,
          { cause: err },
        );
      }
    };

    let replaces: string[] = [];
    if (group.replaceStagingModules) {
      const info = JSON.parse(await run(['mod', 'download', '-json', `${group.module}@${group.version}`], 'downloading', 15 * 60_000)) as { GoMod?: string };
      if (!info.GoMod) throw new UserError(errorCodes.TOOL_BUILD_FAILED, `go mod download ${group.module}@${group.version} gave no go.mod`);
      replaces = stagingReplaces(await readFile(info.GoMod, 'utf8'), group.version);
    }
    await writeFile(path.join(work, 'go.mod'), goModFor(group, pins.go, replaces));
    const packages = missing.map((b) => group.binaries[b] ?? '');
    await run(['get', '-tool', ...packages.map((p) => `${p}@${group.version}`)], 'resolving modules', 15 * 60_000);
    for (const binary of missing) {
      const target = binaryPath(binary, group.version);
      const partial = `${target}.partial-${process.pid}`;
      await run(['build', '-trimpath', `-ldflags=${linkerFlags(group)}`, '-o', partial, group.binaries[binary] ?? ''], `go build ${binary}`, 60 * 60_000);
      await chmod(partial, 0o755);
      // A rename is atomic: an interrupted build never leaves a half-written binary under the final name.
      await rename(partial, target);
    }
    await writeFile(logFile, transcript.join('\n'));
    log(`built ${missing.join(', ')} ${group.version} in ${Math.round((Date.now() - started) / 1000)}s`);
  });
}

/**
 * Make sure the pinned binaries exist in the cache, building what is missing. Returns binary → path.
 * With $KAWA_TOOLS_DIR set, the binaries are only looked up there (it is read-only, e.g. in the image):
 * a missing one is a UserError naming the directory, never a build.
 */
export async function ensureTools(pins: Pins, options: BuildOptions = {}): Promise<Record<string, string>> {
  const log = options.log ?? (() => undefined);
  const only = options.only;
  const groups = only ? pins.groups.filter((g) => Object.keys(g.binaries).some((b) => only.includes(b))) : pins.groups;
  const wanted = (binary: string): boolean => only === undefined || only.includes(binary);
  const toolsDir = toolsDirOverride();
  const paths: Record<string, string> = {};
  const absent: string[] = [];
  for (const group of groups) {
    const missing = await missingBinaries(group);
    if (toolsDir !== undefined) absent.push(...missing.filter(wanted).map((b) => `${b}-${group.version}`));
    else if (missing.length > 0) await buildGroup(group, pins, log);
    for (const binary of Object.keys(group.binaries)) paths[binary] = binaryPath(binary, group.version);
  }
  if (toolsDir !== undefined && absent.length > 0) {
    throw new UserError(
      errorCodes.TOOL_MISSING,
      `KAWA_TOOLS_DIR=${toolsDir} has no executable ${absent.join(', ')}: kawa never builds into KAWA_TOOLS_DIR; put the pinned binaries there (npm run tools:build, then copy them from ~/.cache/kawa/bin) or unset it`,
    );
  }
  return paths;
}
