// Application specs from command-line flags (`app create`, `app set`, `app unset`), Argo CD's flag names.
import { UserError, errorCodes } from '../../errors.js';
import { RESOURCES_FINALIZER, type Application, type ApplicationSource, type ApplicationSpec } from '../../model/index.js';

/** Flags shared by `app create` and `app set`. */
export interface AppSpecFlags {
  repo?: string;
  path?: string;
  revision?: string;
  chart?: string;
  destServer?: string;
  destName?: string;
  destNamespace?: string;
  project?: string;
  syncPolicy?: string;
  autoPrune?: boolean;
  selfHeal?: boolean;
  allowEmpty?: boolean;
  syncOption?: string[];
  helmSet?: string[];
  helmSetString?: string[];
  values?: string[];
  releaseName?: string;
  kustomizeImage?: string[];
  nameprefix?: string;
  namesuffix?: string;
  jsonnetTla?: string[];
  jsonnetExtVar?: string[];
  directoryRecurse?: boolean;
  revisionHistoryLimit?: string;
}

const bad = (message: string): UserError => new UserError(errorCodes.CLI_INVALID_ARGUMENT, message);

/** `name=value` → [name, value]. */
export function keyValue(text: string, flag: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw bad(`${flag} wants NAME=VALUE, got "${text}"`);
  return [text.slice(0, i), text.slice(i + 1)];
}

function upsertBy<T extends { name?: string | undefined }>(list: T[] | undefined, item: T): T[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((x) => x.name === item.name);
  if (i >= 0) out[i] = item;
  else out.push(item);
  return out;
}

/** The image name of a kustomize image override (`nginx=nginx:1.2`, `nginx:1.2`, `nginx@sha256:…`). */
function imageName(image: string): string {
  const eq = image.indexOf('=');
  if (eq > 0) return image.slice(0, eq);
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
}

/** The source the flags act on: `spec.source`, or the first of `spec.sources`. */
function sourceOf(spec: ApplicationSpec): ApplicationSource {
  if (spec.sources !== undefined && spec.sources.length > 0) return spec.sources[0] as ApplicationSource;
  spec.source ??= { repoURL: '' };
  return spec.source;
}

/** Applies the flags to a spec, in place. Only flags that were given change anything. */
export function applySpecFlags(spec: ApplicationSpec, flags: AppSpecFlags): void {
  const touchesSource =
    [flags.repo, flags.path, flags.revision, flags.chart, flags.releaseName, flags.nameprefix, flags.namesuffix, flags.directoryRecurse].some((v) => v !== undefined) ||
    [flags.helmSet, flags.helmSetString, flags.values, flags.kustomizeImage, flags.jsonnetTla, flags.jsonnetExtVar].some((v) => v !== undefined && v.length > 0);
  if (touchesSource) {
    const source = sourceOf(spec);
    if (flags.repo !== undefined) source.repoURL = flags.repo;
    if (flags.path !== undefined) source.path = flags.path;
    if (flags.revision !== undefined) source.targetRevision = flags.revision;
    if (flags.chart !== undefined) source.chart = flags.chart;
    const helmParams = [...(flags.helmSet ?? []).map((p) => [p, false] as const), ...(flags.helmSetString ?? []).map((p) => [p, true] as const)];
    if (helmParams.length > 0 || (flags.values ?? []).length > 0 || flags.releaseName !== undefined) {
      const helm = (source.helm ??= {});
      for (const [param, forceString] of helmParams) {
        const [name, value] = keyValue(param, forceString ? '--helm-set-string' : '--helm-set');
        helm.parameters = upsertBy(helm.parameters, { name, value, ...(forceString ? { forceString: true } : {}) });
      }
      for (const file of flags.values ?? []) if (!(helm.valueFiles ?? []).includes(file)) helm.valueFiles = [...(helm.valueFiles ?? []), file];
      if (flags.releaseName !== undefined) helm.releaseName = flags.releaseName;
    }
    if ((flags.kustomizeImage ?? []).length > 0 || flags.nameprefix !== undefined || flags.namesuffix !== undefined) {
      const kustomize = (source.kustomize ??= {});
      for (const image of flags.kustomizeImage ?? []) {
        const kept = (kustomize.images ?? []).filter((i) => imageName(i) !== imageName(image));
        kustomize.images = [...kept, image];
      }
      if (flags.nameprefix !== undefined) kustomize.namePrefix = flags.nameprefix;
      if (flags.namesuffix !== undefined) kustomize.nameSuffix = flags.namesuffix;
    }
    if ((flags.jsonnetTla ?? []).length > 0 || (flags.jsonnetExtVar ?? []).length > 0 || flags.directoryRecurse !== undefined) {
      const directory = (source.directory ??= {});
      if (flags.directoryRecurse !== undefined) directory.recurse = flags.directoryRecurse;
      if ((flags.jsonnetTla ?? []).length > 0 || (flags.jsonnetExtVar ?? []).length > 0) {
        const jsonnet = (directory.jsonnet ??= {});
        for (const tla of flags.jsonnetTla ?? []) {
          const [name, value] = keyValue(tla, '--jsonnet-tla');
          jsonnet.tlas = upsertBy(jsonnet.tlas, { name, value });
        }
        for (const ext of flags.jsonnetExtVar ?? []) {
          const [name, value] = keyValue(ext, '--jsonnet-ext-var');
          jsonnet.extVars = upsertBy(jsonnet.extVars, { name, value });
        }
      }
    }
  }
  if (flags.destServer !== undefined && flags.destName !== undefined) throw bad('give --dest-server or --dest-name, not both');
  if (flags.destServer !== undefined) spec.destination = { ...spec.destination, server: flags.destServer, name: undefined };
  if (flags.destName !== undefined) spec.destination = { ...spec.destination, name: flags.destName, server: undefined };
  spec.destination = Object.fromEntries(Object.entries(spec.destination).filter(([, v]) => v !== undefined));
  if (flags.destNamespace !== undefined) spec.destination.namespace = flags.destNamespace;
  if (flags.project !== undefined) spec.project = flags.project;
  if (flags.revisionHistoryLimit !== undefined) {
    const n = Number(flags.revisionHistoryLimit);
    if (!Number.isInteger(n) || n < 0) throw bad(`--revision-history-limit wants a whole number, got "${flags.revisionHistoryLimit}"`);
    spec.revisionHistoryLimit = n;
  }
  applySyncPolicy(spec, flags);
}

function applySyncPolicy(spec: ApplicationSpec, flags: AppSpecFlags): void {
  const policy = flags.syncPolicy?.toLowerCase();
  if (policy !== undefined) {
    if (['automated', 'automatic', 'auto'].includes(policy)) {
      spec.syncPolicy = { ...spec.syncPolicy, automated: { ...spec.syncPolicy?.automated } };
    } else if (['none', 'manual'].includes(policy)) {
      if (spec.syncPolicy !== undefined) delete spec.syncPolicy.automated;
      if (flags.autoPrune === true || flags.selfHeal === true) throw bad('--auto-prune and --self-heal need --sync-policy automated');
    } else {
      throw bad(`--sync-policy wants automated or none, got "${flags.syncPolicy ?? ''}"`);
    }
  }
  for (const [flag, key] of [
    ['autoPrune', 'prune'],
    ['selfHeal', 'selfHeal'],
    ['allowEmpty', 'allowEmpty'],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    const automated = spec.syncPolicy?.automated;
    if (automated === undefined) throw bad(`--${flag === 'autoPrune' ? 'auto-prune' : flag === 'selfHeal' ? 'self-heal' : 'allow-empty'} needs an automated sync policy: add --sync-policy automated`);
    automated[key] = value;
  }
  for (const option of flags.syncOption ?? []) {
    const [name] = keyValue(option, '--sync-option');
    const kept = (spec.syncPolicy?.syncOptions ?? []).filter((o) => o.split('=')[0] !== name);
    spec.syncPolicy = { ...spec.syncPolicy, syncOptions: [...kept, option] };
  }
}

export interface NewAppFlags extends AppSpecFlags {
  label?: string[];
  annotations?: string[];
  appNamespace?: string;
  finalizer?: boolean;
}

/** An Application from `app create NAME` flags. */
export function applicationFromFlags(name: string, flags: NewAppFlags): Application {
  if (flags.repo === undefined) throw bad('--repo is required (or give -f app.yaml)');
  if (flags.destServer === undefined && flags.destName === undefined) throw bad('--dest-server or --dest-name is required');
  const spec: ApplicationSpec = { project: 'default', destination: {}, source: { repoURL: flags.repo } };
  applySpecFlags(spec, flags);
  const labels = Object.fromEntries((flags.label ?? []).map((l) => keyValue(l, '--label')));
  const annotations = Object.fromEntries((flags.annotations ?? []).map((a) => keyValue(a, '--annotations')));
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      ...(flags.appNamespace === undefined ? {} : { namespace: flags.appNamespace }),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(flags.finalizer === true ? { finalizers: [RESOURCES_FINALIZER] } : {}),
    },
    spec,
  };
}

export interface UnsetFlags {
  values?: string[];
  helmSet?: string[];
  kustomizeImage?: string[];
  nameprefix?: boolean;
  namesuffix?: boolean;
  jsonnetTla?: string[];
  syncOption?: string[];
  releaseName?: boolean;
}

/** Removes what `app unset` names; answers whether anything changed. */
export function unsetSpecFlags(spec: ApplicationSpec, flags: UnsetFlags): boolean {
  const source = spec.sources?.[0] ?? spec.source;
  let changed = false;
  const drop = <T>(list: T[] | undefined, keep: (item: T) => boolean): T[] | undefined => {
    if (list === undefined) return undefined;
    const out = list.filter(keep);
    if (out.length !== list.length) changed = true;
    return out.length === 0 ? undefined : out;
  };
  if (source?.helm !== undefined) {
    source.helm.valueFiles = drop(source.helm.valueFiles, (f) => !(flags.values ?? []).includes(f));
    source.helm.parameters = drop(source.helm.parameters, (p) => !(flags.helmSet ?? []).includes(p.name ?? ''));
    if (flags.releaseName === true && source.helm.releaseName !== undefined) {
      delete source.helm.releaseName;
      changed = true;
    }
  }
  if (source?.kustomize !== undefined) {
    source.kustomize.images = drop(source.kustomize.images, (i) => !(flags.kustomizeImage ?? []).some((name) => imageName(name) === imageName(i)));
    for (const [flag, key] of [
      ['nameprefix', 'namePrefix'],
      ['namesuffix', 'nameSuffix'],
    ] as const) {
      if (flags[flag] === true && source.kustomize[key] !== undefined) {
        source.kustomize[key] = undefined;
        changed = true;
      }
    }
  }
  const jsonnet = source?.directory?.jsonnet;
  if (jsonnet !== undefined) jsonnet.tlas = drop(jsonnet.tlas, (t) => !(flags.jsonnetTla ?? []).includes(t.name));
  if (spec.syncPolicy !== undefined) {
    spec.syncPolicy.syncOptions = drop(spec.syncPolicy.syncOptions, (o) => !(flags.syncOption ?? []).some((name) => o === name || o.split('=')[0] === name));
  }
  return changed;
}

/** `ns/name` → the name and the app namespace (Argo CD accepts both forms). */
export function splitAppName(qualified: string): { name: string; appNamespace?: string } {
  const i = qualified.indexOf('/');
  if (i < 0) return { name: qualified };
  return { name: qualified.slice(i + 1), appNamespace: qualified.slice(0, i) };
}
