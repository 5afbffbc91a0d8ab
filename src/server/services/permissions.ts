// Whether an Application fits its project: the rules Argo CD checks when an app is created or updated
// (`argo.ValidatePermissions`), with Argo CD's wording so messages read the same.
import { apiReasons } from '../../errors.js';
import {
  appProjectSchema,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isSourcePermitted,
  sourcesOf,
  validateApplication,
  type AppProject,
  type Application,
  type Cluster,
} from '../../model/index.js';
import { issuesToErrors } from '../../model/validation.js';
import { failedPrecondition, invalidArgument } from '../http-errors.js';
import type { KubeJson } from '../store.js';
import type { ServiceContext } from './context.js';

/** The project as stored, checked; a malformed one refuses changes rather than being guessed at. */
export function asProject(raw: KubeJson): AppProject {
  const parsed = appProjectSchema.safeParse(raw);
  if (!parsed.success) {
    const name = (raw['metadata'] as { name?: unknown } | undefined)?.name;
    throw failedPrecondition(`project ${String(name)} is malformed in the cluster: ${issuesToErrors(parsed.error.issues, raw).join('; ')}`);
  }
  return parsed.data;
}

/** The Application checked against the model: types and the rules across fields. */
export function asApplication(raw: KubeJson): Application {
  const result = validateApplication(raw);
  if (!result.ok) throw invalidArgument(`application spec is invalid: ${result.errors.join('; ')}`);
  return result.value;
}

/** The project an app names, or 400 as Argo CD answers when it does not exist. */
export async function projectFor(ctx: ServiceContext, projectName: string): Promise<AppProject> {
  const raw = await ctx.store.get('appprojects', ctx.namespace, projectName);
  if (raw === undefined) throw invalidArgument(`application references project ${projectName} which does not exist`, { reason: apiReasons.PROJECT_NOT_FOUND, metadata: { project: projectName } });
  return asProject(raw);
}

export interface Violations {
  /** The project refuses: 403 with these reasons. */
  readonly forbidden: string[];
  /** The destination names no known cluster: 400. */
  readonly invalid: string[];
}

/** Everything the project refuses about `app` (already model-valid), for a 403 that says why. */
export function projectViolations(app: Application, project: AppProject, clusters: readonly Cluster[], controlNamespace: string): Violations {
  const forbidden: string[] = [];
  const invalid: string[] = [];
  const projectName = project.metadata.name;
  const appNamespace = app.metadata.namespace ?? controlNamespace;
  if (!isAppNamespacePermitted(project, appNamespace, controlNamespace)) {
    forbidden.push(`application in namespace '${appNamespace}' is not permitted in project '${projectName}'`);
  }
  const repos = sourcesOf(app.spec).map((s) => s.repoURL);
  if (app.spec.sourceHydrator !== undefined) repos.push(app.spec.sourceHydrator.drySource.repoURL);
  for (const repo of repos) {
    if (!isSourcePermitted(project, repo)) forbidden.push(`application repo ${repo} is not permitted in project '${projectName}'`);
  }
  const dest = app.spec.destination;
  const server = dest.server ?? '';
  const name = dest.name ?? '';
  const cluster = server !== '' ? clusters.find((c) => c.server === server) : clusters.find((c) => c.name === name);
  if (cluster === undefined) {
    invalid.push(server !== '' ? `cluster '${server}' has not been configured` : `unable to find destination server: there are no clusters with this name: ${name}`);
    return { forbidden, invalid };
  }
  const projectClusters = clusters.filter((c) => c.project === projectName);
  if (!isDestinationPermitted(project, { server: cluster.server, name: cluster.name, namespace: dest.namespace }, { projectClusters })) {
    forbidden.push(
      `application destination server '${cluster.server}' and namespace '${dest.namespace ?? ''}' do not match any of the allowed destinations in project '${projectName}'`,
    );
  }
  return { forbidden, invalid };
}
