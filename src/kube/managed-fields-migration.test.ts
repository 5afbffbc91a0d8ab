import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_SIDE_APPLY_MANAGERS, hasClientSideApplyFields, managedFieldsMigrationPatch, unionFieldsV1, type MigrationInput } from './managed-fields-migration.js';

interface Case {
  description: string;
  input: MigrationInput;
  expected: unknown[] | null;
}

const dir = new URL('./testdata/managed-fields-migration/', import.meta.url);
const cases = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file): [string, Case] => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Case]);

describe('managedFieldsMigrationPatch (testdata/managed-fields-migration)', () => {
  it('has its fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('%s', (_name, c) => {
    const patch = managedFieldsMigrationPatch(c.input);
    expect(patch ?? null, c.description).toEqual(c.expected);
    // The cheap pre-check agrees whenever an old entry would move.
    if (patch !== undefined) expect(hasClientSideApplyFields(c.input.managedFields, c.input.from, c.input.manager)).toBe(true);
  });

  it('never modifies its input', () => {
    const input = cases.find(([name]) => name === 'union-with-kawa-entry')?.[1].input;
    if (input === undefined) throw new Error('fixture union-with-kawa-entry missing');
    const before = JSON.stringify(input);
    managedFieldsMigrationPatch(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('migrates kubectl and Argo CD by default', () => {
    expect(CLIENT_SIDE_APPLY_MANAGERS).toEqual(['kubectl-client-side-apply', 'argocd-controller']);
  });
});

describe('unionFieldsV1', () => {
  it.each([
    ['disjoint', { 'f:a': {} }, { 'f:b': {} }, { 'f:a': {}, 'f:b': {} }],
    ['nested', { 'f:data': { '.': {}, 'f:a': {} } }, { 'f:data': { 'f:b': {} } }, { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } }],
    ['list-map keys', { 'f:c': { 'k:{"name":"x"}': { 'f:image': {} } } }, { 'f:c': { 'k:{"name":"x"}': { '.': {} }, 'k:{"name":"y"}': {} } }, { 'f:c': { 'k:{"name":"x"}': { 'f:image': {}, '.': {} }, 'k:{"name":"y"}': {} } }],
    ['a missing side', undefined, { 'f:a': {} }, { 'f:a': {} }],
    ['both missing', null, undefined, {}],
  ])('%s', (_name, a, b, expected) => {
    expect(unionFieldsV1(a, b)).toEqual(expected);
  });
});
