import { describe, expect, it } from 'vitest';
import { stableJson } from './stable-json.js';

describe('stableJson', () => {
  it.each([
    ['a scalar', 42, '42'],
    ['a string', 'x"y', '"x\\"y"'],
    ['null', null, 'null'],
    ['keys sorted', { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ['keys sorted at every depth', { z: { d: 1, c: [{ f: 1, e: 2 }] }, y: true }, '{"y":true,"z":{"c":[{"e":2,"f":1}],"d":1}}'],
    ['array order kept', [3, 1, 2], '[3,1,2]'],
    ['undefined fields left out', { a: undefined, b: 1 }, '{"b":1}'],
    ['uppercase before lowercase (code units)', { b: 1, B: 2 }, '{"B":2,"b":1}'],
  ])('%s', (_name, value, expected) => {
    expect(stableJson(value)).toBe(expected);
  });

  it('gives the same text for objects that differ only in key order', () => {
    expect(stableJson({ source: { path: 'p', repoURL: 'u' }, revision: 'r' })).toBe(stableJson({ revision: 'r', source: { repoURL: 'u', path: 'p' } }));
  });
});
