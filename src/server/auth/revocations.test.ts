// The revocation list with a fake clock and an in-memory stand-in for the cluster: Secrets shaped like the
// real ones, a list+watch that replays changes after a resourceVersion, and a counter of every request.
// The real Secret-backed store is exercised against the API server in test/e2e/security-auth-revocation.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import type { ListPage, ListWatch, Sleep, WatchHandle } from '../../kube/informer.js';
import type { KubeObject } from '../../kube/objects.js';
import { KubeApiError } from '../../kube/rest.js';
import { SessionRevocations, recordOf, revocationSecretName, type RevocationOptions, type RevocationStore } from './revocations.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secretFor(id: string, until: number, name = revocationSecretName(id)): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, managedFields: [{ manager: 'kawa' }] }, data: { jti: b64(id), until: b64(String(until)), extra: b64('x') } };
}

interface Change {
  rv: number;
  type: 'ADDED' | 'DELETED';
  obj: KubeObject;
}

/** The shared "cluster": labelled Secrets by name, a change log for watches, and counters of requests. */
class FakeCluster {
  readonly secrets = new Map<string, KubeObject>();
  readonly requests = { list: 0, watch: 0, put: 0, prune: 0 };
  private readonly log: Change[] = [];
  private readonly watchers = new Set<(change: Change) => void>();
  private rv = 1;
  /** While set, lists wait for it (a slow first list); a function result is thrown instead. */
  listGate: Promise<void> | undefined;
  listError: (() => Error) | undefined;

  get total(): number {
    return this.requests.list + this.requests.watch + this.requests.put + this.requests.prune;
  }

  write(obj: KubeObject): void {
    const name = obj.metadata?.name ?? '';
    if (this.secrets.has(name)) return;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.secrets.set(name, stored);
    this.publish({ rv: this.rv, type: 'ADDED', obj: stored });
  }

  remove(name: string): void {
    const old = this.secrets.get(name);
    if (old === undefined) return;
    this.secrets.delete(name);
    this.publish({ rv: ++this.rv, type: 'DELETED', obj: { ...old, metadata: { ...old.metadata, resourceVersion: String(this.rv) } } });
  }

  private publish(change: Change): void {
    this.log.push(change);
    for (const deliver of this.watchers) deliver(change);
  }

  /** One replica's view: its store writes to, and its informer follows, this cluster. */
  store(): RevocationStore {
    const listWatch: ListWatch = {
      list: async (): Promise<ListPage> => {
        this.requests.list++;
        if (this.listGate !== undefined) await this.listGate;
        if (this.listError !== undefined) throw this.listError();
        return { items: [...this.secrets.values()], resourceVersion: String(this.rv) };
      },
      watch: ({ resourceVersion }, onEvent): WatchHandle => {
        this.requests.watch++;
        const from = Number(resourceVersion);
        const deliver = (change: Change): void => {
          onEvent(change.type, change.obj);
        };
        for (const change of this.log) if (change.rv > from) deliver(change);
        this.watchers.add(deliver);
        let end: () => void = () => undefined;
        const done = new Promise<void>((resolve) => (end = resolve));
        return {
          done,
          abort: () => {
            this.watchers.delete(deliver);
            end();
          },
        };
      },
    };
    return {
      listWatch,
      put: (id, until) => {
        this.requests.put++;
        this.write(secretFor(id, until));
        return Promise.resolve();
      },
      prune: (now) => {
        this.requests.prune++;
        let n = 0;
        for (const [name, obj] of [...this.secrets]) {
          const until = recordOf(obj)?.until;
          if (until !== undefined && until <= now) {
            this.remove(name);
            n++;
          }
        }
        return Promise.resolve(n);
      },
    };
  }
}

/** Backoff sleeps end only when the informer stops: a failing list retries no faster than the test asks. */
const sleepUntilStopped: Sleep = (_ms, signal) =>
  new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => {
      resolve();
    }, { once: true });
  });

const replicas: SessionRevocations[] = [];

function setup(store?: RevocationStore, options: Partial<RevocationOptions> = {}) {
  const clock = { now: T0 };
  const revocations = new SessionRevocations({ now: () => clock.now, informer: { sleep: sleepUntilStopped }, ...(store === undefined ? {} : { store }), ...options });
  replicas.push(revocations);
  return { clock, revocations };
}

/** Lets pending promise callbacks (a watch event's delivery, a list's answer) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(async () => {
  for (const r of replicas.splice(0)) await r.stop();
});

describe('SessionRevocations in one process', () => {
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

  it('drops expired entries from memory once they expire, even if they are never asked about again', async () => {
    const { clock, revocations } = setup();
    await revocations.revoke('short', new Date(T0 + 1_000));
    await revocations.revoke('long', new Date(T0 + 3_600_000));
    clock.now += 60_000;
    expect(await revocations.isRevoked('unrelated')).toBe(false);
    expect(revocations.size).toBe(1);
  });
});

describe('SessionRevocations over a shared store', () => {
  it('answers isRevoked from memory: no request of any kind, whatever is asked', async () => {
    const cluster = new FakeCluster();
    cluster.write(secretFor('old', T0 + 60_000));
    const { revocations } = setup(cluster.store());
    expect(await revocations.ready(1_000)).toBe(true);
    await settle();
    const before = { ...cluster.requests };
    expect(before).toEqual({ list: 1, watch: 1, put: 0, prune: 0 });
    for (let i = 0; i < 1_000; i++) expect(await revocations.isRevoked(`unknown-${String(i)}`)).toBe(false);
    expect(await revocations.isRevoked('old')).toBe(true);
    expect(cluster.requests).toEqual(before);
  });

  it('sees what another replica revoked through the watch, and its own logout at once', async () => {
    const cluster = new FakeCluster();
    const a = setup(cluster.store()).revocations;
    const b = setup(cluster.store()).revocations;
    await Promise.all([a.ready(1_000), b.ready(1_000)]);
    await settle();
    expect(await b.isRevoked('s-1')).toBe(false);
    await a.revoke('s-1', new Date(T0 + 60_000));
    expect(await a.isRevoked('s-1')).toBe(true);
    await settle();
    expect(await b.isRevoked('s-1')).toBe(true);
  });

  it('a replica started afterwards refuses earlier revocations (they come with the first list)', async () => {
    const cluster = new FakeCluster();
    const a = setup(cluster.store()).revocations;
    await a.revoke('before', new Date(T0 + 60_000));
    const late = setup(cluster.store()).revocations;
    expect(await late.isRevoked('before')).toBe(true);
  });

  it('waits for the first list before answering, rather than answer "not revoked" unknowingly', async () => {
    const cluster = new FakeCluster();
    cluster.write(secretFor('before', T0 + 60_000));
    let release: () => void = () => undefined;
    cluster.listGate = new Promise((resolve) => (release = resolve));
    const { revocations } = setup(cluster.store(), { syncWaitMs: 60_000 });
    const answer = revocations.isRevoked('before');
    await settle();
    expect(revocations.isSynced).toBe(false);
    release();
    expect(await answer).toBe(true);
  });

  it('fails closed when the first list does not come in time', async () => {
    const cluster = new FakeCluster();
    cluster.listError = () => new KubeApiError('etcdserver: request timed out', 500);
    const { revocations } = setup(cluster.store(), { syncWaitMs: 0 });
    const refused = await revocations.isRevoked('anything').then(() => undefined, (err: unknown) => err);
    expect(refused).toMatchObject({ code: errorCodes.AUTH_STORE_FAILED });
    expect(String(refused)).toMatch(/not loaded yet.*request timed out/);
    // Its own logouts are still refused meanwhile.
    await revocations.revoke('mine', new Date(T0 + 60_000));
    expect(await revocations.isRevoked('mine')).toBe(true);
  });

  it('fails closed at once when listing is forbidden (waiting would not help)', async () => {
    const cluster = new FakeCluster();
    cluster.listError = () => new KubeApiError('secrets is forbidden', 403);
    const { revocations } = setup(cluster.store(), { syncWaitMs: 60_000 });
    await expect(revocations.isRevoked('anything')).rejects.toMatchObject({ code: errorCodes.AUTH_STORE_FAILED });
  });

  it('keeps a revocation whose Secret was deleted before it expired, and forgets it once expired', async () => {
    const cluster = new FakeCluster();
    const { clock, revocations } = setup(cluster.store());
    await revocations.ready(1_000);
    cluster.write(secretFor('s', T0 + 120_000));
    await settle();
    cluster.remove(revocationSecretName('s'));
    await settle();
    expect(await revocations.isRevoked('s')).toBe(true);
    clock.now += 120_000;
    expect(await revocations.isRevoked('s')).toBe(false);
    expect(revocations.size).toBe(0);
  });

  it('ignores expired records and labelled Secrets that are not revocation records', async () => {
    const cluster = new FakeCluster();
    cluster.write(secretFor('expired', T0 - 1));
    cluster.write(secretFor('renamed', T0 + 60_000, 'kawa-revoked-not-the-hash'));
    cluster.write({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'no-data' } });
    const { revocations } = setup(cluster.store());
    await revocations.ready(1_000);
    expect([await revocations.isRevoked('expired'), await revocations.isRevoked('renamed')]).toEqual([false, false]);
    expect(revocations.size).toBe(0);
  });

  it('a logout of an expired token stores nothing; a logout prunes expired records now and then', async () => {
    const cluster = new FakeCluster();
    const { clock, revocations } = setup(cluster.store());
    await revocations.revoke('gone', new Date(T0 - 1));
    expect(cluster.requests.put).toBe(0);
    await revocations.revoke('short', new Date(T0 + 1_000));
    clock.now += 600_000;
    await revocations.revoke('later', new Date(clock.now + 1_000));
    await settle();
    expect([...cluster.secrets.keys()]).toEqual([revocationSecretName('later')]);
  });

  it('fails the logout when the store cannot record it', async () => {
    const cluster = new FakeCluster();
    const failing: RevocationStore = { ...cluster.store(), put: () => Promise.reject(new Error('down')) };
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
