// What the API's services share: the store, the audit trail, the namespaces and the clock.
import type { Auditor } from '../audit.js';
import type { ArgoStore } from '../store.js';
import type { AppCache } from './app-cache.js';

export interface ServiceContext {
  readonly store: ArgoStore;
  readonly audit: Auditor;
  /** The control-plane namespace (Argo CD's `argocd`): AppProjects, settings and, by default, Applications. */
  readonly namespace: string;
  /** Further namespaces Applications may live in ("apps in any namespace"). */
  readonly appNamespaces: ReadonlySet<string>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** How long `GET …?refresh=` waits for the controller to finish the refresh. */
  readonly refreshWaitMs: number;
  /** Applications from a watch instead of a LIST per request; absent: always ask the API server. */
  readonly appCache?: AppCache | undefined;
  /** Called after a project changed, so project roles reach RBAC at once. */
  readonly onProjectsChanged: () => Promise<void>;
}

/** Read-modify-write attempts before giving up on conflicts (Argo CD retries 10 times too). */
export const MAX_CONFLICT_RETRIES = 10;
