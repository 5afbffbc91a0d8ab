// A role's check of its own Kubernetes permissions at start. Each role declares what it calls as data
// (controller/permissions.ts, server/permissions.ts); here those are asked of the API server with
// SelfSubjectAccessReviews (which every authenticated identity may create, through `system:basic-user`),
// and a role that lacks some waits — logging exactly which verb on which resource is missing, not ready
// on /healthz — instead of starting, failing on the first 403 and crash-looping.
import type { KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { messageOf } from '../errors.js';
import { isRecord } from './objects.js';
import { KubeRest } from './rest.js';

/** One thing a role needs to be allowed, with the reason shown when it is not. */
export interface RequiredPermission {
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `impersonate`, … */
  readonly verb: string;
  /** `''` for the core group, `apps`, `argoproj.io`, … */
  readonly group: string;
  /** The plural resource: `secrets`, `deployments`, `applications`. */
  readonly resource: string;
  /** `status`, `log`, … */
  readonly subresource?: string;
  /** Undefined: every namespace (and cluster-scoped resources). */
  readonly namespace?: string;
  /** What the role needs it for, ending the message: `(needed to <why>)`. */
  readonly why: string;
}

/**
 * A permission as a role declares it, before it knows its namespace: `namespace` scope is the role's own
 * namespace; `cluster` scope is every namespace in a cluster-wide install and the role's namespace in a
 * namespace-scoped one. Plain data, so the install's RBAC can be generated from (or checked against) it.
 */
export interface RolePermission {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly scope: 'namespace' | 'cluster';
  readonly why: string;
}

export interface InstallScope {
  /** The role's namespace (`argocd` in the install). */
  readonly namespace: string;
  /** A namespace-scoped install (namespace-install.yaml): everything is checked in `namespace` only. */
  readonly namespaced?: boolean;
}

/** The concrete checks of a role's declared permissions for one install. */
export function resolvePermissions(declared: readonly RolePermission[], install: InstallScope): RequiredPermission[] {
  return declared.map(({ scope, ...rest }) => {
    const inNamespace = scope === 'namespace' || install.namespaced === true;
    return inNamespace ? { ...rest, namespace: install.namespace } : { ...rest };
  });
}

/** An RBAC PolicyRule (rbac.authorization.k8s.io/v1), as Roles and ClusterRoles hold them. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Rules granting exactly `permissions`: one rule per group and resource (`pods/log` for a subresource), verbs in order. */
export function policyRulesOf(permissions: readonly Pick<RolePermission, 'verb' | 'group' | 'resource' | 'subresource'>[]): PolicyRule[] {
  const rules = new Map<string, PolicyRule>();
  for (const p of permissions) {
    const resource = p.subresource === undefined || p.subresource === '' ? p.resource : `${p.resource}/${p.subresource}`;
    const key = `${p.group}|${resource}`;
    let rule = rules.get(key);
    if (rule === undefined) rules.set(key, (rule = { apiGroups: [p.group], resources: [resource], verbs: [] }));
    if (!rule.verbs.includes(p.verb)) rule.verbs.push(p.verb);
  }
  return [...rules.values()];
}

/**
 * Whether `rules` grant `p` as the API server's RBAC authorizer would (k8s.io/component-helpers
 * rbac.ResourceMatches): `*` in verbs, groups and resources (subresources included), a resource
 * `<star>/log` for that subresource of every resource; a rule limited by resourceNames does not grant a
 * check on every object. For comparing an install's Roles with a role's declared permissions offline.
 */
export function rulesGrant(rules: readonly PolicyRule[], p: Pick<RolePermission, 'verb' | 'group' | 'resource' | 'subresource'>): boolean {
  const combined = p.subresource === undefined || p.subresource === '' ? p.resource : `${p.resource}/${p.subresource}`;
  return rules.some((rule) => {
    if (rule.resourceNames !== undefined && rule.resourceNames.length > 0) return false;
    if (!rule.verbs.includes('*') && !rule.verbs.includes(p.verb)) return false;
    if (!rule.apiGroups.includes('*') && !rule.apiGroups.includes(p.group)) return false;
    return rule.resources.some((r) => {
      if (r === '*' || r === combined) return true;
      // `*/log` grants the log subresource of every resource; Kubernetes has no `pods/*`.
      return p.subresource !== undefined && p.subresource !== '' && r === `*/${p.subresource}`;
    });
  });
}

/** `list secrets in namespace argocd`, `patch applications.argoproj.io/status in namespace argocd`, `watch deployments.apps in all namespaces`. */
export function describePermission(p: RequiredPermission): string {
  const resource = p.resource === '*' ? 'every resource' : p.group === '' ? p.resource : `${p.resource}.${p.group}`;
  const sub = p.subresource === undefined || p.subresource === '' ? '' : `/${p.subresource}`;
  const verb = p.verb === '*' ? 'use (every verb)' : p.verb;
  const where = p.namespace === undefined || p.namespace === '' ? 'in all namespaces' : `in namespace ${p.namespace}`;
  return `${verb} ${resource}${sub} ${where}`;
}

/** `missing permission: cannot list secrets in namespace argocd (needed to read repository credentials)`. */
export function formatMissing(p: RequiredPermission): string {
  return `missing permission: cannot ${describePermission(p)} (needed to ${p.why})`;
}

/** Asks the API server which of `required` the caller lacks; throws when it cannot tell (no answer, SSAR refused). */
export type AccessReviewer = (required: readonly RequiredPermission[], signal?: AbortSignal) => Promise<RequiredPermission[]>;

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** Whether the caller may do `p`, by one SelfSubjectAccessReview. */
export async function reviewOne(rest: KubeRest, p: RequiredPermission, signal?: AbortSignal): Promise<boolean> {
  const resourceAttributes = {
    verb: p.verb,
    group: p.group,
    resource: p.resource,
    ...(p.subresource === undefined ? {} : { subresource: p.subresource }),
    ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
  };
  const answer = await rest.request('POST', SSAR_PATH, {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } },
    timeoutMs: 10_000,
    ...(signal === undefined ? {} : { signal }),
  });
  const status = isRecord(answer) ? answer['status'] : undefined;
  return isRecord(status) && status['allowed'] === true;
}

/** The permissions of `required` the client's identity lacks, in the order given, asking `concurrency` at a time. */
export async function missingPermissions(
  client: KubeRest | KubeConfig,
  required: readonly RequiredPermission[],
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<RequiredPermission[]> {
  const own = !(client instanceof KubeRest);
  const rest = client instanceof KubeRest ? client : new KubeRest(client);
  try {
    const allowed = new Array<boolean>(required.length).fill(false);
    let next = 0;
    // A few at a time: a role checks a dozen or two, and the API server need not see them all at once.
    const worker = async (): Promise<void> => {
      while (next < required.length) {
        const i = next++;
        const p = required[i];
        if (p !== undefined) allowed[i] = await reviewOne(rest, p, options.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, required.length)) }, worker));
    return required.filter((_, i) => allowed[i] !== true);
  } finally {
    if (own) rest.close();
  }
}

/** The reviewer over the API server for a client (its own keep-alive connection when given a KubeConfig). */
export function selfAccessReviewer(client: KubeRest | KubeConfig, options: { concurrency?: number } = {}): AccessReviewer {
  return (required, signal) => missingPermissions(client, required, { ...options, ...(signal === undefined ? {} : { signal }) });
}

/** Where a role's access check stands. */
export interface AccessState {
  readonly ready: boolean;
  /** What is missing (empty when ready, or when the check itself failed). */
  readonly missing: readonly RequiredPermission[];
  /** Set when the check could not be made (the API server did not answer, or refused the review). */
  readonly error?: string;
}

/** The text a `/healthz` answers with: `ok`, or why the role is not ready, one line per missing permission. */
export function describeAccessState(state: AccessState): string {
  if (state.ready) return 'ok';
  if (state.error !== undefined) return `not ready: ${state.error}\n`;
  return `not ready: ${state.missing.length} required Kubernetes permission${state.missing.length === 1 ? '' : 's'} missing\n${state.missing.map((p) => `${formatMissing(p)}\n`).join('')}`;
}

export interface AccessLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WaitForAccessOptions {
  review: AccessReviewer;
  required: readonly RequiredPermission[];
  log: AccessLogger;
  /** Aborting ends the wait with the signal's reason (the role is shutting down). */
  signal?: AbortSignal;
  /** Time between checks while something is missing (default 30 s). */
  intervalMs?: number;
  /** Called after every check (readiness endpoints follow it). */
  onState?: (state: AccessState) => void;
  /** Who checks, for the log lines (`the server`, `the application controller`). */
  who?: string;
  /** Injected in tests; waits `ms` or rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const ACCESS_RECHECK_MS = 30_000;

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, signal === undefined ? {} : { signal });

/**
 * Resolves once the identity has every `required` permission. Until then it logs one error naming every
 * missing permission (again only when that list changes), reports each check through `onState`, and checks
 * again every `intervalMs`. Never throws for missing permissions: a role that lacks some stays up, not
 * ready, so `kubectl describe` and its log say what to grant, and it starts as soon as it is granted.
 */
export async function waitForAccess(options: WaitForAccessOptions): Promise<void> {
  const { review, required, log, signal } = options;
  const intervalMs = options.intervalMs ?? ACCESS_RECHECK_MS;
  const sleep = options.sleep ?? defaultSleep;
  const who = options.who ?? 'kawa';
  let reported: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    let state: AccessState;
    try {
      const missing = await review(required, signal);
      state = { ready: missing.length === 0, missing };
    } catch (err) {
      signal?.throwIfAborted();
      state = { ready: false, missing: [], error: `could not check ${who}'s Kubernetes permissions: ${messageOf(err)}` };
    }
    options.onState?.(state);
    if (state.ready) {
      if (reported !== undefined) log.info({}, `${who} now has every Kubernetes permission it needs; starting`);
      return;
    }
    const lines = state.error === undefined ? state.missing.map(formatMissing) : [state.error];
    const key = lines.join('\n');
    if (key !== reported) {
      const every = `checking again every ${intervalMs % 1000 === 0 ? `${intervalMs / 1000}s` : `${intervalMs}ms`}`;
      const msg =
        state.error === undefined
          ? `${who} is missing ${lines.length} Kubernetes permission${lines.length === 1 ? '' : 's'} and waits for them (${every}; grant them in its Role/ClusterRole): ${lines.join('; ')}`
          : `${state.error} (${every})`;
      log.error({ missing: lines }, reported === undefined ? msg : `the missing permissions changed: ${msg}`);
      reported = key;
    }
    await sleep(intervalMs, signal).catch((err: unknown) => {
      // The timer's AbortError says nothing; the signal's reason says why the role stopped.
      signal?.throwIfAborted();
      throw err;
    });
  }
}

/** What a role's start-up wait takes besides its identity and permission list. */
export interface RoleAccessOptions {
  signal?: AbortSignal | undefined;
  /** Default 30 s. */
  intervalMs?: number | undefined;
  onState?: ((state: AccessState) => void) | undefined;
}

/** waitForAccess for this process's own identity (the kubeconfig's user): the start of each role. */
export function waitForOwnAccess(kc: KubeConfig, required: readonly RequiredPermission[], who: string, log: AccessLogger, options: RoleAccessOptions = {}): Promise<void> {
  const { signal, intervalMs, onState } = options;
  return waitForAccess({
    review: selfAccessReviewer(kc),
    required,
    log,
    who,
    ...(signal === undefined ? {} : { signal }),
    ...(intervalMs === undefined ? {} : { intervalMs }),
    ...(onState === undefined ? {} : { onState }),
  });
}
