// The revocation list with a fake clock and an in-memory stand-in for the cluster store (the real
// Secret-backed store is exercised against the API server in test/e2e/security-auth-revocation.test.ts).
import { describe, expect, it } from 'vitest';
import { SessionRevocations, revocationSecretName, type RevocationStore } from './revocations.js';

class MapStore implements RevocationStore {
  readonly records = new Map<string, number>();
  put(id: string, until: number): Promise<void> {
    if (!this.records.has(id)) this.records.set(id, until);
    return Promise.resolve();
  }
  get(id: string): Promise<number | undefined> {
    return Promise.resolve(this.records.get(id));
  }
  prune(now: number): Promise<number> {
    let n = 0;
    for (const [id, until] of this.records) if (until <= now && this.records.delete(id)) n++;
    return Promise.resolve(n);
  }
}

const T0 = Date.parse('2024-05-01T10:00:00Z');

function setup(store?: RevocationStore) {
  const clock = { now: T0 };
  const revocations = new SessionRevocations({ now: () => clock.now, ...(store === undefined ? {} : { store }) });
  return { clock, revocations };
}

describe('SessionRevocations', () => {
  it('refuses an id until its expiry, then forgets it', async () => {
    const { clock, revocations } = setup();
    await revocations.revoke('a', new Date(T0 + 60_000));
    expect(await revocations.isRevoked('a')).toBe(true);
    expect(await revocations.isRevoked('b')).toBe(false);
    clock.now += 60_000;
    expect(await revocations.isRevoked('a')).toBe(false);
    expect(revocations.size).toBe(0);
  });

  it('keeps an early revocation through a flood of later ones (nothing unexpired is evicted)', async () => {
    const { revocations } = setup();
    await revocations.revoke('first', new Date(T0 + 3_600_000));
    for (let i = 0; i < 200_000; i++) await revocations.revoke(`flood-${String(i)}`, new Date(T0 + 7_200_000));
    expect(await revocations.isRevoked('first')).toBe(true);
    expect(revocations.size).toBe(200_001);
  });

  it('drops expired entries when a later logout prunes', async () => {
    const { clock, revocations } = setup();
    await revocations.revoke('short', new Date(T0 + 1_000));
    clock.now += 600_000;
    await revocations.revoke('later', new Date(clock.now + 1_000));
    expect(revocations.size).toBe(1);
  });

  it('sees what another replica revoked through the shared store', async () => {
    const store = new MapStore();
    const a = setup(store).revocations;
    const b = setup(store).revocations;
    expect(await b.isRevoked('s-1')).toBe(false);
    await a.revoke('s-1', new Date(T0 + 60_000));
    expect(await b.isRevoked('s-1')).toBe(true);
    // Remembered locally now: the store is not asked again.
    store.records.clear();
    expect(await b.isRevoked('s-1')).toBe(true);
  });

  it('ignores a shared record that has expired, and a logout of an expired token stores nothing', async () => {
    const store = new MapStore();
    const { revocations } = setup(store);
    store.records.set('old', T0 - 1);
    expect(await revocations.isRevoked('old')).toBe(false);
    await revocations.revoke('gone', new Date(T0 - 1));
    expect(store.records.has('gone')).toBe(false);
  });

  it('fails the logout when the store cannot record it', async () => {
    const failing: RevocationStore = { put: () => Promise.reject(new Error('down')), get: () => Promise.resolve(undefined), prune: () => Promise.resolve(0) };
    const { revocations } = setup(failing);
    await expect(revocations.revoke('x', new Date(T0 + 1_000))).rejects.toThrow('down');
  });
});

describe('revocationSecretName', () => {
  it.each([['0b6c2f3e-5f6a-4d0e-9c39-1d2f4b5a6c7d'], ['an id_token jti with / and spaces'], ['x'.repeat(5000)]])('is a valid Secret name for %s', (id) => {
    const name = revocationSecretName(id);
    expect(name).toMatch(/^kawa-revoked-[0-9a-f]{40}$/);
    expect(revocationSecretName(id)).toBe(name);
  });
});
