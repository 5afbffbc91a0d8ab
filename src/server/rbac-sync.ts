// Feeds RBAC what it judges by: `argocd-rbac-cm`, the roles of every AppProject, and from `argocd-cm` (read
// with the shared argocd-cm reader) `server.rbac.disableApplicationFineGrainedRBACInheritance`. RbacService
// keeps the last valid policy when the ConfigMap turns invalid, so a reload can never open access by failing.
// startServer reloads on a timer and right after the API changed a project; a watch can replace the
// timer without changing this function.
import type { FastifyBaseLogger } from 'fastify';
import { ARGOCD_CM_NAME, parseArgoCdConfigMap } from '../model/settings.js';
import { loadProjectRoles, type RbacService } from './rbac/index.js';
import { kubeFailure, kubeStatusOf, type ArgoStore, type CoreClient } from './store.js';

export const ARGOCD_RBAC_CM = 'argocd-rbac-cm';

export interface RbacSources {
  readonly rbac: RbacService;
  readonly core: CoreClient;
  readonly store: ArgoStore;
  readonly namespace: string;
  readonly log: FastifyBaseLogger;
}

/** Read a ConfigMap's data; undefined when it does not exist. */
async function readConfigMapData(core: CoreClient, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    return (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
  } catch (err) {
    if (kubeStatusOf(err) === 404) return undefined;
    throw kubeFailure(err, `reading ConfigMap ${namespace}/${name}`);
  }
}

export async function reloadPolicy(sources: RbacSources): Promise<void> {
  // Both are read before anything changes: a failed read throws and leaves the policy in force as it was.
  const [policy, argocdCm] = await Promise.all([
    readConfigMapData(sources.core, sources.namespace, ARGOCD_RBAC_CM),
    readConfigMapData(sources.core, sources.namespace, ARGOCD_CM_NAME),
  ]);
  const { settings, errors } = parseArgoCdConfigMap(argocdCm === undefined ? undefined : { data: argocdCm });
  const inheritanceKey = 'server.rbac.disableApplicationFineGrainedRBACInheritance';
  for (const problem of errors.filter((e) => e.startsWith(`${inheritanceKey}:`))) sources.log.warn(`${ARGOCD_CM_NAME} ${problem}`);
  const result = await sources.rbac.update(policy, { applicationFineGrainedInheritance: !settings.disableApplicationFineGrainedRBACInheritance });
  if (!result.ok) sources.log.error({ err: result.error }, `${ARGOCD_RBAC_CM} is invalid; the previous policy stays in force`);
}

export async function reloadProjectRoles(sources: RbacSources): Promise<void> {
  const projects = await sources.store.list('appprojects', sources.namespace);
  const { roles, problems } = loadProjectRoles(projects.items);
  for (const problem of problems) sources.log.warn(problem);
  const result = await sources.rbac.updateProjects(roles);
  if (!result.ok) sources.log.error({ err: result.error }, 'project roles could not be loaded');
}

export async function reloadRbac(sources: RbacSources): Promise<void> {
  await reloadPolicy(sources);
  await reloadProjectRoles(sources);
}
