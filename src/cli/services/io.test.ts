// Colors only where they belong.
import { describe, expect, it } from 'vitest';
import { colorsEnabled, painter, statusColor } from './io.js';

describe('colorsEnabled', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
  ])('tty=%s env=%j → %s', (tty, env, expected) => {
    expect(colorsEnabled(tty, env)).toBe(expected);
  });
  it('paints only when enabled', () => {
    expect(painter(false)('red', 'x')).toBe('x');
    expect(painter(true)('red', 'x')).toBe('\u001b[31mx\u001b[0m');
    expect(statusColor('Degraded')).toBe('red');
    expect(statusColor('whatever')).toBeUndefined();
  });
});
