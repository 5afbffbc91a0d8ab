// argocd-style tables and output formats.
import { describe, expect, it } from 'vitest';
import { painter } from './io.js';
import { formatKeyValues, formatTable, outputFormat, structured, toYamlStream } from './table.js';

describe('formatTable', () => {
  it.each([
    [['A', 'BB'], [['x', 'y']], 'A  BB\nx  y\n'],
    [['NAME', 'V'], [['long-name', ''], ['s', 'v']], 'NAME       V\nlong-name\ns          v\n'],
    [['H'], [], 'H\n'],
    [['A', 'B'], [['multi\nline', 'x']], 'A           B\nmulti line  x\n'],
  ])('%j', (headers, rows, expected) => {
    expect(formatTable(headers, rows)).toBe(expected);
  });
  it('ignores color codes when measuring', () => {
    const paint = painter(true);
    expect(formatTable(['S', 'X'], [[paint('green', 'Synced'), 'x']])).toBe(`S       X\n${paint('green', 'Synced')}  x\n`);
  });
});

describe('formats', () => {
  it('key/values are padded to 20 columns', () => {
    expect(formatKeyValues([['Name', 'a'], ['Empty', '']])).toBe('Name:               a\nEmpty:\n');
  });
  it('structured output', () => {
    expect(structured('json', { a: 1 })).toBe('{\n  "a": 1\n}\n');
    expect(structured('yaml', { a: 1 })).toBe('a: 1\n');
    expect(structured('wide', { a: 1 })).toBeUndefined();
    expect(toYamlStream([{ a: 1 }, { b: 2 }])).toBe('a: 1\n---\nb: 2\n');
  });
  it('checks -o', () => {
    expect(outputFormat('json', ['json'])).toBe('json');
    expect(outputFormat(undefined, ['json'])).toBeUndefined();
    expect(() => outputFormat('xml', ['json', 'yaml'])).toThrow('unknown output format "xml": use one of json, yaml');
  });
});
