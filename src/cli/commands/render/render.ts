// `kawa render [DIR]`: renders a source the way the repo server would and prints the objects (a YAML
// stream, or a JSON List). DIR is a local directory (rendered inside its git work tree, so a
// kustomize overlay can reach `../base`); `--repo URL` renders from a git repository or, with
// `--chart`, a Helm chart repository or OCI registry. Nothing is printed unless the whole render
// succeeded: on failure the error goes to stderr and the exit code is 1.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { UserError, errorCodes } from '../../../errors.js';
import { GitMirrorCache } from '../../../git/mirror.js';
import type { ApplicationSource } from '../../../model/index.js';
import { loadPluginConfigs, renderSource, type KubeObject, type RenderedObject } from '../../../render/index.js';
import { RepoService } from '../../../reposerver/index.js';

export interface RenderFlags {
  repo?: string;
  revision?: string;
  path?: string;
  chart?: string;
  root?: string;
  appName?: string;
  namespace?: string;
  kubeVersion?: string;
  helmSet: string[];
  helmSetString: string[];
  values: string[];
  releaseName?: string;
  kustomizeImage: string[];
  jsonnetTla: string[];
  jsonnetTlaCode: string[];
  jsonnetExtVar: string[];
  directoryRecurse?: boolean;
  plugin?: string;
  pluginConfig: string[];
  pluginEnv: string[];
  output: 'yaml' | 'json';
}

export interface RenderOutcome {
  /** The commit or chart version rendered (repository mode only). */
  revision?: string;
  objects: RenderedObject[];
  warnings: string[];
}

function keyValue(flag: string, text: string): { name: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${flag} "${text}": expected NAME=VALUE`);
  return { name: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** The source options the flags ask for; a block is only set when one of its flags is given. */
export function sourceFromFlags(flags: RenderFlags, valueFiles: string[]): Pick<ApplicationSource, 'helm' | 'kustomize' | 'directory' | 'plugin'> {
  const source: Pick<ApplicationSource, 'helm' | 'kustomize' | 'directory' | 'plugin'> = {};
  const parameters = [
    ...flags.helmSet.map((s) => keyValue('--helm-set', s)),
    ...flags.helmSetString.map((s) => ({ ...keyValue('--helm-set-string', s), forceString: true })),
  ];
  if (parameters.length > 0 || valueFiles.length > 0 || flags.releaseName !== undefined) {
    source.helm = {
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(valueFiles.length > 0 ? { valueFiles } : {}),
      ...(flags.releaseName === undefined ? {} : { releaseName: flags.releaseName }),
    };
  }
  if (flags.kustomizeImage.length > 0) source.kustomize = { images: flags.kustomizeImage };
  const tlas = [...flags.jsonnetTla.map((s) => ({ ...keyValue('--jsonnet-tla', s), code: false })), ...flags.jsonnetTlaCode.map((s) => ({ ...keyValue('--jsonnet-tla-code', s), code: true }))];
  const extVars = flags.jsonnetExtVar.map((s) => ({ ...keyValue('--jsonnet-ext-var', s), code: false }));
  if (tlas.length > 0 || extVars.length > 0 || flags.directoryRecurse === true) {
    source.directory = {
      ...(flags.directoryRecurse === true ? { recurse: true } : {}),
      ...(tlas.length > 0 || extVars.length > 0 ? { jsonnet: { ...(tlas.length > 0 ? { tlas } : {}), ...(extVars.length > 0 ? { extVars } : {}) } } : {}),
    };
  }
  const env = flags.pluginEnv.map((s) => keyValue('--plugin-env', s));
  if (flags.plugin !== undefined || env.length > 0) source.plugin = { ...(flags.plugin === undefined ? {} : { name: flags.plugin }), ...(env.length > 0 ? { env } : {}) };
  return source;
}

/** The git work tree holding `dir` (the nearest ancestor with `.git`), else `dir` itself. */
function workTreeOf(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return dir;
  }
}

/** Renders what the flags describe. Throws UserError on any failure (nothing partial is returned). */
export async function runRender(dir: string | undefined, flags: RenderFlags): Promise<RenderOutcome> {
  const plugins = await loadPluginConfigs(flags.pluginConfig);
  if (flags.repo !== undefined) {
    if (dir !== undefined) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, 'give either a directory or --repo, not both');
    if (flags.values.some((v) => path.isAbsolute(v))) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, '--values with --repo: give paths inside the repository');
    const workRoot = await mkdtemp(path.join(tmpdir(), 'kawa-render-cli-'));
    try {
      const service = new RepoService({ mirrors: new GitMirrorCache(), workRoot, plugins: () => plugins });
      const source: ApplicationSource = {
        repoURL: flags.repo,
        ...(flags.revision === undefined ? {} : { targetRevision: flags.revision }),
        ...(flags.chart === undefined ? { path: flags.path ?? '.' } : { chart: flags.chart }),
        ...sourceFromFlags(flags, flags.values),
      };
      const appName = flags.appName ?? flags.chart ?? path.basename(path.resolve('/', flags.path ?? '/'));
      const result = await service.generateManifests({
        source,
        appName: appName === '' ? 'app' : appName,
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(flags.kubeVersion === undefined ? {} : { kubeVersion: flags.kubeVersion }),
      });
      return { revision: result.revision, objects: result.objects, warnings: result.warnings };
    } finally {
      await rm(workRoot, { recursive: true, force: true });
    }
  }
  if (flags.chart !== undefined || flags.revision !== undefined || flags.path !== undefined) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, '--chart, --revision and --path need --repo');
  }
  const appDir = path.resolve(dir ?? '.');
  if (!(await stat(appDir).then((s) => s.isDirectory(), () => false))) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `${dir ?? '.'} is not a directory`);
  const root = flags.root === undefined ? workTreeOf(appDir) : path.resolve(flags.root);
  // Values files are named from the current directory; the renderer takes them from the repository root.
  const valueFiles = flags.values.map((v) => `/${path.relative(root, path.resolve(v)).split(path.sep).join('/')}`);
  const result = await renderSource({
    repoRoot: root,
    path: path.relative(root, appDir) || '.',
    source: sourceFromFlags(flags, valueFiles),
    appName: flags.appName ?? path.basename(appDir),
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
    ...(flags.kubeVersion === undefined ? {} : { kubeVersion: flags.kubeVersion }),
    plugins,
  });
  return { objects: result.objects, warnings: result.warnings };
}

/** A YAML stream (`---` between documents) or a JSON `List`, ending with a newline. */
export function formatObjects(objects: readonly KubeObject[], output: 'yaml' | 'json'): string {
  if (output === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('render a source (plain YAML/JSON, Kustomize, Helm or Jsonnet) and print its objects')
    .argument('[dir]', 'a local directory (default: the current directory, unless --repo is given)')
    .option('--repo <url>', 'render from this git repository (or Helm repository / OCI registry with --chart)')
    .option('--revision <rev>', 'with --repo: branch, tag or commit (chart version or range with --chart)')
    .option('--path <path>', 'with --repo: the path inside the repository')
    .option('--chart <name>', 'with --repo: a chart of a Helm repository or OCI registry')
    .option('--root <dir>', 'the repository root DIR is rendered in (default: its git work tree)')
    .option('--app-name <name>', 'the application name (Helm release name by default; default: the directory name)')
    .option('--namespace <ns>', 'the destination namespace')
    .option('--kube-version <v>', "the cluster version Helm's .Capabilities report")
    .option('--helm-set <k=v>', 'a Helm parameter (repeatable)', collect, [])
    .option('--helm-set-string <k=v>', 'a Helm string parameter (repeatable)', collect, [])
    .option('--values <file>', 'a Helm values file (repeatable; inside the repository)', collect, [])
    .option('--release-name <name>', 'the Helm release name')
    .option('--kustomize-image <image>', 'a Kustomize image override, e.g. nginx=nginx:1.27 (repeatable)', collect, [])
    .option('--jsonnet-tla <k=v>', 'a Jsonnet top-level argument (repeatable)', collect, [])
    .option('--jsonnet-tla-code <k=code>', 'a Jsonnet top-level argument as code (repeatable)', collect, [])
    .option('--jsonnet-ext-var <k=v>', 'a Jsonnet external variable (repeatable)', collect, [])
    .option('--directory-recurse', 'include subdirectories of a plain directory')
    .option('--plugin <name>', 'render with this config management plugin')
    .option('--plugin-config <file>', "a plugin.yaml (Argo CD's ConfigManagementPlugin) to make available (repeatable)", collect, [])
    .option('--plugin-env <k=v>', 'an environment variable for the plugin, given to it as ARGOCD_ENV_<k> (repeatable)', collect, [])
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (dir: string | undefined, flags: RenderFlags) => {
      const outcome = await runRender(dir, flags);
      for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(formatObjects(outcome.objects.map((o) => o.object), flags.output));
    });
}
