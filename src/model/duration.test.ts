import { describe, expect, it } from 'vitest';
import { formatDuration, isDuration, parseDuration } from './duration.js';

describe('parseDuration (Go syntax)', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['5s', 5_000],
    ['3m', 180_000],
    ['1h2m3s', 3_723_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['500ms', 500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['+10s', 10_000],
    ['1h1h', 7_200_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '5 s', '5sec', '1d', '-', '.s', '5s ', 'abc', '1h-2m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('rejects negative durations unless allowed', () => {
    expect(parseDuration('-5s')).toBeUndefined();
    expect(parseDuration('-5s', { allowNegative: true })).toBe(-5_000);
  });

  it('reads a bare integer as seconds only when asked (Argo CD retry backoff)', () => {
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('30', { bareIntegerAsSeconds: true })).toBe(30_000);
    expect(parseDuration('2m', { bareIntegerAsSeconds: true })).toBe(120_000);
    expect(isDuration('-3', { bareIntegerAsSeconds: true })).toBe(false);
  });
});

describe('formatDuration (Go String())', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1_500, '1.5s'],
    [5_000, '5s'],
    [180_000, '3m0s'],
    [3_723_000, '1h2m3s'],
    [5_400_000, '1h30m0s'],
    [0.25, '250µs'],
    [-5_000, '-5s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 61_000, 7_322_500]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
