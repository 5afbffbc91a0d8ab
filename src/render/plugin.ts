// Config management plugins, as Argo CD's sidecar plugins define them (`ConfigManagementPlugin`,
// plugin.yaml): an optional `init` and a `generate` command run in the app directory of a private copy
// of the repository (plugins may write files; checkouts are shared and read-only), with the
// `ARGOCD_APP_*` build environment, the source's `env` as `ARGOCD_ENV_*`, and its parameters as
// `ARGOCD_APP_PARAMETERS` (JSON) and `PARAM_*`. `generate` prints a YAML or JSON stream. A plugin is
// chosen by name (`<name>` or `<name>-<version>`), or discovered by its `discover` rules when the
// source names no type. Plugins are configured by the operator, but their input is the repository's:
// they run with nothing of kawa's environment (PATH, a private HOME and the documented variables
// only: no kubeconfig, no credentials), in a copy of the source made for the render, within the
// render's limits, and where the machine allows it in a sandbox that hides kawa's cache, config,
// kubeconfig and other processes (sandbox.ts says what happens where it does not).
import { cp, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { exec } from '../util/exec.js';
import { envsubst } from './envsubst.js';
import { expandGlob, GlobSyntaxError } from './glob.js';
import { objectsFromToolOutput, readYamlStream } from './manifests.js';
import { assertNoEscapingSymlinks } from './safety.js';
import { binDir } from '../tools/pins.js';
import { defaultSandboxPaths, pluginSandbox, programDirs, prepareSandbox, sandboxedCommand, type PluginSandbox, type SandboxLayout } from './sandbox.js';
import type { RenderContext, RenderedObject, SourceOptions } from './types.js';

const commandSchema = z.object({
  command: z.array(z.string()).min(1),
  args: z.array(z.string()).optional(),
});

const pluginFileSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('ConfigManagementPlugin'),
  metadata: z.looseObject({ name: z.string().min(1) }),
  spec: z.looseObject({
    version: z.string().optional(),
    init: commandSchema.optional(),
    generate: commandSchema,
    discover: z
      .looseObject({
        fileName: z.string().optional(),
        find: z.looseObject({ glob: z.string().optional(), command: z.array(z.string()).optional(), args: z.array(z.string()).optional() }).optional(),
      })
      .optional(),
  }),
});

export interface PluginCommand {
  command: readonly string[];
  args?: readonly string[];
}

/** A configured plugin. */
export interface ConfigManagementPlugin {
  /** What `source.plugin.name` refers to: `<metadata.name>-<spec.version>`, or the name alone without a version. */
  name: string;
  init?: PluginCommand;
  generate: PluginCommand;
  discover?: { fileName?: string; find?: { glob?: string; command?: readonly string[]; args?: readonly string[] } };
}

/** Parses a plugin.yaml (`kind: ConfigManagementPlugin`); `shown` names it in errors. */
export function parsePluginConfig(text: string, shown: string): ConfigManagementPlugin {
  const stream = readYamlStream(text, shown);
  if (stream.error) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${shown}:${stream.error.line}: ${stream.error.message}`);
  const parsed = pluginFileSchema.safeParse(stream.documents[0]?.value ?? null);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`);
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${shown}: not a ConfigManagementPlugin: ${problems.join('; ')}`);
  }
  const { metadata, spec } = parsed.data;
  const find = spec.discover?.find;
  return {
    name: spec.version ? `${metadata.name}-${spec.version}` : metadata.name,
    generate: spec.generate,
    ...(spec.init ? { init: spec.init } : {}),
    ...(spec.discover
      ? {
          discover: {
            ...(spec.discover.fileName ? { fileName: spec.discover.fileName } : {}),
            ...(find ? { find: { ...(find.glob ? { glob: find.glob } : {}), ...(find.command ? { command: find.command } : {}), ...(find.args ? { args: find.args } : {}) } } : {}),
          },
        }
      : {}),
  };
}

/** Reads plugin.yaml files; names must be unique. */
export async function loadPluginConfigs(files: readonly string[]): Promise<ConfigManagementPlugin[]> {
  const plugins: ConfigManagementPlugin[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `plugin config ${file}: ${messageOf(err)}`, { cause: err });
    }
    const plugin = parsePluginConfig(text, file);
    if (plugins.some((p) => p.name === plugin.name)) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `plugin config ${file}: a plugin named "${plugin.name}" is already configured`);
    plugins.push(plugin);
  }
  return plugins;
}

/** `PARAM_<NAME>` as Argo CD spells it: upper case, anything but letters, digits and `_` turned into `_`. */
const paramVar = (name: string): string => `PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;

/** The environment of a plugin command: the build environment, the source's env and parameters. */
export function pluginEnvironment(ctx: Pick<RenderContext, 'buildEnv' | 'kubeVersion' | 'apiVersions'>, options: SourceOptions['plugin']): Record<string, string> {
  // Only the ARGOCD_APP_* variables Argo CD documents for plugins, whatever else the build environment holds.
  const env: Record<string, string> = Object.fromEntries(Object.entries(ctx.buildEnv).filter(([key]) => key.startsWith('ARGOCD_APP_')));
  const revision = env['ARGOCD_APP_REVISION'] ?? '';
  env['ARGOCD_APP_REVISION_SHORT_8'] = revision.slice(0, 8);
  env['KUBE_VERSION'] = ctx.kubeVersion ?? '';
  env['KUBE_API_VERSIONS'] = (ctx.apiVersions ?? []).join(',');
  for (const [i, e] of (options?.env ?? []).entries()) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `plugin.env[${i}].name: "${e.name}" is not an environment variable name`);
    env[`ARGOCD_ENV_${e.name}`] = envsubst(e.value, ctx.buildEnv);
  }
  const parameters = options?.parameters ?? [];
  env['ARGOCD_APP_PARAMETERS'] = JSON.stringify(parameters);
  for (const p of parameters) {
    if (p.name === undefined || p.name === '') continue;
    const base = paramVar(p.name);
    if (p.string !== undefined) env[base] = p.string;
    for (const [i, value] of (p.array ?? []).entries()) env[`${base}_${i}`] = value;
    for (const [key, value] of Object.entries(p.map ?? {})) env[`${base}_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`] = value;
  }
  return env;
}

interface RunOptions {
  env: Record<string, string>;
  display: string;
}

/**
 * What a plugin works in: its own copy of the repository (made once per render, for discovery and
 * generation alike; the shared checkout is never its working directory) and a private HOME, both in
 * one directory that the sandbox mounts back and hands to the plugin's user.
 */
interface Workspace {
  sandbox: PluginSandbox;
  layout: Omit<SandboxLayout, 'cwd'>;
  /** The app directory inside the copy. */
  appDir: string;
  home: string;
}

const workspaces = new WeakMap<RenderContext, Promise<Workspace>>();

function workspace(ctx: RenderContext): Promise<Workspace> {
  let ready = workspaces.get(ctx);
  if (ready === undefined) {
    ready = makeWorkspace(ctx);
    workspaces.set(ctx, ready);
  }
  return ready;
}

async function makeWorkspace(ctx: RenderContext): Promise<Workspace> {
  // Plugins follow symlinks like any program: the tree must be clean before it is copied for them.
  await assertNoEscapingSymlinks(ctx.root, ctx.root, 'a plugin could read through it');
  const workDir = path.join(ctx.tmpDir, 'plugin');
  const copy = path.join(workDir, 'repo');
  const home = path.join(workDir, 'home');
  await cp(ctx.root, copy, { recursive: true, verbatimSymlinks: true, filter: (src) => path.basename(src) !== '.git' });
  await mkdir(home, { recursive: true });
  const sandbox = await pluginSandbox();
  const layout = { workDir, scratchDir: path.join(ctx.tmpDir, 'plugin-sandbox'), tmpRoot: tmpdir(), ...defaultSandboxPaths(ctx.root, binDir()) };
  await prepareSandbox(sandbox, { ...layout, cwd: workDir });
  return { sandbox, layout, appDir: path.join(copy, path.relative(ctx.root, ctx.appDir)), home };
}

/**
 * All a plugin command sees of the environment: PATH, a private HOME (and TMPDIR inside it), and what
 * `extra` adds (the build environment, ARGOCD_ENV_*, parameters). No KUBECONFIG, no token, nothing else
 * of kawa's.
 */
function scrubbedEnv(ws: Workspace, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: ws.home, TMPDIR: ws.home, ...extra };
}

async function runCommand(ctx: RenderContext, ws: Workspace, cmd: PluginCommand, options: RunOptions): Promise<string> {
  const [binary, ...rest] = cmd.command;
  if (binary === undefined) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${options.display}: the plugin has no command`);
  // A command given by absolute path (a script beside the operator's plugin.yaml) stays runnable even inside a hidden directory.
  const keepReadOnly = path.isAbsolute(binary) ? [...ws.layout.keepReadOnly, ...programDirs(ws.layout.hide, [path.dirname(binary)])] : ws.layout.keepReadOnly;
  const run = sandboxedCommand(ws.sandbox, { ...ws.layout, keepReadOnly, cwd: ws.appDir }, binary, [...rest, ...(cmd.args ?? [])]);
  const timeoutMs = ctx.budget.remainingMs(options.display);
  const started = Date.now();
  try {
    const { stdout } = await exec(run.command, run.args, {
      cwd: run.cwd,
      env: options.env,
      timeoutMs,
      errorCode: errorCodes.RENDER_FAILED,
      displayName: options.display,
      maxOutputBytes: ctx.budget.remainingBytes,
      tooLargeErrorCode: errorCodes.RENDER_TOO_LARGE,
      ...(run.uid === undefined ? {} : { uid: run.uid }),
      ...(run.gid === undefined ? {} : { gid: run.gid }),
    });
    return stdout;
  } catch (err) {
    if (err instanceof UserError && err.code === errorCodes.RENDER_TOO_LARGE) throw ctx.budget.tooLargeError(options.display);
    if (Date.now() - started >= timeoutMs) throw ctx.budget.timeoutError(options.display);
    throw err;
  }
}

/** Whether a plugin's `discover` rules match the app directory (Argo CD's order: fileName, find.glob, find.command). */
async function matches(ctx: RenderContext, plugin: ConfigManagementPlugin): Promise<boolean> {
  const discover = plugin.discover;
  if (discover === undefined) return false;
  try {
    if (discover.fileName) {
      // Like filepath.Glob: `*` stays within one directory level, relative to the app directory.
      return (await expandGlob(ctx.appDir, discover.fileName.replace(/^\.\//, ''))).length > 0;
    }
    if (discover.find?.glob) return (await expandGlob(ctx.appDir, discover.find.glob.replace(/^\.\//, ''))).length > 0;
  } catch (err) {
    if (err instanceof GlobSyntaxError) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `plugin ${plugin.name}: discover: ${err.message}`);
    throw err;
  }
  if (discover.find?.command?.length) {
    // The discover command is the plugin's too: same copy, same sandbox, same scrubbed environment.
    const ws = await workspace(ctx);
    const out = await runCommand(ctx, ws, { command: discover.find.command, ...(discover.find.args ? { args: discover.find.args } : {}) }, { env: scrubbedEnv(ws), display: `plugin ${plugin.name} discover` });
    return out.trim() !== '';
  }
  return false;
}

/** The first configured plugin whose discover rules match the app directory, if any. */
export async function discoverPlugin(ctx: RenderContext, plugins: readonly ConfigManagementPlugin[]): Promise<ConfigManagementPlugin | undefined> {
  for (const plugin of plugins) if (await matches(ctx, plugin)) return plugin;
  return undefined;
}

function selectPlugin(name: string | undefined, plugins: readonly ConfigManagementPlugin[]): ConfigManagementPlugin | undefined {
  if (name === undefined || name === '') return undefined;
  const found = plugins.find((p) => p.name === name);
  if (found === undefined) {
    const known = plugins.map((p) => p.name).join(', ');
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `plugin.name: no config management plugin is named "${name}" (${known === '' ? 'none is configured' : `configured: ${known}`})`);
  }
  return found;
}

/**
 * Renders with a plugin: the one `options.name` names, else `discovered`, else the first whose discover
 * rules match. `init` then `generate` run in the app directory of a private copy of the repository.
 */
export async function renderPlugin(ctx: RenderContext, options: SourceOptions['plugin'], discovered?: ConfigManagementPlugin): Promise<RenderedObject[]> {
  const plugins = ctx.plugins ?? [];
  const plugin = selectPlugin(options?.name, plugins) ?? discovered ?? (await discoverPlugin(ctx, plugins));
  if (plugin === undefined) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, plugins.length === 0 ? 'no config management plugin is configured' : 'no config management plugin matches this directory (set plugin.name)');
  }
  const ws = await workspace(ctx);
  const env = scrubbedEnv(ws, pluginEnvironment(ctx, options));
  if (plugin.init) await runCommand(ctx, ws, plugin.init, { env, display: `plugin ${plugin.name} init` });
  const display = `plugin ${plugin.name} generate`;
  const out = await runCommand(ctx, ws, plugin.generate, { env, display });
  ctx.budget.charge(Buffer.byteLength(out), display);
  return objectsFromToolOutput(out, display);
}

