// What a render takes (the config-management part of an Argo CD ApplicationSource) and what it gives
// back. The option schemas are src/model's (the one definition; loose, every block optional), so an
// Application's `spec.source` can be passed as it is; fields kawa does not act on are ignored. Render
// calls them "options"; the aliases below keep those names.
import type { z } from 'zod';
import {
  applicationSourceSchema,
  directorySourceSchema,
  helmSourceSchema,
  kustomizeSourceSchema,
  type DirectorySource,
  type HelmSource,
  type KustomizeSource,
} from '../model/application.js';
import type { ChartRepositories } from './charts/dependencies.js';
import type { ConfigManagementPlugin } from './plugin.js';
import type { RenderBudget } from './safety.js';
import type { ToolPaths } from './tools.js';

export { directorySourceSchema as directoryOptionsSchema, helmSourceSchema as helmOptionsSchema, kustomizeSourceSchema as kustomizeOptionsSchema };
export type { JsonnetVar, KustomizePatch } from '../model/application.js';

/** The part of an ApplicationSource that says how to render; other fields (repoURL, path, …) pass through. */
export const sourceOptionsSchema = applicationSourceSchema.pick({ helm: true, kustomize: true, directory: true, plugin: true });

export type HelmOptions = HelmSource;
export type KustomizeOptions = KustomizeSource;
export type DirectoryOptions = DirectorySource;
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
  /** Configured config management plugins (by name, or discovered). */
  plugins?: readonly ConfigManagementPlugin[];
  /** Chart repositories for Helm dependencies missing from `charts/`. */
  chartRepositories?: ChartRepositories;
  /** Non-fatal notes (skipped files) for the caller to show. */
  warnings: string[];
}
