// Running the renderers (helm, kustomize, jsonnet): the pinned binaries, an environment that holds
// nothing of the user's (no kubeconfig, no helm repositories, no credentials), the render's deadline
// and output cap.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { UserError, errorCodes } from '../errors.js';
import { findGroup, loadPins, pinnedBinary, type Pins } from '../localcluster/pins.js';
import { exec } from '../util/exec.js';
import type { RenderBudget } from './safety.js';

export type ToolName = 'helm' | 'kustomize' | 'jsonnet';

/** Explicit binaries, for callers that do not use the pinned ones. */
export type ToolPaths = Partial<Record<ToolName, string>>;

let pins: Pins | undefined;
const checked = new Set<string>();

/** The binary for `tool`: the override, else the pinned build in ~/.cache/kawa/bin (which must exist). */
export async function toolBinary(tool: ToolName, overrides: ToolPaths = {}): Promise<string> {
  const override = overrides[tool];
  if (override !== undefined) return override;
  pins ??= loadPins();
  const binary = pinnedBinary(pins, tool);
  if (!checked.has(binary)) {
    try {
      await access(binary, constants.X_OK);
    } catch {
      const version = findGroup(pins, tool).version;
      throw new UserError(errorCodes.TOOL_MISSING, `${tool} ${version} is not built yet (expected ${binary}); run \`npm run tools:build\``);
    }
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
  const binary = await toolBinary(tool, options.tools);
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
