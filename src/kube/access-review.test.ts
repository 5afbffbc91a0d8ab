import { describe, expect, it } from 'vitest';
import {
  describeAccessState,
  formatMissing,
  policyRulesOf,
  resolvePermissions,
  rulesGrant,
  waitForAccess,
  type AccessState,
  type PolicyRule,
  type RequiredPermission,
  type RolePermission,
} from './access-review.js';

describe('formatMissing', () => {
  const cases: [RequiredPermission, string][] = [
    [
      { verb: 'list', group: '', resource: 'secrets', namespace: 'argocd', why: 'read repository credentials' },
      'missing permission: cannot list secrets in namespace argocd (needed to read repository credentials)',
    ],
    [
      { verb: 'patch', group: 'argoproj.io', resource: 'applications', subresource: 'status', namespace: 'argocd', why: 'write Application status' },
      'missing permission: cannot patch applications.argoproj.io/status in namespace argocd (needed to write Application status)',
    ],
    [
      { verb: 'watch', group: 'apps', resource: 'deployments', why: 'follow the live state' },
      'missing permission: cannot watch deployments.apps in all namespaces (needed to follow the live state)',
    ],
    [{ verb: 'get', group: '', resource: 'pods', subresource: 'log', why: 'stream logs' }, 'missing permission: cannot get pods/log in all namespaces (needed to stream logs)'],
    [{ verb: '*', group: '*', resource: '*', why: 'manage anything' }, 'missing permission: cannot use (every verb) every resource in all namespaces (needed to manage anything)'],
    [{ verb: 'create', group: '', resource: 'events', namespace: '', why: 'record events' }, 'missing permission: cannot create events in all namespaces (needed to record events)'],
  ];
  it.each(cases)('%j', (permission, expected) => {
    expect(formatMissing(permission)).toBe(expected);
  });
});

describe('resolvePermissions', () => {
  const declared: RolePermission[] = [
    { verb: 'list', group: '', resource: 'secrets', scope: 'namespace', why: 'a' },
    { verb: 'list', group: 'apps', resource: 'deployments', scope: 'cluster', why: 'b' },
  ];
  it('puts namespace-scoped checks in the role namespace and cluster ones everywhere', () => {
    expect(resolvePermissions(declared, { namespace: 'argocd' })).toEqual([
      { verb: 'list', group: '', resource: 'secrets', namespace: 'argocd', why: 'a' },
      { verb: 'list', group: 'apps', resource: 'deployments', why: 'b' },
    ]);
  });
  it('checks everything in the role namespace for a namespace-scoped install', () => {
    expect(resolvePermissions(declared, { namespace: 'team', namespaced: true }).map((p) => p.namespace)).toEqual(['team', 'team']);
  });
});

describe('describeAccessState', () => {
  const secrets: RequiredPermission = { verb: 'list', group: '', resource: 'secrets', namespace: 'argocd', why: 'read repository credentials' };
  it.each<[AccessState, string]>([
    [{ ready: true, missing: [] }, 'ok'],
    [{ ready: false, missing: [secrets] }, 'not ready: 1 required Kubernetes permission missing\nmissing permission: cannot list secrets in namespace argocd (needed to read repository credentials)\n'],
    [{ ready: false, missing: [], error: 'could not check: connection refused' }, 'not ready: could not check: connection refused\n'],
  ])('%j', (state, body) => {
    expect(describeAccessState(state)).toBe(body);
  });
});

describe('waitForAccess', () => {
  const secrets: RequiredPermission = { verb: 'list', group: '', resource: 'secrets', namespace: 'argocd', why: 'read repository credentials' };
  const leases: RequiredPermission = { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'argocd', why: 'hold the leader Lease' };

  function recordingLog(): { lines: string[]; log: { info(o: object, m: string): void; error(o: object, m: string): void } } {
    const lines: string[] = [];
    return { lines, log: { info: (_o, m) => lines.push(`info ${m}`), error: (_o, m) => lines.push(`error ${m}`) } };
  }

  it('logs once per distinct missing list, re-checks, and resolves when nothing is missing', async () => {
    // What the API server answers at each check: the same gap twice, a smaller one, an unreachable server, then all granted.
    const answers: (RequiredPermission[] | Error)[] = [[secrets, leases], [secrets, leases], [secrets], new Error('connect ECONNREFUSED'), []];
    const { lines, log } = recordingLog();
    const states: AccessState[] = [];
    const sleeps: number[] = [];
    await waitForAccess({
      review: () => {
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? []);
      },
      required: [secrets, leases],
      log,
      who: 'the server',
      intervalMs: 30_000,
      onState: (s) => states.push(s),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    expect(states.map((s) => (s.ready ? 'ready' : (s.error ?? s.missing.length)))).toEqual([2, 2, 1, "could not check the server's Kubernetes permissions: connect ECONNREFUSED", 'ready']);
    expect(sleeps).toEqual([30_000, 30_000, 30_000, 30_000]);
    expect(lines).toEqual([
      'error the server is missing 2 Kubernetes permissions and waits for them (checking again every 30s; grant them in its Role/ClusterRole): missing permission: cannot list secrets in namespace argocd (needed to read repository credentials); missing permission: cannot update leases.coordination.k8s.io in namespace argocd (needed to hold the leader Lease)',
      'error the missing permissions changed: the server is missing 1 Kubernetes permission and waits for them (checking again every 30s; grant them in its Role/ClusterRole): missing permission: cannot list secrets in namespace argocd (needed to read repository credentials)',
      "error the missing permissions changed: could not check the server's Kubernetes permissions: connect ECONNREFUSED (checking again every 30s)",
      'info the server now has every Kubernetes permission it needs; starting',
    ]);
  });

  it('says nothing when everything is granted at the first check', async () => {
    const { lines, log } = recordingLog();
    await waitForAccess({ review: () => Promise.resolve([]), required: [secrets], log });
    expect(lines).toEqual([]);
  });

  it('ends with the abort reason when the role stops while waiting', async () => {
    const { log } = recordingLog();
    const controller = new AbortController();
    const waiting = waitForAccess({ review: () => Promise.resolve([secrets]), required: [secrets], log, intervalMs: 60_000, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});

describe('policyRulesOf and rulesGrant', () => {
  const declared: RolePermission[] = [
    { verb: 'list', group: '', resource: 'secrets', scope: 'namespace', why: 'a' },
    { verb: 'watch', group: '', resource: 'secrets', scope: 'namespace', why: 'b' },
    { verb: 'patch', group: 'argoproj.io', resource: 'applications', subresource: 'status', scope: 'namespace', why: 'c' },
  ];
  it('groups verbs by resource, subresources as resource/sub', () => {
    expect(policyRulesOf(declared)).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
      { apiGroups: ['argoproj.io'], resources: ['applications/status'], verbs: ['patch'] },
    ]);
  });
  const status = { verb: 'patch', group: 'argoproj.io', resource: 'applications', subresource: 'status' };
  const listSecrets = { verb: 'list', group: '', resource: 'secrets' };
  it.each<[string, PolicyRule[], typeof status | typeof listSecrets, boolean]>([
    ['exact', policyRulesOf(declared), status, true],
    ['the resource alone does not grant its subresource', [{ apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['patch'] }], status, false],
    ['* grants subresources', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], status, true],
    ['*/status', [{ apiGroups: ['argoproj.io'], resources: ['*/status'], verbs: ['patch'] }], status, true],
    ['applications/* is not a Kubernetes wildcard', [{ apiGroups: ['argoproj.io'], resources: ['applications/*'], verbs: ['patch'] }], status, false],
    ['other verb', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], listSecrets, false],
    ['other group', [{ apiGroups: ['apps'], resources: ['secrets'], verbs: ['list'] }], listSecrets, false],
    ['resourceNames limit the rule', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['argocd-secret'] }], listSecrets, false],
  ])('%s', (_name, rules, permission, granted) => {
    expect(rulesGrant(rules, permission)).toBe(granted);
  });
});
