// Pure: what an app's project refuses among the objects it would write — each object's kind (with its
// name, for allow/deny entries that name objects) and, for namespaced objects and hooks, its own
// namespace. Checking only `spec.destination` would let a manifest with `metadata.namespace: kube-system`
// be written with the controller's credentials; Argo CD checks every object, and so does kawa.
import { isDestinationPermitted, isResourcePermitted, type DestinationCheckOptions, type ProjectLike } from './project.js';

/** The fields of an object the checks read (rendered objects may lack any of them). */
export interface DesiredObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: { name?: string | undefined; namespace?: string | undefined } | null | undefined;
}

export interface DesiredObjectsCheck {
  project: ProjectLike & { metadata: { name: string } };
  objects: readonly DesiredObject[];
  /** The app's destination with its cluster resolved (server and name both set when known). */
  destination: { server?: string | undefined; name?: string | undefined; namespace?: string | undefined };
  /** Whether a kind is namespaced (discovery); unknown kinds count as namespaced, the safer reading. */
  isNamespaced: (group: string, kind: string) => boolean;
  destinationOptions?: DestinationCheckOptions;
}

/** Every refusal, in Argo CD's words, each once, in the order the objects come. */
export function desiredObjectViolations(check: DesiredObjectsCheck): string[] {
  const { project, destination } = check;
  const projectName = project.metadata.name;
  const problems = new Set<string>();
  for (const obj of check.objects) {
    const apiVersion = obj.apiVersion ?? '';
    const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
    const kind = obj.kind ?? '';
    const name = obj.metadata?.name ?? undefined;
    const namespaced = check.isNamespaced(group, kind);
    if (!isResourcePermitted(project, group, kind, namespaced, name)) {
      problems.add(`resource ${group}:${kind} is not permitted in project ${projectName}`);
    }
    if (!namespaced) continue;
    // An object without a namespace lands in the destination namespace, which the spec check covers.
    const namespace = obj.metadata?.namespace ?? undefined;
    if (namespace === undefined || namespace === '' || namespace === destination.namespace) continue;
    if (!isDestinationPermitted(project, { server: destination.server, name: destination.name, namespace }, check.destinationOptions)) {
      problems.add(`namespace ${namespace} is not permitted in project '${projectName}'`);
    }
  }
  return [...problems];
}
