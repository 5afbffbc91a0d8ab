// The desired state of an app: its sources rendered through the repo service (which caches by commit),
// and the key that says when a render is due again because what it depends on changed.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/index.js';
import type { Application, ApplicationSource } from '../model/index.js';
import { renderApp as renderSources } from '../reposerver/index.js';
import { instanceNameOf } from './app-identity.js';
import type { ClusterHandle } from './clusters.js';
import type { ControllerContext } from './context.js';

export interface RenderedApp {
  revision: string;
  /** Per source, for a multi-source app. */
  revisions?: string[];
  sourceType: string;
  objects: KubeObject[];
}

/** What a render depends on besides the commit: a change of any of it renders again. */
export function renderKeyOf(app: Application, instance: string, handle: ClusterHandle): string {
  const inputs = [app.spec.source ?? null, app.spec.sources ?? null, app.spec.destination.namespace ?? '', instance, handle.serverVersion ?? ''];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

/** Renders every source (multi-source apps concatenate, `ref`-only sources render nothing). */
export async function renderDesired(
  ctx: ControllerContext,
  app: Application,
  sources: ApplicationSource[],
  revisions: (string | undefined)[] | undefined,
  handle: ClusterHandle,
  noCache: boolean,
): Promise<RenderedApp> {
  const rendered = await renderSources(ctx.options.repo, app, {
    instance: instanceNameOf(app, ctx.namespace),
    sources,
    ...(revisions === undefined ? {} : { revisions }),
    ...(handle.serverVersion === undefined ? {} : { kubeVersion: handle.serverVersion }),
    noCache,
  });
  return {
    revision: rendered.revision,
    ...(sources.length > 1 ? { revisions: rendered.revisions } : {}),
    sourceType: rendered.sourceTypes[0] ?? 'Directory',
    objects: rendered.objects,
  };
}
