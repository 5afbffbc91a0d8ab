// Fake clock throughout: no test here sleeps.
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { LoginThrottle, LoginThrottledError, constantTimeEqual } from './throttle.js';

function setup(options: ConstructorParameters<typeof LoginThrottle>[0] = {}) {
  const clock = { now: 1_000_000 };
  const throttle = new LoginThrottle({ now: () => clock.now, ...options });
  const fail = (user: string, times: number) => {
    for (let i = 0; i < times; i++) throttle.recordFailure(user);
  };
  return { clock, throttle, fail };
}

describe('LoginThrottle', () => {
  it('lets the first 5 failures through without delay', () => {
    const { throttle, fail } = setup();
    for (let i = 0; i < 5; i++) {
      expect(throttle.retryAfterMs('admin')).toBe(0);
      fail('admin', 1);
    }
    expect(throttle.retryAfterMs('admin')).toBe(1_000);
  });

  it.each([
    [5, 1_000],
    [6, 2_000],
    [7, 4_000],
    [8, 8_000],
    [12, 60_000],
    [40, 60_000],
  ])('after %i failures the delay is %i ms', (failures, delay) => {
    const { throttle, fail } = setup();
    fail('admin', failures);
    expect(throttle.retryAfterMs('admin')).toBe(delay);
  });

  it('counts the delay from the last failure', () => {
    const { clock, throttle, fail } = setup();
    fail('admin', 6);
    clock.now += 1_500;
    expect(throttle.retryAfterMs('admin')).toBe(500);
    clock.now += 500;
    expect(throttle.retryAfterMs('admin')).toBe(0);
  });

  it('throws AUTH_THROTTLED with the wait from check()', () => {
    const { throttle, fail } = setup();
    fail('admin', 5);
    let error: unknown;
    try {
      throttle.check('admin');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LoginThrottledError);
    expect(error).toMatchObject({ code: errorCodes.AUTH_THROTTLED, retryAfterMs: 1_000, message: 'too many failed logins for this user; retry in 1s' });
  });

  it('keeps usernames apart', () => {
    const { throttle, fail } = setup();
    fail('admin', 5);
    expect(throttle.retryAfterMs('alice')).toBe(0);
    expect(throttle.retryAfterMs('Admin')).toBe(0);
  });

  it('counts an attempt when it is admitted, so a burst gets only the allowed number of guesses', () => {
    const { throttle } = setup();
    let admitted = 0;
    // 20 attempts start before any password check has answered.
    for (let i = 0; i < 20; i++) {
      try {
        throttle.check('admin');
        admitted++;
      } catch (err) {
        expect(err).toBeInstanceOf(LoginThrottledError);
      }
    }
    expect(admitted).toBe(5);
    for (let i = 0; i < admitted; i++) throttle.recordFailure('admin');
    expect(throttle.retryAfterMs('admin')).toBe(1_000);
  });

  it('a success takes back its own attempt only: a concurrent success does not clear the others', () => {
    const { throttle } = setup();
    for (let i = 0; i < 5; i++) throttle.check('admin');
    // One of the five was the right password; four were wrong.
    throttle.recordSuccess('admin');
    for (let i = 0; i < 4; i++) throttle.recordFailure('admin');
    // Four wrong guesses still count: one more is allowed, then the delay.
    throttle.check('admin');
    throttle.recordFailure('admin');
    expect(throttle.retryAfterMs('admin')).toBe(1_000);
  });

  it('a success after earlier failures leaves them counted until the window forgets them', () => {
    const { clock, throttle, fail } = setup({ windowMs: 300_000 });
    fail('admin', 4);
    throttle.check('admin');
    throttle.recordSuccess('admin');
    fail('admin', 1);
    expect(throttle.retryAfterMs('admin')).toBe(1_000);
    clock.now += 300_001;
    expect(throttle.retryAfterMs('admin')).toBe(0);
    expect(throttle.size).toBe(0);
  });

  it('forgets a username whose only attempt succeeded', () => {
    const { throttle } = setup();
    throttle.check('alice');
    throttle.recordSuccess('alice');
    expect(throttle.size).toBe(0);
    // A success nobody admitted takes nothing back.
    throttle.recordFailure('alice');
    throttle.recordSuccess('alice');
    expect(throttle.size).toBe(1);
  });

  it('forgets failures older than the window', () => {
    const { clock, throttle, fail } = setup({ windowMs: 300_000 });
    fail('admin', 4);
    clock.now += 300_001;
    fail('admin', 1);
    expect(throttle.retryAfterMs('admin')).toBe(0);
  });

  it('never forgets with a zero window', () => {
    const { clock, throttle, fail } = setup({ windowMs: 0 });
    fail('admin', 5);
    clock.now += 10 * 86_400_000;
    fail('admin', 1);
    expect(throttle.retryAfterMs('admin')).toBe(2_000);
  });

  it('stays bounded under a flood of random usernames', () => {
    const { throttle, fail } = setup({ maxTracked: 100 });
    for (let i = 0; i < 10_000; i++) fail(`random-${i}`, 1);
    expect(throttle.size).toBe(100);
  });

  it('evicts flood entries before the counter of an account under attack', () => {
    const { throttle, fail } = setup({ maxTracked: 100 });
    fail('admin', 6);
    for (let i = 0; i < 10_000; i++) fail(`random-${i}`, 1);
    expect(throttle.size).toBe(100);
    expect(throttle.retryAfterMs('admin')).toBeGreaterThan(0);
  });

  it('throttles over-long usernames without keeping them', () => {
    const { throttle, fail } = setup();
    const huge = 'x'.repeat(1_000_000);
    fail(huge, 5);
    expect(throttle.retryAfterMs(huge)).toBe(1_000);
    expect(throttle.retryAfterMs(`${huge}y`)).toBe(0);
  });

  it('evicts the oldest when everything tracked is locked', () => {
    const { throttle, fail } = setup({ maxTracked: 3 });
    for (const name of ['a', 'b', 'c', 'd']) fail(name, 5);
    expect(throttle.size).toBe(3);
    expect(throttle.retryAfterMs('a')).toBe(0);
    expect(throttle.retryAfterMs('d')).toBe(1_000);
  });
});

describe('constantTimeEqual', () => {
  it.each([
    ['secret', 'secret', true],
    ['secret', 'secreT', false],
    ['secret', 'secret-longer', false],
    ['', '', true],
    ['', 'x', false],
  ])('%j vs %j', (a, b, equal) => {
    expect(constantTimeEqual(a, b)).toBe(equal);
  });

  it('compares bytes', () => {
    expect(constantTimeEqual(Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
  });
});
