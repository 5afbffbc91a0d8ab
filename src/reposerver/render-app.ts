// Every source of an Application rendered the one way the controller and the API server share: sources
// with a `ref` are resolved first and lend their checkouts to the others (`$ref/values.yaml`); ref-only
// sources render nothing but keep their place in `revisions`. Every request carries the app's project,
// so each repository is reached with the credentials that project may use.
import { sourcesOf, type Application, type ApplicationSource } from '../model/index.js';
import type { KubeObject } from '../render/index.js';
import type { ManifestSource } from './source.js';

export interface RenderAppOptions {
  /** The app instance name (`$ARGOCD_APP_NAME`, Helm's default release name). */
  instance: string;
  /** Default: the app's own sources. */
  sources?: readonly ApplicationSource[];
  /** Per source: a revision to render instead of its targetRevision ('' or undefined: the target). */
  revisions?: readonly (string | undefined)[];
  /** The destination cluster's version, for Helm. */
  kubeVersion?: string;
  noCache?: boolean;
}

export interface RenderedApp {
  /** The first source's resolved revision. */
  revision: string;
  /** One resolved revision per source (ref-only ones included). */
  revisions: string[];
  /** One per rendered source. */
  sourceTypes: string[];
  objects: KubeObject[];
}

export async function renderApp(repo: Pick<ManifestSource, 'generateManifests' | 'resolveRevision'>, app: Application, options: RenderAppOptions): Promise<RenderedApp> {
  const sources = options.sources ?? sourcesOf(app.spec);
  const wanted = (i: number): string | undefined => {
    const revision = options.revisions?.[i];
    return revision === undefined || revision === '' ? undefined : revision;
  };
  const noCache = options.noCache === true;
  // Argo CD reads an empty project as `default`.
  const project = app.spec.project === '' ? 'default' : app.spec.project;
  const refSources: Record<string, { source: ApplicationSource; revision: string }> = {};
  const refRevisions = new Map<number, string>();
  for (const [i, source] of sources.entries()) {
    if (source.ref === undefined || source.ref === '') continue;
    const revision = wanted(i);
    const sha = await repo.resolveRevision(source, { ...(revision === undefined ? {} : { revision }), noCache, project });
    refSources[source.ref] = { source, revision: sha };
    refRevisions.set(i, sha);
  }
  const revisions: string[] = [];
  const sourceTypes: string[] = [];
  const objects: KubeObject[] = [];
  for (const [i, source] of sources.entries()) {
    const onlyRef = source.ref !== undefined && source.ref !== '' && (source.path ?? '') === '' && (source.chart ?? '') === '';
    if (onlyRef) {
      revisions.push(refRevisions.get(i) ?? '');
      continue;
    }
    const revision = wanted(i);
    const rendered = await repo.generateManifests({
      source,
      appName: options.instance,
      project,
      ...(app.spec.destination.namespace === undefined ? {} : { namespace: app.spec.destination.namespace }),
      ...(options.kubeVersion === undefined ? {} : { kubeVersion: options.kubeVersion }),
      ...(revision === undefined ? {} : { revision }),
      ...(Object.keys(refSources).length === 0 ? {} : { refSources }),
      noCache,
    });
    objects.push(...rendered.objects.map((r) => r.object));
    revisions.push(rendered.revision);
    sourceTypes.push(rendered.sourceType);
  }
  return { revision: revisions[0] ?? '', revisions, sourceTypes, objects };
}
