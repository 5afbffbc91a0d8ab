import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/objects.js';
import { hideSecretData } from './live.js';

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
