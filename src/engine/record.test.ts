import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { finish, generationOf, summarize, validateAppName, validateRecord } from './record.js';

describe('validateRecord', () => {
  it('accepts the kawa sections this kawa writes', () => {
    expect(() => { validateRecord({ kawa: { version: 1 } }, 'operation'); }).not.toThrow();
    expect(() => { validateRecord({ kawa: { version: 1, kind: 'deletion' } }, 'deletion'); }).not.toThrow();
  });

  it.each([
    ['an operation without kawa section', {}, 'operation', 'the operation state has no kawa section (version 1): it was not started by this kawa and cannot be resumed'],
    ['an operation of another version', { kawa: { version: 2 } }, 'operation', 'the operation state has no kawa section (version 1)'],
    ['a deletion with an operation section', { kawa: { version: 1 } }, 'deletion', 'the deletion state has no kawa deletion section (version 1)'],
  ] as const)('refuses %s', (_name, record, kind, message) => {
    expect(() => { validateRecord(record, kind); }).toThrow(UserError);
    expect(() => { validateRecord(record, kind); }).toThrow(message);
  });

  it("refuses a step for another app than the record's", () => {
    expect(() => { validateAppName('deletion', 'shop', 'blog'); }).toThrow('the deletion belongs to app shop, not blog');
    expect(() => { validateAppName('operation', 'shop', 'shop'); }).not.toThrow();
  });
});

describe('record helpers', () => {
  it('finish sets the final phase, message and time (second precision)', () => {
    const record: { phase: 'Running' | 'Failed'; message?: string; finishedAt?: string } = { phase: 'Running' };
    finish(record, 'Failed', 'boom', Date.parse('2026-01-01T00:00:01.500Z'));
    expect(record).toEqual({ phase: 'Failed', message: 'boom', finishedAt: '2026-01-01T00:00:01Z' });
  });

  it.each([
    [['a'], 'a'],
    [['a', 'b', 'c'], 'a; b; c'],
    [['a', 'b', 'c', 'd', 'e'], 'a; b; c (and 2 more)'],
  ])('summarize(%j, 3) is %s', (messages, expected) => {
    expect(summarize(messages, 3)).toBe(expected);
  });

  it('generationOf reads a numeric metadata.generation only', () => {
    expect(generationOf({ metadata: { name: 'x', generation: 4 } })).toBe(4);
    expect(generationOf({ metadata: { name: 'x' } })).toBeUndefined();
    expect(generationOf({})).toBeUndefined();
  });
});
