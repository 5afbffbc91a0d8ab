// Feeds RBAC what it judges by: `argocd-rbac-cm`, the roles of every AppProject, and from `argocd-cm` (parsed
// with the model's argocd-cm parser) `server.rbac.disableApplicationFineGrainedRBACInheritance`. RbacService
// keeps the last valid policy when the ConfigMap turns invalid, so a reload can never open access by failing.
// The two ConfigMaps come from the shared settings reader when there is one (assembleServer reloads the policy
// whenever its watch delivers a change to either), else they are read afresh. startServer also reloads on a
// timer and right after the API changed a project.
import type { FastifyBaseLogger } from 'fastify';
import { errorCodes, UserError } from '../errors.js';
import { ARGOCD_CM_NAME, ARGOCD_RBAC_CM_NAME, parseArgoCdConfigMap } from '../model/settings.js';
import type { SettingsReader } from '../settings/index.js';
import { loadProjectRoles, type RbacService } from './rbac/index.js';
import { kubeFailure, kubeStatusOf, type ArgoStore, type CoreClient } from './store.js';

export const ARGOCD_RBAC_CM = ARGOCD_RBAC_CM_NAME;
/** How long a reload waits for the settings watch to catch up with the ConfigMaps as listed. */
const CATCH_UP_MS = 5000;

export interface RbacSources {
  readonly rbac: RbacService;
  readonly core: CoreClient;
  readonly store: ArgoStore;
  readonly namespace: string;
  readonly log: FastifyBaseLogger;
  /** The shared watch-backed reader; without it both ConfigMaps are read from the API server. */
  readonly settings?: SettingsReader;
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

/** argocd-rbac-cm's and argocd-cm's data; throws (leaving the policy as it is) when they cannot be known. */
async function readPolicySources(sources: RbacSources, delivered: boolean): Promise<[Record<string, string> | undefined, Record<string, string> | undefined]> {
  const reader = sources.settings;
  if (reader === undefined) {
    return Promise.all([readConfigMapData(sources.core, sources.namespace, ARGOCD_RBAC_CM), readConfigMapData(sources.core, sources.namespace, ARGOCD_CM_NAME)]);
  }
  if (!reader.synced) throw new UserError(errorCodes.KUBE_API_FAILED, `${ARGOCD_RBAC_CM} and ${ARGOCD_CM_NAME} in ${sources.namespace} have not been listed yet`);
  // An explicit reload (the timer, after an edit) first makes sure the watch has delivered the latest: one list.
  // A reload the watch itself triggered has the change already and reads memory only.
  if (!delivered) await reader.catchUp('ConfigMap', CATCH_UP_MS);
  return [reader.configMapData(ARGOCD_RBAC_CM), reader.configMapData(ARGOCD_CM_NAME)];
}

/** Re-reads the policy; `delivered`: the settings watch has just delivered the change (no catch-up list). */
export async function reloadPolicy(sources: RbacSources, options: { delivered?: boolean } = {}): Promise<void> {
  // Both are read before anything changes: a failed read throws and leaves the policy in force as it was.
  const [policy, argocdCm] = await readPolicySources(sources, options.delivered === true);
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
