// Issue 13 item 4: login throttling holds under concurrency. The real server (assembled against the test
// control plane, listening on loopback) gets bursts of concurrent guesses over HTTP. Every answer that is
// not a 429 is an attempt that reached the bcrypt check, whatever the timing: at most the allowed number
// (5) may. A right password inside a burst must not give the wrong ones a fresh allowance.
import { beforeAll, describe, expect, it } from 'vitest';
import { changePassword } from '../../src/server/auth/index.js';
import { PASSWORD, useApiServer } from '../harness/server-api.js';

/** Argo CD's ARGOCD_SESSION_FAILURE_MAX_FAIL_COUNT, kawa's default. */
const ALLOWED = 5;

const api = useApiServer('sec-throttle', {
  configMap: () => ({ 'accounts.carol': 'login', 'accounts.dan': 'login', 'accounts.erin': 'login' }),
});

let base = '';

beforeAll(async () => {
  for (const name of ['carol', 'dan', 'erin']) await changePassword(api.accounts, name, PASSWORD);
  base = await api.app.listen({ host: '127.0.0.1', port: 0 });
});

async function login(username: string, password: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  await res.arrayBuffer();
  return res.status;
}

const reachedCheck = (statuses: readonly number[]): number => statuses.filter((s) => s !== 429).length;

describe('POST /api/v1/session under a burst', () => {
  it('lets at most the allowed number of 20 concurrent wrong passwords reach the password check', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => login('carol', 'guess')));
    expect(statuses.every((s) => s === 401 || s === 429), statuses.join(',')).toBe(true);
    expect(reachedCheck(statuses)).toBeLessThanOrEqual(ALLOWED);
    expect(reachedCheck(statuses)).toBeGreaterThan(0);
    // Still locked afterwards: the burst's guesses were counted.
    expect(await login('carol', PASSWORD)).toBe(429);
  });

  it('a right password inside the burst does not reset the counter for the wrong ones', async () => {
    const burst = [login('dan', PASSWORD), ...Array.from({ length: 19 }, () => login('dan', `guess-${String(Math.random())}`))];
    const statuses = await Promise.all(burst);
    const wrongChecked = reachedCheck(statuses.slice(1));
    expect(reachedCheck(statuses)).toBeLessThanOrEqual(ALLOWED);
    // Follow-up guesses, one after the other, once the burst is over: together with the burst's wrong
    // guesses no more than the allowed number may reach the check.
    const after: number[] = [];
    for (let i = 0; i < 6; i++) after.push(await login('dan', `later-${String(i)}`));
    expect(wrongChecked + reachedCheck(after), `burst ${statuses.join(',')}; after ${after.join(',')}`).toBeLessThanOrEqual(ALLOWED);
    expect(after.at(-1)).toBe(429);
  });
});

describe('PUT /api/v1/account/password under a burst', () => {
  it('lets at most the allowed number of 20 concurrent wrong current passwords reach the check', async () => {
    const token = await api.loginAs('erin');
    const change = async (currentPassword: string): Promise<number> => {
      const res = await fetch(`${base}/api/v1/account/password`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ currentPassword, newPassword: 'an entirely new passphrase' }),
      });
      await res.arrayBuffer();
      return res.status;
    };
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => change(`guess-${String(i)}`)));
    expect(statuses.every((s) => s === 400 || s === 429), statuses.join(',')).toBe(true);
    expect(reachedCheck(statuses)).toBeLessThanOrEqual(ALLOWED);
    // The right current password is refused too while the burst's failures hold the account.
    expect(await change(PASSWORD)).toBe(429);
    // Nothing changed: a password change would have voided this session.
    expect(await api.app.inject({ method: 'GET', url: '/api/v1/session/userinfo', headers: api.auth(token) }).then((r) => r.statusCode)).toBe(200);
  });
});
