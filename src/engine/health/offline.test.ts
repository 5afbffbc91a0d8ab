// Reading objects from files as leniently as kubectl does: one case per line.
import { describe, expect, it } from 'vitest';
import { objectsInText } from './offline.js';

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
    ['non-string annotations', 'apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {a: yes}\n', ['f.yaml:1: malformed object (metadata must be a map with string name/namespace and string annotations; spec and status maps)']],
  ];
  it.each(REJECTED)('rejects %s, naming file and line', (_name, text, errors) => {
    expect(objectsInText(text, 'f.yaml').errors).toEqual(errors);
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
