// core/Pod. Long-running pods (restartPolicy Always) are judged on readiness and container errors.
// Pods with Never/OnFailure run to completion and are usually sync hooks: they stay Progressing
// until they finish, because marking a hook Degraded on a transient ImagePullBackOff would fail the
// sync early and the hook would then run after the sync had already ended.
import { asFields, conditionsOf, field, findCondition, health, int, list, quoted, str } from './fields.js';
import type { Fields } from './fields.js';
import { ANNOTATION_IGNORE_RESTART_POLICY, isAnnotationTrue, isHook } from './meta.js';
import type { HealthResult, KubeObject } from './types.js';

type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const RESTART_POLICIES: readonly RestartPolicy[] = ['Always', 'OnFailure', 'Never'];

function phaseOf(obj: KubeObject): PodPhase | undefined {
  return PHASES.find((phase) => phase === obj.status?.phase);
}

/** The API server defaults restartPolicy to Always, so an absent value means Always. */
function restartPolicyOf(obj: KubeObject): RestartPolicy | undefined {
  const value = obj.spec?.restartPolicy ?? 'Always';
  return RESTART_POLICIES.find((policy) => policy === value);
}

/**
 * Judge the pod like a long-running one? Yes for Always, and for Never/OnFailure pods that opt in
 * with `argocd.argoproj.io/ignore-restart-policy: "true"` (operators that own their pods' lifecycle),
 * except hooks, whose completion semantics the sync engine depends on.
 */
function isLongRunning(obj: KubeObject, policy: RestartPolicy | undefined): boolean {
  switch (policy) {
    case 'Always':
      return true;
    case 'OnFailure':
    case 'Never':
      return isAnnotationTrue(obj, ANNOTATION_IGNORE_RESTART_POLICY) && !isHook(obj);
    case undefined:
      return false;
  }
}

function containerStatuses(obj: KubeObject, key: 'containerStatuses' | 'initContainerStatuses'): Fields[] {
  return list(obj.status?.[key]).flatMap<Fields>((entry) => asFields(entry) ?? []);
}

/** CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError and kin. */
function isErrorWaitingReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

/** Why a finished container failed, or '' if it did not. */
function failureMessage(container: Fields): string {
  const terminated = asFields(field(container, 'state', 'terminated'));
  if (terminated === undefined) return '';
  const message = str(terminated.message);
  if (message !== '') return message;
  if (str(terminated.reason) === 'OOMKilled') return 'OOMKilled';
  const exitCode = int(terminated.exitCode);
  if (exitCode !== 0) return `container ${quoted(str(container.name))} failed with exit code ${exitCode}`;
  return '';
}

export function podHealth(obj: KubeObject): HealthResult {
  const longRunning = isLongRunning(obj, restartPolicyOf(obj));
  const containers = containerStatuses(obj, 'containerStatuses');
  const podMessage = str(obj.status?.message);

  if (longRunning) {
    const errors = containers.flatMap((container) => {
      const waiting = asFields(field(container, 'state', 'waiting'));
      const reason = str(waiting?.reason);
      if (!isErrorWaitingReason(reason)) return [];
      return [str(waiting?.message) || reason];
    });
    if (errors.length > 0) return health('Degraded', errors.join(', '));
  }

  const phase = phaseOf(obj);
  switch (phase) {
    case 'Pending':
      return health('Progressing', podMessage);
    case 'Succeeded':
      return health('Healthy', podMessage);
    case 'Failed': {
      if (podMessage !== '') return health('Degraded', podMessage);
      const all = [...containerStatuses(obj, 'initContainerStatuses'), ...containers];
      const reason = all.map(failureMessage).find((message) => message !== '');
      return health('Degraded', reason);
    }
    case 'Running': {
      if (!longRunning) return health('Progressing', podMessage);
      if (findCondition(conditionsOf(obj), 'Ready')?.status === 'True') return health('Healthy', podMessage);
      // Not ready after a container has already died once: it is failing, not starting.
      const restarted = containers.find((container) => field(container, 'lastState', 'terminated') !== undefined);
      if (restarted !== undefined) return health('Degraded', podMessage || restartMessage(restarted));
      return health('Progressing', podMessage);
    }
    case 'Unknown':
    case undefined:
      return health('Unknown', podMessage);
  }
}

function restartMessage(container: Fields): string {
  const last = asFields(field(container, 'lastState', 'terminated'));
  const reason = str(last?.reason) || 'terminated';
  return `container ${quoted(str(container.name))} is not ready after restarting ${int(container.restartCount)} times; last exit: ${reason} (exit code ${int(last?.exitCode)})`;
}
