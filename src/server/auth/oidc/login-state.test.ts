// The sealed login-state cookie of an SSO login in progress.
import { describe, expect, it } from 'vitest';
import { openLoginState, sealLoginState, stateCookie } from './login-state.js';

describe('the sealed login state', () => {
  const state = { state: 's', nonce: 'n', verifier: 'v'.repeat(43), returnTo: '/', issuer: 'https://idp', clientID: 'kawa' };

  it('opens with the same key within 5 minutes, and not after', async () => {
    const sealed = await sealLoginState(state, 'key-1', 1000);
    expect(await openLoginState(sealed, 'key-1', 1299)).toEqual(state);
    await expect(openLoginState(sealed, 'key-1', 1301)).rejects.toThrow(/expired/);
  });

  it('refuses another key and a tampered cookie', async () => {
    const sealed = await sealLoginState(state, 'key-1', 1000);
    await expect(openLoginState(sealed, 'key-2', 1000)).rejects.toThrow(/not valid/);
    const parts = sealed.split('.');
    parts[3] = (parts[3] ?? '').replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    await expect(openLoginState(parts.join('.'), 'key-1', 1000)).rejects.toThrow(/not valid/);
  });

  it('is an HttpOnly, Lax cookie scoped to the callback', () => {
    expect(stateCookie('v', true)).toBe('argocd.oauthstate=v; Path=/auth/callback; HttpOnly; SameSite=Lax; Max-Age=300; Secure');
    expect(stateCookie('', false)).toBe('argocd.oauthstate=; Path=/auth/callback; HttpOnly; SameSite=Lax; Max-Age=0');
  });
});
