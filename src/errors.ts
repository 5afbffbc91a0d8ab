// One catalogue of error codes. A code is stable once released: users grep logs and scripts match on it.
// `UserError` is something the user can fix (bad input, a port in use, a missing tool); `BugError` is kawa's fault.

export const errorCodes = {
  /** A local tool (go, git, openssl, …) is missing from PATH. */
  TOOL_MISSING: 'KAWA_TOOL_MISSING',
  /** Building a pinned tool from the Go module proxy failed. */
  TOOL_BUILD_FAILED: 'KAWA_TOOL_BUILD_FAILED',
  /** The local control plane could not start or become ready. */
  CLUSTER_START_FAILED: 'KAWA_CLUSTER_START_FAILED',
  /** Waited too long for a lock another kawa process holds (a build or a cluster start). */
  LOCK_TIMEOUT: 'KAWA_LOCK_TIMEOUT',
  /** The pins file (tools/cluster/versions.json) is malformed. */
  PINS_INVALID: 'KAWA_PINS_INVALID',
  /** A child process (git, helm, …) exited non-zero. */
  COMMAND_FAILED: 'KAWA_COMMAND_FAILED',
  /** A git operation failed (bad URL, unknown revision, auth). */
  GIT_FAILED: 'KAWA_GIT_FAILED',
  /** A repository URL is malformed or not allowed (option injection, remote helpers, embedded credentials). */
  GIT_URL_INVALID: 'KAWA_GIT_URL_INVALID',
  /** A revision is malformed or not allowed (leading `-`, control characters, `..`). */
  GIT_REVISION_INVALID: 'KAWA_GIT_REVISION_INVALID',
  /** No branch, tag or commit of the repository matches the revision. */
  GIT_REVISION_NOT_FOUND: 'KAWA_GIT_REVISION_NOT_FOUND',
  /** The git server rejected the credentials, or needs some and none were given. */
  GIT_AUTH_FAILED: 'KAWA_GIT_AUTH_FAILED',
  /** The git server says the repository does not exist. */
  GIT_REPO_NOT_FOUND: 'KAWA_GIT_REPO_NOT_FOUND',
  /** Rendering a source failed: helm/kustomize/jsonnet exited non-zero, or a file could not be read. */
  RENDER_FAILED: 'KAWA_RENDER_FAILED',
  /** A rendered document is not a Kubernetes object: malformed YAML/JSON, or no `apiVersion`/`kind`. */
  RENDER_INVALID_MANIFEST: 'KAWA_RENDER_INVALID_MANIFEST',
  /** A source's options are malformed or contradictory (two source types, a bad glob, a missing values file). */
  RENDER_INVALID_SOURCE: 'KAWA_RENDER_INVALID_SOURCE',
  /** A path, symlink or import leads outside the repository. */
  RENDER_PATH_ESCAPE: 'KAWA_RENDER_PATH_ESCAPE',
  /** The rendered output is larger than the size cap. */
  RENDER_TOO_LARGE: 'KAWA_RENDER_TOO_LARGE',
  /** Rendering took longer than the time limit. */
  RENDER_TIMEOUT: 'KAWA_RENDER_TIMEOUT',
  /** The source needs something kawa does not do yet, or refuses by default (remote values files, chart dependencies, plugins). */
  RENDER_UNSUPPORTED: 'KAWA_RENDER_UNSUPPORTED',
  /** A Helm chart repository or OCI registry could not be read: unreachable, credentials refused, malformed index, bad archive. */
  HELM_REPO_FAILED: 'KAWA_HELM_REPO_FAILED',
  /** A Helm chart repository or OCI registry has no such chart, or no version of it matches `targetRevision`. */
  HELM_CHART_NOT_FOUND: 'KAWA_HELM_CHART_NOT_FOUND',
  /** A request to a cluster's Kubernetes API failed (unreachable, forbidden, or an error status). */
  KUBE_API_FAILED: 'KAWA_KUBE_API_FAILED',
  /** The Application/AppProject CRD in the cluster is Argo CD's (no status subresource): the move is `kawa admin migrate-from-argocd`'s job. */
  CRD_OWNED_BY_ARGOCD: 'KAWA_CRD_OWNED_BY_ARGOCD',
  /** The API server rejected an object kawa wrote (invalid or wrongly typed field, admission denied, unknown kind); fix the manifest. */
  KUBE_APPLY_REJECTED: 'KAWA_KUBE_APPLY_REJECTED',
  /** A persisted sync operation (`status.operationState`) is malformed or was not started by kawa, so it cannot be resumed. */
  OPERATION_STATE_INVALID: 'KAWA_OPERATION_STATE_INVALID',
  /** An Argo CD or Helm annotation on a managed object (hook, hook-delete-policy, sync-wave, …) has a value kawa cannot use. */
  SYNC_ANNOTATION_INVALID: 'KAWA_SYNC_ANNOTATION_INVALID',
  /** A sync option (Application, operation or `argocd.argoproj.io/sync-options`) has an invalid value. */
  SYNC_OPTION_INVALID: 'KAWA_SYNC_OPTION_INVALID',
  /** An object has neither `name` nor (for hooks) `generateName`, or `generateName` on a non-hook. */
  SYNC_NAME_INVALID: 'KAWA_SYNC_NAME_INVALID',
  /** The same object appears twice among the desired objects. */
  SYNC_DUPLICATE_RESOURCE: 'KAWA_SYNC_DUPLICATE_RESOURCE',
  /** `FailOnSharedResource=true` and another Application already tracks the object. */
  SYNC_SHARED_RESOURCE: 'KAWA_SYNC_SHARED_RESOURCE',
  /** A setting in argocd-cm (e.g. `resource.exclusions`, `application.resourceTrackingMethod`) is malformed. */
  SETTINGS_INVALID: 'KAWA_SETTINGS_INVALID',
  /** An Application or AppProject spec is malformed or breaks a rule across fields. */
  INVALID_SPEC: 'KAWA_INVALID_SPEC',
  /** A Secret labelled `argocd.argoproj.io/secret-type` (repository, repo-creds, cluster) is malformed. */
  SECRET_INVALID: 'KAWA_SECRET_INVALID',
  /** `argocd-rbac-cm` is malformed (a bad policy line, match mode or scopes); the previous policy stays in force. */
  RBAC_POLICY_INVALID: 'KAWA_RBAC_POLICY_INVALID',
  /** A bearer token is malformed, forged, signed with another key or algorithm, or names no usable account. */
  AUTH_INVALID_TOKEN: 'KAWA_AUTH_INVALID_TOKEN',
  /** A token is past its `exp`. */
  AUTH_EXPIRED: 'KAWA_AUTH_EXPIRED',
  /** A token was revoked: its id was deleted, or the password changed after it was issued. */
  AUTH_REVOKED: 'KAWA_AUTH_REVOKED',
  /** Wrong username or password (deliberately not saying which). */
  AUTH_LOGIN_FAILED: 'KAWA_AUTH_LOGIN_FAILED',
  /** Too many failed logins for this username, or too many logins at once; retry later. */
  AUTH_THROTTLED: 'KAWA_AUTH_THROTTLED',
  /** A new password does not meet the rules (length, bcrypt's 72-byte limit). */
  AUTH_PASSWORD_INVALID: 'KAWA_AUTH_PASSWORD_INVALID',
  /** The account does not exist, is disabled, or lacks the capability (`login`, `apiKey`) the operation needs. */
  AUTH_ACCOUNT_INVALID: 'KAWA_AUTH_ACCOUNT_INVALID',
  /** Reading or writing `argocd-cm` / `argocd-secret` failed (API error, or conflicts retried too often). */
  AUTH_STORE_FAILED: 'KAWA_AUTH_STORE_FAILED',
  /** SSO is not set up: `url` or `oidc.config` in `argocd-cm` is missing or invalid, or a secret it references is absent. */
  AUTH_SSO_NOT_CONFIGURED: 'KAWA_AUTH_SSO_NOT_CONFIGURED',
  /** An SSO login failed: bad or missing state, provider error, code exchange or id_token checks failed, a return_url to another origin. */
  AUTH_SSO_FAILED: 'KAWA_AUTH_SSO_FAILED',
  /** An API request is malformed: unknown fields, wrong types, bad parameters, an invalid spec. */
  API_INVALID_ARGUMENT: 'KAWA_API_INVALID_ARGUMENT',
  /** An API request carries no credentials, or credentials that are not valid. */
  API_UNAUTHENTICATED: 'KAWA_API_UNAUTHENTICATED',
  /** RBAC, a project's rules or the CSRF check refuse an API request. */
  API_PERMISSION_DENIED: 'KAWA_API_PERMISSION_DENIED',
  /** The object an API request names does not exist. */
  API_NOT_FOUND: 'KAWA_API_NOT_FOUND',
  /** An API request conflicts with the object's state: it exists and differs, an operation is running, auto-sync is on. */
  API_CONFLICT: 'KAWA_API_CONFLICT',
  /** A file given to `admin settings resource-overrides health` cannot be read, or is not YAML/JSON Kubernetes objects. */
  HEALTH_INPUT_INVALID: 'KAWA_HEALTH_INPUT_INVALID',
  /** A Git webhook payload is not JSON, or not the push event its headers announce. */
  WEBHOOK_PAYLOAD_INVALID: 'KAWA_WEBHOOK_PAYLOAD_INVALID',
  /** One source address sent more webhook requests than argocd-cm `webhook.maxRequestsPerMinute` allows; retry later. */
  WEBHOOK_RATE_LIMITED: 'KAWA_WEBHOOK_RATE_LIMITED',
  /** The CLI's config file (~/.config/kawa/config or $KAWA_CONFIG) is not valid; it is left untouched. */
  CLI_CONFIG_INVALID: 'KAWA_CLI_CONFIG_INVALID',
  /** The CLI cannot reach the API server (connection refused, DNS, TLS mismatch, timeout). */
  CLI_SERVER_UNREACHABLE: 'KAWA_CLI_SERVER_UNREACHABLE',
  /** The CLI has no server or credentials to use: run `kawa login SERVER`. */
  CLI_NOT_LOGGED_IN: 'KAWA_CLI_NOT_LOGGED_IN',
  /** A CLI argument or flag value is malformed or contradicts another. */
  CLI_INVALID_ARGUMENT: 'KAWA_CLI_INVALID_ARGUMENT',
  /** The API server answered with an unexpected error (5xx or a malformed body). */
  CLI_API_FAILED: 'KAWA_CLI_API_FAILED',
  /** `kawa login --sso` failed: the provider is unreachable, refused or denied the login, or its callback did not match (state). */
  CLI_SSO_FAILED: 'KAWA_CLI_SSO_FAILED',
  /** `app wait`/`app sync` gave up waiting (--timeout). */
  CLI_TIMEOUT: 'KAWA_CLI_TIMEOUT',
  /** An operation the CLI waited for ended Failed or Error. */
  CLI_OPERATION_FAILED: 'KAWA_CLI_OPERATION_FAILED',
  /** An invariant kawa relies on did not hold. */
  INTERNAL: 'KAWA_INTERNAL',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

/**
 * Why the API refused a request, finer than its error code: one status (409, 400, 403) has several causes
 * and each needs another next step. The server answers it as the `reason` of a `google.rpc.ErrorInfo` in
 * the error body's `details` (beside Argo CD's `error`, `code`, `message`); the CLI picks its hint by it.
 * Stable once released, like the codes: scripts may match on them.
 */
export const apiReasons = {
  /** A create without upsert: an object of that name exists with another spec (`--upsert` replaces it). */
  SPEC_DIFFERS: 'SPEC_DIFFERS',
  /** The name is taken by another object (a cluster name used for another server URL); `--upsert` does not help. */
  NAME_TAKEN: 'NAME_TAKEN',
  /** A sync or rollback while another operation of the application is still present. */
  OPERATION_IN_PROGRESS: 'OPERATION_IN_PROGRESS',
  /** A rollback, or a sync of local manifests, while the application's automated sync is on. */
  AUTO_SYNC_ENABLED: 'AUTO_SYNC_ENABLED',
  /** The application is being deleted (it has a deletionTimestamp). */
  APP_DELETING: 'APP_DELETING',
  /** Terminate with no operation in progress. */
  NO_OPERATION: 'NO_OPERATION',
  /** A rollback to a history ID the application does not have. */
  HISTORY_NOT_FOUND: 'HISTORY_NOT_FOUND',
  /** A rollback to a history entry that does not record its source (deployed by Argo CD 0.11 or older). */
  HISTORY_SOURCE_MISSING: 'HISTORY_SOURCE_MISSING',
  /** The application's source repository or destination is not permitted by its project. */
  PROJECT_NOT_PERMITTED: 'PROJECT_NOT_PERMITTED',
  /** The application names a project that does not exist. */
  PROJECT_NOT_FOUND: 'PROJECT_NOT_FOUND',
  /** A project that applications still use cannot be deleted. */
  PROJECT_IN_USE: 'PROJECT_IN_USE',
  /** Applications in that namespace are not enabled on this server (Argo CD's `application.namespaces`). */
  NAMESPACE_NOT_ENABLED: 'NAMESPACE_NOT_ENABLED',
  /** Others kept changing the object during the request; retrying is safe. */
  CONCURRENT_CHANGES: 'CONCURRENT_CHANGES',
  /** The operation needs a login session of a local account, not an API key or SSO token. */
  LOGIN_SESSION_REQUIRED: 'LOGIN_SESSION_REQUIRED',
} as const;

export type ApiReason = (typeof apiReasons)[keyof typeof apiReasons];

abstract class KawaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An error the user can fix; its message says what to do. */
export class UserError extends KawaError {}

/** An error that means kawa is wrong; report it. */
export class BugError extends KawaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(errorCodes.INTERNAL, message, options);
  }
}

export function isKawaError(err: unknown): err is UserError | BugError {
  return err instanceof UserError || err instanceof BugError;
}

/** The message of anything thrown, for wrapping with context. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
