import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { parseAuthSettings, type AuthSettings, type AuthSettingsSource } from './accounts.js';
import { LoginService } from './login.js';
import { hashPassword } from './passwords.js';
import { SessionManager } from './sessions.js';
import { LoginThrottle } from './throttle.js';

const PASSWORD = 'correct horse battery';
let hash: string;

class Settings implements AuthSettingsSource {
  cm: Record<string, string> = { 'accounts.alice': 'apiKey, login', 'accounts.bot': 'apiKey', 'accounts.off': 'login', 'accounts.off.enabled': 'false', 'accounts.nopass': 'login' };
  secret: Record<string, string> = {};
  load(): Promise<AuthSettings> {
    return Promise.resolve(parseAuthSettings(this.cm, this.secret));
  }
}

beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
});

async function setup() {
  const settings = new Settings();
  settings.secret = {
    'server.secretkey': 'k'.repeat(44),
    'admin.password': hash,
    'accounts.alice.password': hash,
    'accounts.bot.password': hash,
    'accounts.off.password': hash,
  };
  const clock = { now: Date.parse('2024-05-01T10:00:00Z') };
  const sessions = new SessionManager({ settings, now: () => clock.now });
  const throttle = new LoginThrottle({ now: () => clock.now });
  const login = await LoginService.create({ settings, sessions, throttle });
  return { settings, sessions, throttle, login, clock };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('login succeeded');
}

describe('LoginService', () => {
  it('issues a session for the right password', async () => {
    const { login, sessions } = await setup();
    const { token } = await login.login('alice', PASSWORD);
    expect(decodeJwt(token).sub).toBe('alice:login');
    expect(await sessions.verifyToken(token)).toMatchObject({ kind: 'session', user: 'alice' });
  });

  it.each([
    ['a wrong password', 'alice', 'wrong'],
    ['an unknown user', 'mallory', PASSWORD],
    ['an account without login', 'bot', PASSWORD],
    ['a disabled account', 'off', PASSWORD],
    ['an account with no password', 'nopass', PASSWORD],
    ['an empty password', 'alice', ''],
    ['a huge password', 'alice', 'x'.repeat(5000)],
  ])('gives the same answer for %s', async (_name, username, password) => {
    const { login } = await setup();
    expect(await failure(login.login(username, password))).toMatchObject({ code: errorCodes.AUTH_LOGIN_FAILED, message: 'Invalid username or password' });
  });

  it('spends bcrypt time on unknown users too', async () => {
    const { login } = await setup();
    const time = async (username: string) => {
      const start = performance.now();
      await login.login(username, 'wrong').catch(() => undefined);
      return performance.now() - start;
    };
    // Warm up, then take the best of a few runs of each to damp scheduler noise.
    await time('alice');
    const known = Math.min(await time('alice'), await time('alice'), await time('alice'));
    const unknown = Math.min(await time('ghost-1'), await time('ghost-2'), await time('ghost-3'));
    expect(unknown).toBeGreaterThan(known * 0.5);
  });

  it('throttles after 5 failures; a later success does not wipe them', async () => {
    const { login, clock } = await setup();
    for (let i = 0; i < 5; i++) await failure(login.login('alice', 'wrong'));
    expect(await failure(login.login('alice', PASSWORD))).toMatchObject({ code: errorCodes.AUTH_THROTTLED, retryAfterMs: 1_000 });
    clock.now += 1_000;
    await expect(login.login('alice', PASSWORD)).resolves.toHaveProperty('token');
    // The five failures still count: the next guess waits, and the one after it waits longer.
    expect(await failure(login.login('alice', 'wrong'))).toMatchObject({ code: errorCodes.AUTH_THROTTLED });
    clock.now += 1_000;
    expect(await failure(login.login('alice', 'wrong'))).toMatchObject({ code: errorCodes.AUTH_LOGIN_FAILED });
    expect(login.throttle.retryAfterMs('alice')).toBe(2_000);
  });

  it('lets a burst of concurrent wrong passwords reach the password check only 5 times', async () => {
    const { login } = await setup();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => login.login('alice', 'wrong')));
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'));
    expect(codes.filter((c) => c === errorCodes.AUTH_LOGIN_FAILED)).toHaveLength(5);
    expect(codes.filter((c) => c === errorCodes.AUTH_THROTTLED)).toHaveLength(15);
  });

  it('a right password inside a burst leaves the wrong ones counted', async () => {
    const { login } = await setup();
    const burst = [login.login('alice', PASSWORD), ...Array.from({ length: 19 }, () => login.login('alice', 'wrong'))];
    const results = await Promise.allSettled(burst);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results.filter((r) => r.status === 'rejected' && (r.reason as { code: string }).code === errorCodes.AUTH_LOGIN_FAILED)).toHaveLength(4);
    // Four wrong guesses are on record: one more, then the delay.
    await failure(login.login('alice', 'wrong'));
    expect(await failure(login.login('alice', 'wrong'))).toMatchObject({ code: errorCodes.AUTH_THROTTLED });
  });

  it('throttles unknown usernames like real ones', async () => {
    const { login } = await setup();
    for (let i = 0; i < 5; i++) await failure(login.login('ghost', 'x'));
    expect(await failure(login.login('ghost', 'x'))).toMatchObject({ code: errorCodes.AUTH_THROTTLED });
  });

  it('caps concurrent logins', async () => {
    const { settings, sessions } = await setup();
    const login = await LoginService.create({ settings, sessions, maxConcurrent: 2 });
    const results = await Promise.allSettled([login.login('alice', PASSWORD), login.login('alice', PASSWORD), login.login('alice', PASSWORD)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(results[2]).toMatchObject({ reason: { code: errorCodes.AUTH_THROTTLED } });
  });
});
