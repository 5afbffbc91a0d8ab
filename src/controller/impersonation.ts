// Argo CD's sync impersonation (argocd-cm `application.sync.impersonation.enabled`): when on, an app's
// syncs, hooks, prunes and resource deletion run as a service account its project names for the
// destination (`spec.destinationServiceAccounts`), so the API server's RBAC bounds what a tenant's app
// may write instead of the controller's cluster-wide rights. Pure: the controller wires it to a client.
import { globMatch } from '../util/glob.js';
import { parseGoBool } from '../util/go-bool.js';
import type { AppProject } from '../model/index.js';

export const IMPERSONATION_ENABLED_KEY = 'application.sync.impersonation.enabled';


/** Whether argocd-cm turns impersonation on; an unreadable value leaves it off (as Argo CD) and says so. */
export function impersonationEnabled(data: Readonly<Record<string, string>>): { enabled: boolean; problem?: string } {
  const raw = data[IMPERSONATION_ENABLED_KEY];
  if (raw === undefined) return { enabled: false };
  const value = raw.trim();
  // Go's strconv.ParseBool, which Argo CD reads the key with.
  const parsed = value === '' ? false : parseGoBool(value);
  if (parsed !== undefined) return { enabled: parsed };
  return { enabled: false, problem: `${IMPERSONATION_ENABLED_KEY}: expected "true" or "false", got "${raw}" (impersonation stays off)` };
}

export interface ImpersonationDestination {
  /** The destination cluster's server URL (resolved when the app names the cluster). */
  server: string;
  /** `spec.destination.namespace`; may be empty. */
  namespace: string | undefined;
  /** The Application's own namespace: the service account's namespace when the destination has none. */
  appNamespace: string;
}

export type ServiceAccountMatch =
  | { ok: true; user: string; serviceAccount: { namespace: string; name: string }; entry: number }
  | { ok: false; message: string };

const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/**
 * The user an app's operations act as: the first `destinationServiceAccounts` entry whose `server` and
 * `namespace` globs match the destination. `defaultServiceAccount` is `name` (in the destination
 * namespace, else the app's) or `namespace:name`. No match is a refusal, never a fallback to the
 * controller's own identity.
 */
export function serviceAccountFor(project: Pick<AppProject, 'metadata' | 'spec'>, destination: ImpersonationDestination): ServiceAccountMatch {
  const entries = project.spec.destinationServiceAccounts ?? [];
  const namespace = destination.namespace ?? '';
  const index = entries.findIndex((e) => globMatch(e.server, destination.server) && globMatch(e.namespace ?? '', namespace));
  const entry = entries[index];
  if (entry === undefined) {
    return {
      ok: false,
      message: `no matching service account found for destination server ${destination.server} and namespace ${namespace === '' ? '(none)' : namespace} in project ${project.metadata.name}'s destinationServiceAccounts (sync impersonation is enabled)`,
    };
  }
  const where = `project ${project.metadata.name}'s destinationServiceAccounts[${index}]`;
  const account = entry.defaultServiceAccount.trim();
  const parts = account.split(':');
  const [saNamespace, name] = parts.length === 2 ? [parts[0] ?? '', parts[1] ?? ''] : [namespace === '' ? destination.appNamespace : namespace, account];
  // A name the API server could never authenticate would only fail later with a puzzling message.
  const invalid = parts.length > 2 || !validName(name) || !validName(saNamespace);
  if (invalid) return { ok: false, message: `${where}: defaultServiceAccount "${entry.defaultServiceAccount}" is not a service account name or namespace:name` };
  return { ok: true, user: `${SERVICE_ACCOUNT_USER_PREFIX}${saNamespace}:${name}`, serviceAccount: { namespace: saNamespace, name }, entry: index };
}

/** A DNS-1123 subdomain: what a ServiceAccount name and a Namespace name must be. */
function validName(value: string): boolean {
  return value.length > 0 && value.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value);
}
