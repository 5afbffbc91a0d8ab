// What a render takes (the config-management part of an Argo CD ApplicationSource) and what it gives
// back. The schemas are loose and every field is optional, the same shape src/model uses, so an
// Application's `spec.source` can be passed as it is; fields kawa does not act on are ignored.
import { z } from 'zod';
import type { RenderBudget } from './safety.js';
import type { ToolPaths } from './tools.js';

const str = z.string();
const strList = z.array(z.string());
const strMap = z.record(z.string(), z.string());

export const helmParameterSchema = z.looseObject({
  name: str.optional(),
  value: str.optional(),
  /** `--set-string` instead of `--set`, so `true` and `1` stay strings. */
  forceString: z.boolean().optional(),
});

export const helmFileParameterSchema = z.looseObject({ name: str.optional(), path: str.optional() });

export const helmOptionsSchema = z.looseObject({
  /** Relative to the chart directory; `/x` is relative to the repository root; `$ref/x` reads another source. */
  valueFiles: strList.optional(),
  /** Values as a YAML string; ignored when `valuesObject` is set. */
  values: str.optional(),
  valuesObject: z.record(z.string(), z.unknown()).optional(),
  parameters: z.array(helmParameterSchema).optional(),
  fileParameters: z.array(helmFileParameterSchema).optional(),
  releaseName: str.optional(),
  ignoreMissingValueFiles: z.boolean().optional(),
  skipCrds: z.boolean().optional(),
  skipTests: z.boolean().optional(),
  skipSchemaValidation: z.boolean().optional(),
  namespace: str.optional(),
  kubeVersion: str.optional(),
  apiVersions: strList.optional(),
  /** Accepted and ignored: Helm 3 is the only Helm (as in Argo CD). */
  version: str.optional(),
  /** Accepted and ignored: only matters for chart repositories, which are not rendered here yet. */
  passCredentials: z.boolean().optional(),
});

export const kustomizePatchSchema = z.looseObject({
  path: str.optional(),
  patch: str.optional(),
  target: z
    .looseObject({
      group: str.optional(),
      version: str.optional(),
      kind: str.optional(),
      name: str.optional(),
      namespace: str.optional(),
      labelSelector: str.optional(),
      annotationSelector: str.optional(),
    })
    .optional(),
  options: z.record(z.string(), z.boolean()).optional(),
});

export const kustomizeOptionsSchema = z.looseObject({
  namePrefix: str.optional(),
  nameSuffix: str.optional(),
  /** `kustomize edit set image` arguments: `name=newName:tag`, `image:tag`, `image@digest`. */
  images: strList.optional(),
  commonLabels: strMap.optional(),
  commonAnnotations: strMap.optional(),
  commonAnnotationsEnvsubst: z.boolean().optional(),
  forceCommonLabels: z.boolean().optional(),
  forceCommonAnnotations: z.boolean().optional(),
  labelWithoutSelector: z.boolean().optional(),
  labelIncludeTemplates: z.boolean().optional(),
  namespace: str.optional(),
  /** int-or-string, as in Kubernetes; a string must hold an integer. */
  replicas: z.array(z.looseObject({ name: str, count: z.union([z.number().int(), str]) })).optional(),
  patches: z.array(kustomizePatchSchema).optional(),
  /** Paths relative to the kustomization directory. */
  components: strList.optional(),
  ignoreMissingComponents: z.boolean().optional(),
  /** Accepted and ignored: kawa runs its one pinned kustomize. */
  version: str.optional(),
  /** Accepted and ignored: only used by kustomize's helmCharts, which kawa does not enable. */
  kubeVersion: str.optional(),
  apiVersions: strList.optional(),
});

export const jsonnetVarSchema = z.looseObject({
  name: str,
  value: str,
  /** The value is Jsonnet code rather than a string. */
  code: z.boolean().optional(),
});

export const directoryOptionsSchema = z.looseObject({
  recurse: z.boolean().optional(),
  /** Glob over paths relative to the app directory; `{a,b}` for several. */
  include: str.optional(),
  /** Glob of files to skip; wins over `include`. */
  exclude: str.optional(),
  jsonnet: z
    .looseObject({
      extVars: z.array(jsonnetVarSchema).optional(),
      tlas: z.array(jsonnetVarSchema).optional(),
      /** Library directories, relative to the repository root. */
      libs: strList.optional(),
    })
    .optional(),
});

export const pluginOptionsSchema = z.looseObject({
  name: str.optional(),
  env: z.array(z.looseObject({ name: str, value: str })).optional(),
  parameters: z.array(z.looseObject({ name: str.optional() })).optional(),
});

/** The part of an ApplicationSource that says how to render; other fields (repoURL, path, …) pass through. */
export const sourceOptionsSchema = z.looseObject({
  helm: helmOptionsSchema.optional(),
  kustomize: kustomizeOptionsSchema.optional(),
  directory: directoryOptionsSchema.optional(),
  plugin: pluginOptionsSchema.optional(),
});

export type HelmOptions = z.infer<typeof helmOptionsSchema>;
export type KustomizeOptions = z.infer<typeof kustomizeOptionsSchema>;
export type KustomizePatch = z.infer<typeof kustomizePatchSchema>;
export type DirectoryOptions = z.infer<typeof directoryOptionsSchema>;
export type JsonnetVar = z.infer<typeof jsonnetVarSchema>;
export type SourceOptions = z.infer<typeof sourceOptionsSchema>;

/** `status.sourceType` values, spelled as Argo CD spells them. */
export type SourceType = 'Directory' | 'Kustomize' | 'Helm' | 'Plugin';

/** A Kubernetes object as plain JSON; a render guarantees `apiVersion` and `kind` are non-empty strings. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Where a rendered object came from, for error messages. Positions are 1-based. */
export interface Origin {
  /** Repository-relative file (directory sources), the `# Source:` of a Helm template, or `kustomize build <path>`. */
  file: string;
  /** Which document of the file's YAML stream (or element of a Jsonnet array). */
  document: number;
  /** The line the document starts on, when known. */
  line?: number;
  /** Which item of a `List` the object was. */
  item?: number;
}

export interface RenderedObject {
  object: KubeObject;
  origin: Origin;
}

/** `deploy.yaml document 2 (line 14) item 3`, for messages. */
export function describeOrigin(origin: Origin): string {
  let text = `${origin.file} document ${origin.document}`;
  if (origin.line !== undefined) text += ` (line ${origin.line})`;
  if (origin.item !== undefined) text += ` item ${origin.item}`;
  return text;
}

/** What every source renderer gets: resolved directories, limits, and the Application's context. */
export interface RenderContext {
  /** The repository root, symlinks resolved. */
  root: string;
  /** The application directory, symlinks resolved, inside `root`. */
  appDir: string;
  budget: RenderBudget;
  /** A private directory for this render (tool HOME, temp files), removed afterwards. */
  tmpDir: string;
  tools: ToolPaths;
  /** `$ARGOCD_APP_*` variables for substitution in the options that allow it. */
  buildEnv: Readonly<Record<string, string>>;
  /** The Application's name: Helm's default release name. */
  appName?: string;
  /** The destination namespace: Helm's default `--namespace`. */
  namespace?: string;
  /** The destination cluster's version and API versions, for Helm's `.Capabilities`. */
  kubeVersion?: string;
  apiVersions?: readonly string[];
  /** Checked-out roots of the other sources of a multi-source app, by `ref` name, for `$ref/…` value files. */
  refs?: Readonly<Record<string, string>>;
  /** Non-fatal notes (skipped files) for the caller to show. */
  warnings: string[];
}
