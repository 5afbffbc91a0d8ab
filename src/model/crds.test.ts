import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  applicationSourceSchema,
  applicationSpecSchema,
  directorySourceSchema,
  helmSourceSchema,
  kustomizeSourceSchema,
  operationSchema,
  pluginSourceSchema,
  syncOperationSchema,
  syncPolicySchema,
} from './application.js';
import { appProjectCrd, applicationCrd, isCrdEstablished, kawaCrds, type JsonSchemaProps } from './crds.js';
import { appProjectSpecSchema } from './project.js';

const testdata = new URL('./testdata/', import.meta.url);
const fixtures = (prefix: string): [string, unknown][] =>
  readdirSync(testdata)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.yaml'))
    .map((f) => [f, parseYaml(readFileSync(new URL(f, testdata), 'utf8')) as unknown]);

function rootSchema(crd: ReturnType<typeof applicationCrd>): JsonSchemaProps {
  const version = crd.spec.versions[0];
  if (!version) throw new Error('no version');
  return version.schema.openAPIV3Schema;
}

function prop(schema: JsonSchemaProps, ...path: string[]): JsonSchemaProps {
  let node = schema;
  for (const key of path) {
    const next = key === '[]' ? node.items : node.properties?.[key];
    if (!next) throw new Error(`no schema at ${path.join('.')}`);
    node = next;
  }
  return node;
}

/** Violations of the rules the API server enforces on structural schemas (the ones a hand-written schema can break). */
function structuralProblems(schema: JsonSchemaProps, path = '', out: string[] = []): string[] {
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-int-or-string'] === true;
  if (schema.type === undefined && !open) out.push(`${path || '(root)'}: no type`);
  if (schema.properties && schema.additionalProperties) out.push(`${path}: both properties and additionalProperties`);
  if (schema.type === 'array' && !schema.items) out.push(`${path}: array without items`);
  for (const key of schema.required ?? []) if (!schema.properties?.[key]) out.push(`${path}: required ${key} is not a property`);
  for (const [key, child] of Object.entries(schema.properties ?? {})) structuralProblems(child, `${path}.${key}`, out);
  if (schema.items) structuralProblems(schema.items, `${path}[]`, out);
  if (schema.additionalProperties) structuralProblems(schema.additionalProperties, `${path}{}`, out);
  return out;
}

/**
 * What the API server would do with `value` under `schema`: type errors, missing required fields, and
 * fields it would prune. A small model of apiextensions validation, enough to catch schema mistakes
 * before the e2e test does.
 */
function schemaProblems(value: unknown, schema: JsonSchemaProps, path: string, out: string[] = []): string[] {
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value !== 'string' && !Number.isInteger(value)) out.push(`${path}: not int-or-string`);
    return out;
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') out.push(`${path}: not a string`);
      return out;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${path}: not a boolean`);
      return out;
    case 'integer':
      if (!Number.isInteger(value)) out.push(`${path}: not an integer`);
      return out;
    case 'number':
      if (typeof value !== 'number') out.push(`${path}: not a number`);
      return out;
    case 'array':
      if (!Array.isArray(value)) out.push(`${path}: not an array`);
      else if (schema.items) value.forEach((v, i) => schemaProblems(v, schema.items ?? {}, `${path}[${i}]`, out));
      return out;
    case 'object':
    case undefined: {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        if (schema.type === 'object') out.push(`${path}: not an object`);
        return out;
      }
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) out.push(`${path}.${key}: required`);
      for (const [key, v] of Object.entries(record)) {
        const child = schema.properties?.[key] ?? schema.additionalProperties;
        if (child) schemaProblems(v, child, `${path}.${key}`, out);
        else if (schema['x-kubernetes-preserve-unknown-fields'] !== true && schema.properties !== undefined) out.push(`${path}.${key}: would be pruned`);
      }
      return out;
    }
  }
}

describe('Application CRD', () => {
  const crd = applicationCrd();
  const version = crd.spec.versions[0];

  it('is applications.argoproj.io v1alpha1, namespaced, with Argo CD short names', () => {
    expect(crd.metadata.name).toBe('applications.argoproj.io');
    expect(crd.spec.group).toBe('argoproj.io');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({ kind: 'Application', listKind: 'ApplicationList', plural: 'applications', singular: 'application', shortNames: ['app', 'apps'] });
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('has the printer columns of Argo CD', () => {
    expect(version?.additionalPrinterColumns).toEqual([
      { name: 'Sync Status', type: 'string', jsonPath: '.status.sync.status' },
      { name: 'Health Status', type: 'string', jsonPath: '.status.health.status' },
      { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision', priority: 10 },
      { name: 'Project', type: 'string', jsonPath: '.spec.project', priority: 10 },
    ]);
  });

  it('has a structural schema', () => {
    expect(structuralProblems(rootSchema(crd))).toEqual([]);
  });

  it('keeps unknown fields under spec, operation and status, and open-ended helm values', () => {
    const root = rootSchema(crd);
    for (const path of [['spec'], ['spec', 'source'], ['spec', 'source', 'helm'], ['spec', 'syncPolicy', 'retry', 'backoff'], ['operation'], ['status']]) {
      expect(prop(root, ...path)['x-kubernetes-preserve-unknown-fields'], path.join('.')).toBe(true);
    }
    expect(prop(root, 'spec', 'source', 'helm', 'valuesObject')).toEqual({ type: 'object', description: 'Values as an object.', 'x-kubernetes-preserve-unknown-fields': true });
    expect(prop(root, 'spec', 'source', 'kustomize', 'replicas', '[]', 'count')).toEqual({ 'x-kubernetes-int-or-string': true });
  });

  // The zod model and the CRD are written separately; a field added to one and not the other would be
  // typed in kawa but only preserved (never validated) by the API server, or the reverse.
  it.each<[string, Record<string, unknown>, string[]]>([
    ['spec', applicationSpecSchema.shape, ['spec']],
    ['source', applicationSourceSchema.shape, ['spec', 'source']],
    ['helm', helmSourceSchema.shape, ['spec', 'source', 'helm']],
    ['kustomize', kustomizeSourceSchema.shape, ['spec', 'source', 'kustomize']],
    ['directory', directorySourceSchema.shape, ['spec', 'source', 'directory']],
    ['plugin', pluginSourceSchema.shape, ['spec', 'source', 'plugin']],
    ['syncPolicy', syncPolicySchema.shape, ['spec', 'syncPolicy']],
    ['operation', operationSchema.shape, ['operation']],
    ['operation.sync', syncOperationSchema.shape, ['operation', 'sync']],
  ])('models the same %s fields as the zod schema', (_name, shape, path) => {
    expect(Object.keys(prop(rootSchema(crd), ...path).properties ?? {}).sort()).toEqual(Object.keys(shape).sort());
  });

  it.each(fixtures('app-'))('accepts %s with nothing pruned', (_name, app) => {
    expect(schemaProblems(app, rootSchema(crd), '')).toEqual([]);
  });

  it('rejects a spec that is a string and a spec without destination', () => {
    expect(schemaProblems({ metadata: {}, spec: 'oops' }, rootSchema(crd), '')).toEqual(['.spec: not an object']);
    expect(schemaProblems({ metadata: {}, spec: { project: 'p' } }, rootSchema(crd), '')).toEqual(['.spec.destination: required']);
  });
});

describe('AppProject CRD', () => {
  const crd = appProjectCrd();

  it('is appprojects.argoproj.io v1alpha1, namespaced, with Argo CD short names and no status subresource', () => {
    expect(crd.metadata.name).toBe('appprojects.argoproj.io');
    expect(crd.spec.names).toEqual({ kind: 'AppProject', listKind: 'AppProjectList', plural: 'appprojects', singular: 'appproject', shortNames: ['appproj', 'appprojs'] });
    expect(crd.spec.versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true });
    expect(crd.spec.versions[0]?.subresources).toBeUndefined();
  });

  it('has a structural schema', () => {
    expect(structuralProblems(rootSchema(crd))).toEqual([]);
  });

  it('models the same spec fields as the zod schema (plus sourceIntegrity, kept opaque)', () => {
    const crdFields = Object.keys(prop(rootSchema(crd), 'spec').properties ?? {}).sort();
    expect(crdFields).toEqual([...Object.keys(appProjectSpecSchema.shape), 'sourceIntegrity'].sort());
  });

  it.each(fixtures('project-'))('accepts %s with nothing pruned', (_name, project) => {
    expect(schemaProblems(project, rootSchema(crd), '')).toEqual([]);
  });
});

describe('helpers', () => {
  it('lists both CRDs', () => {
    expect(kawaCrds().map((c) => c.metadata.name)).toEqual(['applications.argoproj.io', 'appprojects.argoproj.io']);
  });

  it('returns fresh objects each time', () => {
    const a = applicationCrd();
    a.metadata.labels['x'] = 'y';
    expect(applicationCrd().metadata.labels['x']).toBeUndefined();
  });

  it.each([
    [{}, false],
    [{ status: { conditions: [{ type: 'NamesAccepted', status: 'True' }] } }, false],
    [{ status: { conditions: [{ type: 'Established', status: 'False' }] } }, false],
    [{ status: { conditions: [{ type: 'Established', status: 'True' }] } }, true],
  ])('isCrdEstablished(%j) is %s', (crd, expected) => {
    expect(isCrdEstablished(crd)).toBe(expected);
  });
});
