import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, applyPatch, parsePointer, type Json } from './patch.js';

describe('JSON Patch (RFC 6902 appendix A)', () => {
  const cases: [string, Json, Json, Json][] = [
    ['adds an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { foo: 'bar', baz: 'qux' }],
    ['adds an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['appends with -', { foo: [1] }, [{ op: 'add', path: '/foo/-', value: 2 }], { foo: [1, 2] }],
    ['removes an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['removes an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['replaces a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['moves a value', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['moves an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['copies a value', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['passes a test', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['adds a nested object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['reads ~0 and ~1 escapes', { 'a/b': 1, 'm~n': 2 }, [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }], { 'a/b': 3 }],
    ['replaces the whole document', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
  ];
  it.each(cases)('%s', (_name, doc, patch, want) => {
    expect(applyJsonPatch(doc, patch)).toEqual(want);
  });

  const failures: [string, Json, Json, string][] = [
    ['a failing test', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'patch operation 0: test failed at /baz'],
    ['a missing target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'JSON pointer "/baz/bat" does not exist'],
    ['an out-of-range index', { foo: [1] }, [{ op: 'add', path: '/foo/5', value: 2 }], 'JSON pointer "/foo/5": index 5 is out of range'],
    ['an unknown op', {}, [{ op: 'frobnicate', path: '/a' }], 'patch operation 0: unknown op "frobnicate"'],
    ['a missing value', {}, [{ op: 'add', path: '/a' }], 'patch operation 0 (add) needs a "value"'],
    ['a move into its own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 'patch operation 0: cannot move /a into its own child'],
    ['a prototype key', {}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }], 'JSON pointer "/__proto__" uses the reserved key "__proto__"'],
    ['not an array', {}, { op: 'add' }, 'a JSON patch must be an array of operations'],
  ];
  it.each(failures)('refuses %s', (_name, doc, patch, message) => {
    expect(() => applyJsonPatch(doc, patch)).toThrow(message);
  });

  it('applies all or nothing and never modifies its input', () => {
    const doc: Json = { a: 1 };
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/b', value: 2 }, { op: 'test', path: '/a', value: 9 }])).toThrow('test failed');
    expect(doc).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('parses pointers and refuses bad escapes', () => {
    expect(parsePointer('/a~1b/~0c/0')).toEqual(['a/b', '~c', '0']);
    expect(() => parsePointer('a')).toThrow('must start with "/"');
    expect(() => parsePointer('/a~2')).toThrow('invalid escape');
  });
});

describe('JSON Merge Patch (RFC 7386 appendix A)', () => {
  const cases: [Json, Json, Json][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j', (target, patch, want) => {
    expect(applyMergePatch(target, patch)).toEqual(want);
  });

  it('refuses prototype keys and text that is not JSON', () => {
    expect(() => applyPatch({}, '{"__proto__": {"x": 1}}', 'merge')).toThrow('reserved key "__proto__"');
    expect(() => applyPatch({}, '{', 'json')).toThrow('the patch is not valid JSON');
  });
});
