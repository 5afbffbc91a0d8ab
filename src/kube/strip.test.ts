import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, stripForCache } from './strip.js';

describe('stripForCache', () => {
  it('drops the last-applied annotation, status managedFields and selfLink, keeping the rest', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web',
        selfLink: '/api/v1/namespaces/default/pods/web',
        annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":"copy"}', keep: 'me' },
        managedFields: [
          { manager: 'kawa', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
          { manager: 'kubelet', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } },
          { manager: 'hpa', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': {} } },
        ],
      },
      spec: { containers: [] },
      status: { phase: 'Running' },
    };
    expect(stripForCache(pod)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web',
        annotations: { keep: 'me' },
        managedFields: [
          { manager: 'kawa', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
          { manager: 'hpa', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': {} } },
        ],
      },
      spec: { containers: [] },
      status: { phase: 'Running' },
    });
  });

  it('removes annotations left empty', () => {
    expect(stripForCache({ kind: 'ConfigMap', metadata: { name: 'x', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } } })).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
  });

  it.each<[string, unknown]>([
    ['null annotations', null],
    ['annotations as a list', ['x']],
  ])('leaves %s alone', (_name, annotations) => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'x', annotations, labels: null } };
    expect(stripForCache(structuredClone(obj) as never)).toEqual(obj);
  });

  it('drops the image list of Nodes only', () => {
    expect(stripForCache({ apiVersion: 'v1', kind: 'Node', status: { images: [{ names: ['a'] }], conditions: [] } })).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      status: { conditions: [] },
    });
    expect(stripForCache({ apiVersion: 'example.io/v1', kind: 'Node', status: { images: [] } })).toEqual({
      apiVersion: 'example.io/v1',
      kind: 'Node',
      status: { images: [] },
    });
  });
});
