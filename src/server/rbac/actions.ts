// The fine-grained actions of the `applications` resource, in Argo CD's format (rbac.md):
//
//   update/<group>/<kind>/<namespace>/<name>   patch one live resource of the app
//   delete/<group>/<kind>/<namespace>/<name>   delete one live resource of the app
//   action/<group>/<kind>/<action-name>        run a resource action (resource.customizations.actions)
//
// The core group is empty (`delete//Pod/ns/web`), as is the namespace of a cluster-scoped resource. Routes
// build the action from the live object they found, never from request text, and every part must be free
// of `/`: Kubernetes names, kinds and groups never contain one, so a part that does could only be an
// attempt to make the string mean another resource.

/** The verbs whose fine-grained form names one resource of an app. */
export type ResourceVerb = 'update' | 'delete';

/** A live resource as the fine-grained action names it. */
export interface ResourceCoordinates {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export type ApplicationAction =
  /** `get`, `update`, `sync`, … on the application itself. */
  | { readonly type: 'app'; readonly verb: string }
  | { readonly type: 'resource'; readonly verb: ResourceVerb; readonly resource: ResourceCoordinates }
  | { readonly type: 'action'; readonly group: string; readonly kind: string; readonly name: string }
  /** Starts like a fine-grained action but has the wrong number of parts; matches only what names it literally. */
  | { readonly type: 'malformed' };

function checkPart(what: string, value: string, required: boolean): void {
  if (value.includes('/')) throw new Error(`the ${what} ${JSON.stringify(value)} contains "/"`);
  if (required && value === '') throw new Error(`the ${what} is empty`);
}

/** `update/<group>/<kind>/<ns>/<name>` or `delete/…`; throws Error when a part holds `/` or kind/name are empty. */
export function resourceAction(verb: ResourceVerb, resource: ResourceCoordinates): string {
  checkPart('group', resource.group, false);
  checkPart('kind', resource.kind, true);
  checkPart('namespace', resource.namespace, false);
  checkPart('name', resource.name, true);
  return `${verb}/${resource.group}/${resource.kind}/${resource.namespace}/${resource.name}`;
}

/** `action/<group>/<kind>/<action-name>`, what running a resource action needs; throws like resourceAction. */
export function customAction(resource: { readonly group: string; readonly kind: string }, actionName: string): string {
  checkPart('group', resource.group, false);
  checkPart('kind', resource.kind, true);
  checkPart('action name', actionName, true);
  return `action/${resource.group}/${resource.kind}/${actionName}`;
}

/** Read a requested `applications` action (not a policy pattern: `*` is taken literally here). */
export function parseApplicationAction(action: string): ApplicationAction {
  const parts = action.split('/');
  const [head = '', ...rest] = parts;
  if (rest.length === 0) return { type: 'app', verb: head };
  if (head === 'update' || head === 'delete') {
    const [group = '', kind = '', namespace = '', name = ''] = rest;
    if (rest.length !== 4 || kind === '' || name === '') return { type: 'malformed' };
    return { type: 'resource', verb: head, resource: { group, kind, namespace, name } };
  }
  if (head === 'action') {
    const [group = '', kind = '', name = ''] = rest;
    if (rest.length !== 3 || kind === '' || name === '') return { type: 'malformed' };
    return { type: 'action', group, kind, name };
  }
  return { type: 'malformed' };
}
