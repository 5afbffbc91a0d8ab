import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  HEALTH_ORDER,
  assessHealth,
  builtinHealthCheck,
  conditionsHealth,
  groupKindKey,
  isHealthStatus,
  statusForAggregation,
  toKubeObject,
  worstOf,
} from './index.js';
import type { HealthResult, HealthStatus, KubeObject } from './index.js';

const TESTDATA = new URL('./testdata/', import.meta.url);

function load(file: string): KubeObject {
  const obj = toKubeObject(parse(readFileSync(new URL(file, TESTDATA), 'utf8')));
  if (obj === undefined) throw new Error(`${file} is not a Kubernetes object`);
  return obj;
}

/** Status and message only; `undefined` when there is no health. */
function summary(result: HealthResult | undefined) {
  return result === undefined ? undefined : { status: result.status, message: result.message };
}

/** [fixture, expected status (undefined = no health), expected message (undefined = none)] */
type Case = [file: string, status: HealthStatus | undefined, message?: string];

const CASES: readonly Case[] = [
  ['deployment-healthy.yaml', 'Healthy'],
  ['deployment-progressing-generation.yaml', 'Progressing', 'Waiting for rollout to finish: observed deployment generation less than desired generation'],
  ['deployment-progressing-updated.yaml', 'Progressing', 'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...'],
  ['deployment-progressing-old-replicas.yaml', 'Progressing', 'Waiting for rollout to finish: 1 old replicas are pending termination...'],
  ['deployment-progressing-available.yaml', 'Progressing', 'Waiting for rollout to finish: 2 of 3 updated replicas are available...'],
  ['deployment-suspended.yaml', 'Suspended', 'Deployment is paused'],
  ['deployment-degraded.yaml', 'Degraded', 'Deployment "guestbook-ui" exceeded its progress deadline'],
  // Argo CD asks in this order: paused, generation observed, progress deadline, then the counts.
  ['deployment-paused-deadline.yaml', 'Suspended', 'Deployment is paused'],
  ['deployment-deadline-generation.yaml', 'Progressing', 'Waiting for rollout to finish: observed deployment generation less than desired generation'],
  ['deployment-deleting.yaml', 'Progressing', 'Pending deletion'],
  ['deployment-ignore-healthcheck.yaml', undefined],

  ['statefulset-healthy.yaml', 'Healthy', 'partitioned roll out complete: 3 new pods have been updated...'],
  ['statefulset-progressing-generation.yaml', 'Progressing', 'Waiting for statefulset spec update to be observed...'],
  ['statefulset-progressing-ready.yaml', 'Progressing', 'Waiting for 2 pods to be ready...'],
  ['statefulset-progressing-partition.yaml', 'Progressing', 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...'],
  ['statefulset-healthy-partition.yaml', 'Healthy', 'partitioned roll out complete: 3 new pods have been updated...'],
  ['statefulset-ondelete.yaml', 'Healthy', 'statefulset has 3 ready pods'],
  ['statefulset-progressing-revision.yaml', 'Progressing', 'waiting for statefulset rolling update to complete 1 pods at revision redis-84c5f7d9b6...'],

  ['daemonset-healthy.yaml', 'Healthy'],
  ['daemonset-progressing-generation.yaml', 'Progressing', 'Waiting for rollout to finish: observed daemon set generation less than desired generation'],
  ['daemonset-progressing-updated.yaml', 'Progressing', 'Waiting for daemon set "fluent-bit" rollout to finish: 2 out of 4 new pods have been updated...'],
  ['daemonset-progressing-available.yaml', 'Progressing', 'Waiting for daemon set "fluent-bit" rollout to finish: 3 of 4 updated pods are available...'],
  ['daemonset-ondelete.yaml', 'Healthy', 'daemon set 1 out of 4 new pods have been updated'],
  ['daemonset-ondelete-generation.yaml', 'Progressing', 'Waiting for rollout to finish: observed daemon set generation less than desired generation'],

  ['replicaset-healthy.yaml', 'Healthy'],
  ['replicaset-progressing.yaml', 'Progressing', 'Waiting for rollout to finish: 1 out of 3 new replicas are available...'],
  ['replicaset-progressing-generation.yaml', 'Progressing', 'Waiting for rollout to finish: observed replica set generation less than desired generation'],
  ['replicaset-degraded.yaml', 'Degraded', 'pods "guestbook-ui-7d9c6b8f5d-x2k9p" is forbidden: exceeded quota: compute-quota, requested: limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi'],

  ['pod-running-healthy.yaml', 'Healthy'],
  ['pod-pending.yaml', 'Progressing'],
  ['pod-running-not-ready.yaml', 'Progressing'],
  ['pod-crashloop.yaml', 'Degraded', 'back-off 5m0s restarting failed container=guestbook-ui pod=guestbook-ui-7d9c6b8f5d-4xkzq_default(5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c)'],
  ['pod-imagepullbackoff.yaml', 'Degraded', 'Back-off pulling image "ghcr.io/example/guestbook:v9.9.9"'],
  ['pod-errimagepull.yaml', 'Degraded', 'failed to pull and unpack image "ghcr.io/example/guestbook:v9.9.9": failed to resolve reference "ghcr.io/example/guestbook:v9.9.9": ghcr.io/example/guestbook:v9.9.9: not found'],
  ['pod-running-restarted-not-ready.yaml', 'Degraded', 'container "guestbook-ui" is not ready after restarting 2 times; last exit: Error (exit code 1)'],
  ['pod-running-restart-never.yaml', 'Progressing'],
  ['pod-running-restart-onfailure.yaml', 'Progressing'],
  ['pod-restart-never-ignore-restart-policy.yaml', 'Healthy'],
  ['pod-restart-never-ignore-restart-policy-backoff.yaml', 'Degraded', 'Back-off pulling image "ghcr.io/example/migrate:1.4.0"'],
  ['pod-hook-ignore-restart-policy.yaml', 'Progressing'],
  ['pod-succeeded.yaml', 'Healthy'],
  ['pod-failed.yaml', 'Degraded', 'container "migrate" failed with exit code 1'],
  ['pod-failed-oomkilled.yaml', 'Degraded', 'OOMKilled'],
  ['pod-evicted.yaml', 'Degraded', 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 84520Ki. Container guestbook-ui was using 1210040Ki, request is 128Mi, has larger consumption of memory.'],
  ['pod-deleting.yaml', 'Progressing', 'Pending deletion'],
  ['pod-hook-deleting.yaml', 'Healthy'],

  ['service-clusterip.yaml', 'Healthy'],
  ['service-loadbalancer.yaml', 'Healthy'],
  ['service-loadbalancer-hostname.yaml', 'Healthy'],
  ['service-loadbalancer-pending.yaml', 'Progressing', 'Waiting for the load balancer to be assigned an address'],
  ['service-loadbalancer-ports-only.yaml', 'Healthy'],

  ['ingress-healthy.yaml', 'Healthy'],
  ['ingress-hostname.yaml', 'Healthy'],
  ['ingress-progressing.yaml', 'Progressing', 'Waiting for the ingress controller to publish an address'],
  ['ingress-empty-entry.yaml', 'Healthy'],

  ['pvc-bound.yaml', 'Healthy'],
  ['pvc-pending.yaml', 'Progressing'],
  ['pvc-lost.yaml', 'Degraded'],

  ['job-running.yaml', 'Progressing'],
  ['job-complete.yaml', 'Healthy', 'Reached expected number of succeeded pods'],
  ['job-failed.yaml', 'Degraded', 'Job has reached the specified backoff limit'],
  ['job-suspended.yaml', 'Suspended', 'Job suspended'],
  ['job-suspend-not-observed.yaml', 'Suspended', 'Job suspended'],
  ['job-resumed.yaml', 'Progressing'],

  ['cronjob-healthy.yaml', 'Healthy', 'CronJob has completed its last execution successfully'],
  ['cronjob-degraded.yaml', 'Degraded', 'CronJob has not completed its last execution successfully'],
  ['cronjob-suspended.yaml', 'Healthy', 'CronJob is Suspended'],
  ['cronjob-running.yaml', 'Healthy', 'The job is running. Its last execution may not have been successful'],
  ['cronjob-never-scheduled.yaml', 'Healthy', 'CronJob has not been scheduled yet'],
  ['cronjob-first-run-failed.yaml', 'Degraded', 'CronJob has not completed its last execution successfully'],

  ['hpa-v2-healthy.yaml', 'Healthy', 'recommended size matches current size'],
  ['hpa-v2-degraded.yaml', 'Degraded', 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API'],
  ['hpa-v2-degraded-scale.yaml', 'Degraded', `the HPA controller was unable to get the target's current scale: deployments/scale.apps "guestbook-ui" not found`],
  ['hpa-v2-progressing.yaml', 'Progressing', 'Waiting to Autoscale'],
  ['hpa-v1-healthy.yaml', 'Healthy', 'recommended size matches current size'],
  ['hpa-v1-progressing.yaml', 'Progressing', 'Waiting to Autoscale'],

  ['apiservice-available.yaml', 'Healthy', 'Passed: all checks passed'],
  ['apiservice-unavailable.yaml', 'Progressing', 'FailedDiscoveryCheck: failing or missing response from https://10.244.1.9:10250/apis/metrics.k8s.io/v1beta1: Get "https://10.244.1.9:10250/apis/metrics.k8s.io/v1beta1": dial tcp 10.244.1.9:10250: connect: connection refused'],
  ['apiservice-pending.yaml', 'Progressing', 'Waiting to be processed'],

  ['application-healthy.yaml', undefined],
  ['application-degraded.yaml', undefined],

  ['workflow-running.yaml', 'Progressing'],
  ['workflow-succeeded.yaml', 'Healthy'],
  ['workflow-failed.yaml', 'Degraded', 'Error (exit code 1)'],

  ['crd-ready-true.yaml', 'Healthy', 'Certificate is up to date and has not expired'],
  ['crd-ready-false.yaml', 'Degraded', 'Helm install failed for release podinfo/podinfo with chart podinfo@6.7.1: context deadline exceeded'],
  ['crd-ready-unknown.yaml', 'Progressing', 'Configuration "hello" is waiting for a Revision to become ready.'],
  ['crd-available-true.yaml', 'Healthy'],
  ['crd-succeeded-unknown.yaml', 'Progressing', 'Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0'],
  ['crd-stale-generation.yaml', 'Progressing', 'Waiting for the controller to observe generation 2'],
  ['crd-no-conditions.yaml', undefined],
  ['configmap.yaml', undefined],
];

describe('assessHealth on fixtures', () => {
  it.each(CASES)('%s → %s', (file, status, message) => {
    expect(summary(assessHealth(load(file)))).toEqual(status === undefined ? undefined : { status, message });
  });

  it('has a case for every fixture and a fixture for every case', () => {
    expect(CASES.map(([file]) => file).sort()).toEqual(readdirSync(TESTDATA).sort());
  });
});

describe('worstOf', () => {
  const WORST: readonly (readonly [readonly HealthStatus[], HealthStatus])[] = [
    [[], 'Healthy'],
    [['Healthy', 'Healthy'], 'Healthy'],
    [['Healthy', 'Suspended'], 'Suspended'],
    [['Suspended', 'Progressing'], 'Progressing'],
    [['Degraded', 'Missing', 'Progressing'], 'Degraded'],
    [['Missing', 'Progressing', 'Healthy'], 'Missing'],
    [['Degraded', 'Unknown'], 'Unknown'],
  ];
  it.each(WORST)('worstOf(%j) = %s', (statuses, worst) => {
    expect(worstOf(...statuses)).toBe(worst);
  });

  it('follows Argo CD order, healthiest first', () => {
    expect(HEALTH_ORDER).toEqual(['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown']);
  });

  it('recognises statuses', () => {
    expect([isHealthStatus('Degraded'), isHealthStatus('degraded'), isHealthStatus(undefined)]).toEqual([true, false, false]);
  });
});

describe('aggregation into an Application', () => {
  it('counts a suspended Job as Healthy and no health as Healthy', () => {
    const job = assessHealth(load('job-suspended.yaml'));
    const ignored = assessHealth(load('deployment-ignore-healthcheck.yaml'));
    expect([job?.status, statusForAggregation(job), statusForAggregation(ignored)]).toEqual(['Suspended', 'Healthy', 'Healthy']);
  });

  it('takes the worst resource', () => {
    const results = ['deployment-healthy.yaml', 'pvc-pending.yaml', 'job-suspended.yaml'].map((file) => assessHealth(load(file)));
    expect(worstOf(...results.map(statusForAggregation))).toBe('Progressing');
  });
});

function crd(conditions: readonly unknown[], generation = 1): KubeObject {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default', generation },
    status: { conditions },
  };
}

describe('conditions fallback', () => {
  const FALLBACK: readonly (readonly [string, KubeObject, HealthResult | undefined])[] = [
    ['prefers Ready over Available', crd([{ type: 'Available', status: 'True' }, { type: 'Ready', status: 'False', message: 'broken' }]), { status: 'Degraded', message: 'broken' }],
    ['uses Available without Ready', crd([{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }]), { status: 'Degraded', message: 'MinimumReplicasUnavailable' }],
    ['uses Succeeded last', crd([{ type: 'Succeeded', status: 'True', message: 'All Steps have completed executing' }]), { status: 'Healthy', message: 'All Steps have completed executing' }],
    ['ignores other conditions', crd([{ type: 'Synced', status: 'False', message: 'cannot connect' }]), undefined],
    ['skips malformed conditions', crd(['not a condition', null, { type: 'Ready', status: 'True' }]), { status: 'Healthy' }],
    ['treats a stale condition as Progressing', crd([{ type: 'Ready', status: 'True', observedGeneration: 4 }], 5), { status: 'Progressing', message: 'Waiting for the controller to observe generation 5' }],
  ];
  it.each(FALLBACK)('%s', (_name, obj, expected) => {
    expect(conditionsHealth(obj)).toEqual(expected);
  });

  it('is not used for kinds with a built-in check', () => {
    const app = { ...load('application-healthy.yaml'), status: { conditions: [{ type: 'Ready', status: 'False' }] } };
    expect(assessHealth(app)).toBeUndefined();
  });
});

describe('registry and options', () => {
  it('keys checks by group and kind, core group empty', () => {
    expect([groupKindKey('', 'Pod'), builtinHealthCheck('', 'Pod') !== undefined, builtinHealthCheck('apps', 'Pod')]).toEqual(['/Pod', true, undefined]);
  });

  it('consults a custom check first', () => {
    expect(assessHealth(load('deployment-degraded.yaml'), { custom: () => ({ status: 'Healthy', message: 'custom' }) })).toEqual({ status: 'Healthy', message: 'custom' });
  });

  it('falls back to the built-in check when the custom check has no opinion', () => {
    expect(assessHealth(load('deployment-degraded.yaml'), { custom: () => undefined })?.status).toBe('Degraded');
  });

  it('does not let a custom check override deletion or ignore-healthcheck', () => {
    const custom = () => ({ status: 'Degraded' as const });
    expect([assessHealth(load('pod-deleting.yaml'), { custom })?.status, assessHealth(load('deployment-ignore-healthcheck.yaml'), { custom })]).toEqual(['Progressing', undefined]);
  });

  it('rejects values that are not Kubernetes objects', () => {
    expect([toKubeObject(null), toKubeObject({ kind: 'Pod' }), toKubeObject({ apiVersion: 'v1', kind: 'Pod', metadata: { annotations: { a: true } } })]).toEqual([undefined, undefined, undefined]);
  });
});
