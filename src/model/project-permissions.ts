// Whether an Application fits its project: the rules Argo CD checks when an app is created or updated
// (`argo.ValidatePermissions`), with Argo CD's wording so messages read the same. Pure: the API server
// answers 403/400 with these reasons, the controller turns them into an InvalidSpecError condition.
import { sourcesOf, type Application } from './application.js';
import { isAppNamespacePermitted, isDestinationPermitted, isSourcePermitted, type AppProject } from './project.js';
import type { Cluster } from './secrets.js';

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
