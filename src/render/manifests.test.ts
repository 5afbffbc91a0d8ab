import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors.js';
import { expandLists, jsonErrorOffset, objectsFromToolOutput, readYamlStream } from './manifests.js';
import type { RenderedObject } from './types.js';

const values = (text: string): unknown[] => readYamlStream(text, 'x.yaml').documents.map((d) => d.value);

describe('reading YAML like Kubernetes does', () => {
  it.each([
    ['a: on', { a: true }],
    ['a: y', { a: true }],
    ['a: "on"', { a: 'on' }],
    ['a: 0777', { a: 511 }],
    ['a: 12:30', { a: '12:30' }],
    ['a: 2024-01-02', { a: '2024-01-02' }],
    ['a: 1_000', { a: 1000 }],
    ['a: !!binary aGk=', { a: 'aGk=' }],
    ['x: &v {p: 1}\nb:\n  <<: *v\n  q: 2', { x: { p: 1 }, b: { p: 1, q: 2 } }],
  ])('%s', (text, expected) => {
    expect(values(text)).toEqual([expected]);
  });

  it('reports the first syntax error with its line and keeps what came before', () => {
    const stream = readYamlStream('a: 1\n---\nb: [\n---\nc: 3\n', 'x.yaml');
    expect(stream.documents.map((d) => d.value)).toEqual([{ a: 1 }]);
    expect(stream.error).toMatchObject({ document: 2, line: 4 });
  });

  it('refuses alias explosions', () => {
    // Each level repeats the one before ten times: 10^9 nodes once expanded.
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++) levels.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    expect(readYamlStream(levels.join('\n'), 'x.yaml').error?.message).toMatch(/alias/i);
  });
});

describe('tool output', () => {
  it("names each object by Helm's Source comment", () => {
    const out = '---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# Source: c/templates/empty.yaml\n';
    expect(objectsFromToolOutput(out, 'helm template c').map((o) => o.origin)).toEqual([{ file: 'c/templates/a.yaml', document: 1 }]);
  });

  it('refuses a document that is not an object', () => {
    expect(() => objectsFromToolOutput('apiVersion: v1\nkind: A\n---\n- 1\n', 'kustomize build k')).toThrow(
      expect.objectContaining({ code: errorCodes.RENDER_INVALID_MANIFEST, message: 'kustomize build k document 2 (line 4): not a Kubernetes object (found a list)' }),
    );
  });
});

describe('metadata as the API server reads it', () => {
  const render = (text: string): unknown[] => objectsFromToolOutput(text, 'helm template c').map((o) => o.object);
  const head = 'apiVersion: v1\nkind: ConfigMap\n';

  it.each<[string, string, unknown]>([
    ['null labels and annotations', 'metadata:\n  name: a\n  labels:\n  annotations:\n', { name: 'a' }],
    ['null finalizers and ownerReferences', 'metadata:\n  name: a\n  finalizers:\n  ownerReferences:\n', { name: 'a' }],
    ['null metadata', 'metadata:\n', undefined],
    ['not a null label value (the API server stores "")', 'metadata:\n  name: a\n  labels:\n    empty:\n    tier: web\n', { name: 'a', labels: { empty: null, tier: 'web' } }],
  ])('%s: dropped', (_name, text, metadata) => {
    expect(render(head + text)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', ...(metadata === undefined ? {} : { metadata }) }]);
  });

  it('keeps nulls outside metadata and the key order', () => {
    const [object] = render('kind: ConfigMap\nmetadata:\n  name: a\n  labels:\ndata:\napiVersion: v1\n');
    expect(Object.keys(object as object)).toEqual(['kind', 'metadata', 'data', 'apiVersion']);
    expect(object).toEqual({ kind: 'ConfigMap', metadata: { name: 'a' }, data: null, apiVersion: 'v1' });
  });

  it.each([
    ['metadata a string', 'metadata: web\n', 'metadata: must be a map, found a string'],
    ['labels a list', 'metadata:\n  name: a\n  labels: [x]\n', 'metadata.labels: must be a map of strings, found an array'],
    [
      'an unquoted number as annotation value',
      'metadata:\n  name: a\n  annotations:\n    argocd.argoproj.io/sync-wave: 1\n',
      'metadata.annotations["argocd.argoproj.io/sync-wave"]: must be a string, found a number (quote the value in YAML)',
    ],
  ])('refuses %s, naming the file and the field', (_name, text, problem) => {
    expect(() => render(`---\n# Source: c/templates/cm.yaml\n${head}${text}`)).toThrow(
      expect.objectContaining({ code: errorCodes.RENDER_INVALID_MANIFEST, message: `c/templates/cm.yaml document 1: ${problem}` }),
    );
  });

  it('checks the items of a List', () => {
    const list = { object: { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: null } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: 'x' } }] }, origin: { file: 'l.yaml', document: 1 } };
    expect(() => expandLists([list])).toThrow('l.yaml document 1 item 2: metadata.labels: must be a map of strings, found a string');
    list.object.items.pop();
    expect(expandLists([list]).map((o) => o.object)).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }]);
  });
});

describe('expandLists', () => {
  const origin = { file: 'f.yaml', document: 1 };
  const obj = (object: Record<string, unknown>): RenderedObject => ({ object: { apiVersion: 'v1', kind: 'X', ...object }, origin });

  it('expands List and *List kinds, drops null lists, leaves other kinds alone', () => {
    const out = expandLists([
      obj({ kind: 'List', items: [{ apiVersion: 'v1', kind: 'A' }] }),
      obj({ kind: 'ConfigMapList', items: null }),
      obj({ kind: 'AllowList', spec: { items: [] } }),
      obj({ kind: 'Thing', items: [{ apiVersion: 'v1', kind: 'B' }] }),
    ]);
    expect(out.map((o) => o.object.kind)).toEqual(['A', 'AllowList', 'Thing']);
    expect(out[0]?.origin).toEqual({ file: 'f.yaml', document: 1, item: 1 });
  });
});

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": 1}', -1],
    ['{"a": }', 6],
    ['{"a": 1,}', 8],
    ['[1, 2', 5],
    ['{"a": "\\x"}', 7],
    ['{} {}', 3],
  ])('%s → %d', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});
