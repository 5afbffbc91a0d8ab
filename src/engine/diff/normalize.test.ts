import { describe, expect, it } from 'vitest';
import { normalizeObject } from './normalize.js';
import type { KubeObject } from './types.js';

describe('normalizeObject', () => {
  const cases: ReadonlyArray<readonly [label: string, input: KubeObject, output: KubeObject]> = [
    [
      'drops status and server metadata, keeps other annotations',
      {
        kind: 'ConfigMap',
        metadata: {
          name: 'c',
          uid: 'u',
          resourceVersion: '1',
          generation: 2,
          creationTimestamp: 't',
          selfLink: '/x',
          managedFields: [],
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
        },
        status: { phase: 'x' },
      },
      { kind: 'ConfigMap', metadata: { name: 'c', annotations: { keep: 'me' } } },
    ],
    [
      'folds stringData into data; stringData wins on a shared key',
      { apiVersion: 'v1', kind: 'Secret', data: { a: 'b2xk', b: 'Yg==' }, stringData: { a: 'new' } },
      { apiVersion: 'v1', kind: 'Secret', data: { a: 'bmV3', b: 'Yg==' } },
    ],
    [
      'rewrites base64 the way the API server stores it, leaves non-base64 alone',
      { apiVersion: 'v1', kind: 'Secret', data: { wrapped: 'Zm9v\nYmFy', bad: 'not base64!' } },
      { apiVersion: 'v1', kind: 'Secret', data: { wrapped: 'Zm9vYmFy', bad: 'not base64!' } },
    ],
    [
      'drops rules of aggregated ClusterRoles only',
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', aggregationRule: { clusterRoleSelectors: [] }, rules: [{ verbs: ['get'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', aggregationRule: { clusterRoleSelectors: [] } },
    ],
    [
      'quantities in resources, not elsewhere',
      { kind: 'Pod', spec: { containers: [{ resources: { limits: { cpu: '1000m', memory: 0.5 } }, args: ['1000m'] }] } },
      { kind: 'Pod', spec: { containers: [{ resources: { limits: { cpu: '1', memory: '500m' } }, args: ['1000m'] }] } },
    ],
    [
      'IntOrString ports become numbers when numeric, names stay',
      { kind: 'Pod', spec: { containers: [{ ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: '80' } }, readinessProbe: { tcpSocket: { port: 'http' } } }] } },
      { kind: 'Pod', spec: { containers: [{ ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 80 } }, readinessProbe: { tcpSocket: { port: 'http' } } }] } },
    ],
    [
      'Service port is an int32, only targetPort is an IntOrString',
      { kind: 'Service', spec: { ports: [{ port: '80', targetPort: '8080' }] } },
      { kind: 'Service', spec: { ports: [{ port: '80', targetPort: 8080 }] } },
    ],
    [
      'kind-specific positions need that kind',
      { kind: 'Widget', spec: { hard: { pods: '1000m' }, minAvailable: '1' } },
      { kind: 'Widget', spec: { hard: { pods: '1000m' }, minAvailable: '1' } },
    ],
  ];
  it.each(cases)('%s', (_label, input, output) => {
    expect(normalizeObject(input)).toEqual(output);
  });
});
