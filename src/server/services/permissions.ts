// The API server's reading of stored Applications and AppProjects, with HTTP errors: whether an app fits
// its project is model/project-permissions.ts (the controller checks the same rules).
import { apiReasons } from '../../errors.js';
import { appProjectSchema, validateApplication, type AppProject, type Application } from '../../model/index.js';
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

export { projectViolations, type Violations } from '../../model/project-permissions.js';
