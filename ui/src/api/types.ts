// The shapes the UI reads and writes: Argo CD's REST API (pkg/apis/application/v1alpha1 and the
// server/*.proto gateway messages), kept to the fields the UI uses. Everything the server may omit is
// optional, as in Argo CD's JSON.

export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
export type HealthStatusCode = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export type OperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';

export const SYNC_STATUSES: readonly SyncStatusCode[] = ['Synced', 'OutOfSync', 'Unknown'];
export const HEALTH_STATUSES: readonly HealthStatusCode[] = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface HelmParameter {
  name: string;
  value: string;
  forceString?: boolean;
}

export interface ApplicationSource {
  repoURL: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  ref?: string;
  name?: string;
  helm?: { valueFiles?: string[]; values?: string; parameters?: HelmParameter[]; releaseName?: string };
  kustomize?: { namePrefix?: string; nameSuffix?: string; images?: string[]; namespace?: string };
  directory?: { recurse?: boolean; include?: string; exclude?: string; jsonnet?: { extVars?: { name: string; value: string; code?: boolean }[]; tlas?: { name: string; value: string; code?: boolean }[] } };
  plugin?: { name?: string };
}

export interface ApplicationDestination {
  server?: string;
  name?: string;
  namespace?: string;
}

export interface SyncPolicy {
  automated?: { prune?: boolean; selfHeal?: boolean; allowEmpty?: boolean; enabled?: boolean };
  syncOptions?: string[];
  retry?: { limit?: number; backoff?: { duration?: string; factor?: number; maxDuration?: string } };
}

export interface ApplicationSpec {
  project: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  revisionHistoryLimit?: number;
  info?: { name: string; value: string }[];
}

export interface ResourceRef {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ResourceStatus extends ResourceRef {
  status?: SyncStatusCode;
  health?: { status?: HealthStatusCode; message?: string };
  hook?: boolean;
  requiresPruning?: boolean;
  syncWave?: number;
}

export interface ResourceResult extends ResourceRef {
  status?: string;
  message?: string;
  hookType?: string;
  hookPhase?: string;
  syncPhase?: string;
}

export interface SyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  resources?: ResourceRef[];
  syncOptions?: string[];
  syncStrategy?: { apply?: { force?: boolean }; hook?: { force?: boolean } };
}

export interface Operation {
  sync?: SyncOperation;
  initiatedBy?: { username?: string; automated?: boolean };
  info?: { name: string; value: string }[];
}

export interface OperationState {
  operation?: Operation;
  phase: OperationPhase;
  message?: string;
  syncResult?: { resources?: ResourceResult[]; revision?: string; revisions?: string[] };
  startedAt?: string;
  finishedAt?: string;
  retryCount?: number;
}

export interface RevisionHistory {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt?: string;
  deployStartedAt?: string;
  source?: ApplicationSource;
  initiatedBy?: { username?: string; automated?: boolean };
}

export interface ApplicationCondition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ApplicationStatus {
  resources?: ResourceStatus[];
  sync?: { status?: SyncStatusCode; revision?: string; revisions?: string[]; comparedTo?: { source?: ApplicationSource; destination?: ApplicationDestination } };
  health?: { status?: HealthStatusCode; message?: string };
  history?: RevisionHistory[];
  conditions?: ApplicationCondition[];
  reconciledAt?: string;
  operationState?: OperationState;
  sourceType?: string;
  summary?: { externalURLs?: string[]; images?: string[] };
}

export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  operation?: Operation;
}

export interface ApplicationList {
  metadata?: { resourceVersion?: string };
  items: Application[] | null;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ApplicationWatchEvent {
  type: WatchEventType;
  application: Application;
}

/** `GET /api/v1/applications/{name}/resource-tree` */
export interface ResourceNode extends ResourceRef {
  uid?: string;
  parentRefs?: (ResourceRef & { uid?: string })[];
  info?: { name: string; value: string }[];
  health?: { status?: HealthStatusCode; message?: string };
  images?: string[];
  createdAt?: string;
  resourceVersion?: string;
}

export interface ApplicationTree {
  nodes?: ResourceNode[];
  orphanedNodes?: ResourceNode[];
}

/** `GET /api/v1/applications/{name}/managed-resources`: live and desired states as JSON strings. */
export interface ResourceDiff {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  targetState?: string;
  liveState?: string;
  normalizedLiveState?: string;
  predictedLiveState?: string;
  hook?: boolean;
  modified?: boolean;
}

export interface KubeEvent {
  metadata: ObjectMeta;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

export interface LogEntry {
  content?: string;
  timeStamp?: string;
  podName?: string;
  last?: boolean;
}

export interface RevisionMetadata {
  author?: string;
  date?: string;
  tags?: string[];
  message?: string;
}

export interface SyncWindow {
  kind: 'allow' | 'deny';
  schedule: string;
  duration: string;
  applications?: string[];
  namespaces?: string[];
  clusters?: string[];
  manualSync?: boolean;
  timeZone?: string;
}

export interface ProjectRole {
  name: string;
  description?: string;
  policies?: string[];
  groups?: string[];
}

export interface GroupKind {
  group: string;
  kind: string;
}

export interface AppProject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    description?: string;
    sourceRepos?: string[];
    destinations?: ApplicationDestination[];
    clusterResourceWhitelist?: GroupKind[];
    clusterResourceBlacklist?: GroupKind[];
    namespaceResourceWhitelist?: GroupKind[];
    namespaceResourceBlacklist?: GroupKind[];
    roles?: ProjectRole[];
    syncWindows?: SyncWindow[];
  };
}

export interface ConnectionState {
  /** Successful, Failed or Unknown. */
  status?: string;
  message?: string;
  attemptedAt?: string;
}

export interface Repository {
  repo: string;
  /** git or helm. */
  type?: string;
  name?: string;
  project?: string;
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  insecure?: boolean;
  connectionState?: ConnectionState;
}

export interface Cluster {
  server: string;
  name: string;
  namespaces?: string[];
  project?: string;
  connectionState?: ConnectionState;
  serverVersion?: string;
  info?: { connectionState?: ConnectionState; serverVersion?: string; applicationsCount?: number };
}

export interface Account {
  name: string;
  enabled?: boolean;
  capabilities?: string[];
  tokens?: { id: string; issuedAt?: number; expiresAt?: number }[];
}

export interface UserInfo {
  loggedIn: boolean;
  username?: string;
  iss?: string;
  groups?: string[];
}

export interface Settings {
  url?: string;
  oidcConfig?: { name?: string; issuer?: string; clientID?: string };
  dexConfig?: { connectors?: { name?: string; type?: string }[] };
  appLabelKey?: string;
}

export interface ListOf<T> {
  metadata?: { resourceVersion?: string };
  items?: T[] | null;
}
