import { describe, expect, it } from 'vitest';
import type { IgnoreDifferencesRule, JqPathEvaluator } from './ignore.js';
import { readManagedFields } from './managed-fields.js';
import type { PathSegment } from './pointer.js';
import { respectIgnoreDifferences } from './respect.js';
import type { KubeObject } from './types.js';

function deployment(spec: Record<string, unknown>, managedFields?: unknown[]): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', ...(managedFields === undefined ? {} : { managedFields }) }, spec };
}

const containers = (image: string) => ({ template: { spec: { containers: [{ name: 'web', image }] } } });
const rule = (more: Partial<IgnoreDifferencesRule>): IgnoreDifferencesRule[] => [{ group: 'apps', kind: 'Deployment', ...more }];

/** A stand-in for jq's `path(...)` over the two expressions the cases use. */
const jq: JqPathEvaluator = {
  paths(expression: string, obj: KubeObject): PathSegment[][] {
    const spec = obj['spec'] as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
    if (expression === '.spec.template.spec.containers[].image') return (spec?.template?.spec?.containers ?? []).map((_c, i) => ['spec', 'template', 'spec', 'containers', i, 'image']);
    if (expression === '.spec.replicas') return spec !== undefined && 'replicas' in spec ? [['spec', 'replicas']] : [];
    throw new Error(`unknown expression ${expression}`);
  },
};

const hpaFields = [{ manager: 'hpa-controller', operation: 'Update', subresource: 'scale', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];

/** [case, desired spec, live (undefined: none), rules, spec to apply] */
const CASES: readonly (readonly [string, Record<string, unknown>, KubeObject | undefined, IgnoreDifferencesRule[], Record<string, unknown>])[] = [
  ['no live object: applied as desired', { replicas: 3 }, undefined, rule({ jsonPointers: ['/spec/replicas'] }), { replicas: 3 }],
  ['no matching rule: applied as desired', { replicas: 3 }, deployment({ replicas: 5 }), [{ kind: 'Service', jsonPointers: ['/spec/replicas'] }], { replicas: 3 }],
  ['pointer: live value kept', { replicas: 3, paused: false }, deployment({ replicas: 5, paused: true }), rule({ jsonPointers: ['/spec/replicas'] }), { replicas: 5, paused: false }],
  ['pointer: absent in live, dropped from desired', { replicas: 3, paused: false }, deployment({ paused: true }), rule({ jsonPointers: ['/spec/replicas'] }), { paused: false }],
  ['pointer: absent in desired, taken from live', { paused: false }, deployment({ replicas: 5 }), rule({ jsonPointers: ['/spec/replicas'] }), { paused: false, replicas: 5 }],
  ['pointer into a list element', containers('web:2'), deployment(containers('web:1')), rule({ jsonPointers: ['/spec/template/spec/containers/0/image'] }), containers('web:1')],
  ['jq path: live value kept', { ...containers('web:2'), replicas: 3 }, deployment({ ...containers('web:1'), replicas: 5 }), rule({ jqPathExpressions: ['.spec.template.spec.containers[].image'] }), { ...containers('web:1'), replicas: 3 }],
  ['managedFieldsManagers: the other manager keeps its fields', { replicas: 3, paused: false }, deployment({ replicas: 7 }, hpaFields), rule({ managedFieldsManagers: ['hpa-controller'] }), { paused: false }],
];

describe('respectIgnoreDifferences', () => {
  it.each(CASES)('%s', (_name, desiredSpec, live, rules, expected) => {
    const desired = deployment(desiredSpec);
    const before = JSON.stringify(desired);
    const result = respectIgnoreDifferences(desired, live, rules, { jq, managedFields: readManagedFields(live) });
    expect(result.object['spec']).toEqual(expected);
    expect(result.warnings).toEqual([]);
    expect(JSON.stringify(desired)).toBe(before);
  });

  it('says which rules it could not respect', () => {
    const result = respectIgnoreDifferences(deployment({ replicas: 3 }), deployment({ replicas: 5 }), rule({ jsonPointers: ['spec/replicas', ''], jqPathExpressions: ['.spec.replicas'] }));
    expect(result.object['spec']).toEqual({ replicas: 3 });
    expect(result.warnings).toEqual([
      'RespectIgnoreDifferences: "spec/replicas" cannot be respected',
      'RespectIgnoreDifferences: "" cannot be respected',
      'RespectIgnoreDifferences: jqPathExpressions are not supported here; ".spec.replicas" was not respected',
    ]);
  });
});
