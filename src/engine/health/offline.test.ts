// Reading objects from files as leniently as kubectl does: one case per line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessHealthFiles, objectsInText } from './offline.js';

const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n';

/** [case, file text, the `data` of the single object read] */
const ACCEPTED: readonly [string, string, Record<string, unknown>][] = [
  ['a repeated key: the last one wins', `${head}data:\n  a: first\n  a: second\n`, { a: 'second' }],
  ['YAML 1.1 booleans, as kubectl reads them', `${head}data:\n  a: yes\n  b: "yes"\n  c: off\n`, { a: true, b: 'yes', c: false }],
  ['a multi-line quoted scalar folds', `${head}data:\n  a: "one\n    two"\n  b: 'three\n\n    four'\n`, { a: 'one two', b: 'three\nfour' }],
  ['a tab after the colon', `${head}data:\n  a:\tvalue\n`, { a: 'value' }],
  ['timestamps and times stay text, octal is a number', `${head}data:\n  a: 2024-01-01\n  b: 12:30\n  c: 0777\n`, { a: '2024-01-01', b: '12:30', c: 511 }],
  ['a trailing separator', `${head}data:\n  a: b\n---\n`, { a: 'b' }],
  ['comments only after a separator', `---\n${head}data:\n  a: b\n---\n# nothing here\n`, { a: 'b' }],
  ['JSON indented with tabs', '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "cm"},\n\t"data": {\n\t\t"a": "b"\n\t}\n}\n', { a: 'b' }],
  ['merge keys', `${head}data:\n  base: &b {a: x}\n  <<: *b\n`, { base: { a: 'x' }, a: 'x' }],
];

describe('objectsInText', () => {
  it.each(ACCEPTED)('accepts %s', (_name, text, data) => {
    const { objects, errors } = objectsInText(text, 'f.yaml');
    expect([errors, objects.map((o) => o.object.data)]).toEqual([[], [data]]);
  });

  /** [case, file text, errors] */
  const REJECTED: readonly [string, string, string[]][] = [
    ['tabs as indentation (go-yaml refuses them too)', 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: p\n', ['f.yaml:4: Tabs are not allowed as indentation']],
    ['a document without kind', 'apiVersion: v1\nmetadata: {name: p}\n', ['f.yaml:1: not a Kubernetes object (missing kind)']],
    ['a scalar document', `${head}---\njust text\n`, ['f.yaml:6: not a Kubernetes object (found a string)']],
    ['non-string annotations', 'apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {a: yes}\n', ['f.yaml:1: metadata.annotations.a: must be a string, found a boolean (quote the value in YAML)']],
    ['a number as a label value', 'apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app.kubernetes.io/version: 1.2\n', ['f.yaml:1: metadata.labels["app.kubernetes.io/version"]: must be a string, found a number (quote the value in YAML)']],
    ['labels as a list', 'apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n  - app\n', ['f.yaml:1: metadata.labels: must be a map of strings, found a list']],
    ['metadata as text', 'apiVersion: v1\nkind: Pod\nmetadata: pod\n', ['f.yaml:1: metadata: must be a map, found a string']],
    ['a quoted generation', 'apiVersion: v1\nkind: Pod\nmetadata:\n  generation: "2"\n', ['f.yaml:1: metadata.generation: must be an integer, found a string']],
    ['status as text, with another problem', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: 7\nstatus: Running\n', ['f.yaml:1: metadata.name: must be a string, found a number; status: must be a map, found a string']],
  ];
  it.each(REJECTED)('rejects %s, naming file and line', (_name, text, errors) => {
    expect(objectsInText(text, 'f.yaml').errors).toEqual(errors);
  });

  /** [case, file text, the object read] — null means absent, as the API server decodes it. */
  const NULLS: readonly [string, string, Record<string, unknown>][] = [
    ['annotations: null', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }],
    ['labels: null, creationTimestamp: null', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: null\n  creationTimestamp: null\n', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }],
    ['status: null and spec: null', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: null\nstatus: null\n', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }],
    ['metadata: null', 'apiVersion: v1\nkind: Pod\nmetadata: null\n', { apiVersion: 'v1', kind: 'Pod', metadata: {} }],
    ['a null annotation value', 'apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {a: null, b: x}\n', { apiVersion: 'v1', kind: 'Pod', metadata: { annotations: { b: 'x' } } }],
  ];
  it.each(NULLS)('reads %s as absent', (_name, text, object) => {
    const { objects, errors } = objectsInText(text, 'f.yaml');
    expect([errors, objects.map((o) => o.object)]).toEqual([[], [object]]);
  });

  it('judges an object whose annotations and status are null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kawa-offline-'));
    const file = join(dir, 'svc.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n  labels:\nspec:\n  type: LoadBalancer\nstatus:\n');
    const report = await assessHealthFiles([file]);
    await rm(dir, { recursive: true });
    expect([report.errors, report.rows.map((r) => [r.name, r.status, r.check])]).toEqual([[], [['web', 'Progressing', 'built-in']]]);
  });

  it('expands Lists, with the line of each item', () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n  - ${head.replace(/\n(?!$)/g, '\n    ')}  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n`;
    const { objects } = objectsInText(text, 'f.yaml');
    expect(objects.map((o) => [o.object.kind, o.line])).toEqual([
      ['ConfigMap', 4],
      ['Secret', 8],
    ]);
  });

  it('keeps the objects before a document that does not parse', () => {
    const { objects, errors } = objectsInText(`${head}---\n${head}data: [\n`, 'f.yaml');
    expect([objects.length, errors]).toEqual([1, ['f.yaml:11: Flow sequence in block collection must be sufficiently indented and end with a ]']]);
  });
});
