// Running the renderers (helm, kustomize, jsonnet): the pinned binaries, an environment that holds
// nothing of the user's (no kubeconfig, no helm repositories, no credentials), the render's deadline
// and output cap.
import { UserError, errorCodes, messageOf } from '../errors.js';
import { ensureTools, isExecutable } from '../tools/build-tools.js';
import { findGroup, loadPins, pinnedBinary, toolsDirOverride, type Pins } from '../tools/pins.js';
import { exec } from '../util/exec.js';
import type { RenderBudget } from './safety.js';

export type ToolName = 'helm' | 'kustomize' | 'jsonnet';

/** Explicit binaries, for callers that do not use the pinned ones. */
export type ToolPaths = Partial<Record<ToolName, string>>;

let pins: Pins | undefined;
const checked = new Set<string>();
/** One build per missing renderer, shared by every render that needs it meanwhile. */
const building = new Map<ToolName, Promise<void>>();
let logBuild: (line: string) => void = (line) => {
  process.stderr.write(`[kawa] ${line}\n`);
};

/** Where the one-line progress messages of first-use builds go (a role's logger; stderr by default). */
export function setToolBuildLog(log: (line: string) => void): void {
  logBuild = log;
}

/**
 * Builds the pinned `tool` into ~/.cache/kawa/bin unless it is there. A renderer is built on first
 * use, so the README's commands need no separate build step; concurrent callers share one build and
 * other processes wait on the build's lock.
 */
export function ensureRenderer(tool: ToolName): Promise<void> {
  let build = building.get(tool);
  if (build === undefined) {
    pins ??= loadPins();
    const current = pins;
    const group = findGroup(current, tool);
    build = (async () => {
      if (await isExecutable(pinnedBinary(current, tool))) return;
      // With KAWA_TOOLS_DIR nothing is built: ensureTools says which binary the directory lacks.
      if (toolsDirOverride() === undefined) logBuild(`${tool} ${group.version} is not built yet: building it from the Go module proxy on first use (a few minutes, once; cached in ${pinnedBinary(current, tool)})`);
      const started = Date.now();
      await ensureTools(current, { only: [tool] });
      logBuild(`${tool} ${group.version} built in ${Math.round((Date.now() - started) / 1000)}s`);
    })();
    building.set(tool, build);
    // A failed build is tried again by the next render rather than remembered forever.
    build.catch(() => building.delete(tool));
  }
  return build;
}

/** Starts building every missing renderer in the background (`kawa up`), logging failures instead of throwing. */
export function prepareRenderers(): void {
  for (const tool of ['helm', 'kustomize', 'jsonnet'] as const) {
    ensureRenderer(tool).catch((err: unknown) => {
      logBuild(`building ${tool} failed; renders that need it will try again: ${messageOf(err)}`);
    });
  }
}

/** The binary for `tool`: the override, else the pinned build in ~/.cache/kawa/bin (built on first use). */
export async function toolBinary(tool: ToolName, overrides: ToolPaths = {}): Promise<string> {
  const override = overrides[tool];
  if (override !== undefined) return override;
  pins ??= loadPins();
  const binary = pinnedBinary(pins, tool);
  if (!checked.has(binary)) {
    if (!(await isExecutable(binary))) await ensureRenderer(tool);
    checked.add(binary);
  }
  return binary;
}

/** The whole environment of a renderer: a private HOME and temp dir, PATH, and what the caller adds. */
export function toolEnv(home: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    // A kubeconfig that does not exist: renderers must never reach a cluster with the user's credentials.
    KUBECONFIG: `${home}/no-kubeconfig`,
    ...extra,
  };
}

export interface RunToolOptions {
  cwd: string;
  env: Record<string, string>;
  budget: RenderBudget;
  /** Names the command in errors (no temp paths): `helm template charts/app`. */
  display: string;
  tools?: ToolPaths;
}

/** Runs a renderer within what is left of the render's time, charges its output to the size cap, returns stdout. */
export async function runTool(tool: ToolName, args: readonly string[], options: RunToolOptions): Promise<string> {
  // A first-use build of the renderer does not eat into the render's time limit.
  const binary = await options.budget.excluding(toolBinary(tool, options.tools));
  const timeoutMs = options.budget.remainingMs(options.display);
  const started = Date.now();
  let stdout: string;
  try {
    ({ stdout } = await exec(binary, args, {
      cwd: options.cwd,
      env: options.env,
      timeoutMs,
      errorCode: errorCodes.RENDER_FAILED,
      displayName: options.display,
      // The output is cut off as it streams: a runaway template never fills memory.
      maxOutputBytes: options.budget.remainingBytes,
      tooLargeErrorCode: errorCodes.RENDER_TOO_LARGE,
    }));
  } catch (err) {
    if (err instanceof UserError && err.code === errorCodes.RENDER_TOO_LARGE) throw options.budget.tooLargeError(options.display);
    // exec kills the process group when the time is up; say so with the render's own code.
    if (Date.now() - started >= timeoutMs) throw options.budget.timeoutError(options.display);
    throw err;
  }
  options.budget.charge(Buffer.byteLength(stdout), options.display);
  return stdout;
}
