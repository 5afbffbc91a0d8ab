import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/objects.js';
import type { Application } from '../../model/index.js';
import { comparedRevision, hideSecretData, predictLiveState } from './live.js';

const secret = (data: Record<string, string>, stringData?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"c2VjcmV0"}}' } },
  data,
  ...(stringData === undefined ? {} : { stringData }),
});

describe('hideSecretData', () => {
  it('masks Secret values per key, equal values equally, and leaves other kinds and the inputs untouched', () => {
    const desired = secret({}, { password: 'hunter2', user: 'bob' });
    const live = secret({ password: Buffer.from('hunter2').toString('base64'), user: Buffer.from('alice').toString('base64') });
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { user: 'visible' } };
    const before = JSON.stringify([desired, live, configMap]);
    const [d, l, c] = hideSecretData([desired, live, configMap]);
    expect(d?.['data']).toEqual({ password: '++++++++', user: '++++++++' });
    expect(l?.['data']).toEqual({ password: '++++++++', user: '++++++++++++' });
    expect(d?.['stringData']).toBeUndefined();
    expect(l?.metadata?.annotations).toEqual({});
    // Not a Secret: returned as is (the very object), and nothing given was written to.
    expect(c).toBe(configMap);
    expect(configMap['data']).toEqual({ user: 'visible' });
    expect(JSON.stringify([desired, live, configMap])).toBe(before);
  });

  it('keeps undefined entries in place', () => {
    expect(hideSecretData([undefined, secret({ a: 'eA==' })]).map((o) => o === undefined)).toEqual([true, false]);
  });
});

describe('predictLiveState', () => {
  it('lays the desired fields over live ones and keeps what only the server set', () => {
    const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', uid: 'u1', annotations: { a: '1' } }, spec: { replicas: 1, revisionHistoryLimit: 10, template: { spec: { containers: [{ name: 'c', image: 'old', imagePullPolicy: 'IfNotPresent' }] } } }, status: { replicas: 1 } };
    const desired = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', annotations: { b: '2' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'new' }] } } } };
    expect(predictLiveState(live, desired)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'w', uid: 'u1', annotations: { a: '1', b: '2' } },
      spec: { replicas: 2, revisionHistoryLimit: 10, template: { spec: { containers: [{ name: 'c', image: 'new', imagePullPolicy: 'IfNotPresent' }] } } },
      status: { replicas: 1 },
    });
    expect(live.spec.replicas).toBe(1);
  });
});

describe('comparedRevision (the revision managed-resources renders)', () => {
  const source = { repoURL: 'https://git.example/shop.git', path: 'shop', targetRevision: 'main' };
  const app = (status: Application['status'], spec: Partial<Application['spec']> = {}): Application => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: 'argocd' },
    spec: { project: 'default', source, destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, ...spec },
    ...(status === undefined ? {} : { status }),
  });
  const SHA = 'b'.repeat(40);
  const cases: [string, Application, string | undefined][] = [
    ['never compared: the target revision', app(undefined), undefined],
    ['compared with the same source: that revision', app({ sync: { status: 'OutOfSync', revision: SHA, comparedTo: { source, destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' } } } }), SHA],
    ['no comparedTo recorded: the revision at its word', app({ sync: { status: 'OutOfSync', revision: SHA } }), SHA],
    [
      'the source changed since: the target revision',
      app({ sync: { status: 'Synced', revision: SHA, comparedTo: { source: { ...source, path: 'old' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' } } } }),
      undefined,
    ],
    ['multi-source apps: the target revisions', app({ sync: { status: 'Synced', revision: SHA } }, { source: undefined, sources: [source] }), undefined],
  ];
  it.each(cases)('%s', (_name, a, want) => {
    expect(comparedRevision(a)).toBe(want);
  });
});
