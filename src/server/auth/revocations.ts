// Logged-out sessions. A session JWT stays valid until its `exp`, so logging out records its id (`jti`)
// until then; Argo CD keeps the same list in Redis, kawa keeps it in the cluster, where every API server
// replica reads it: a token logged out at one replica is refused by all of them.
//
// The cluster store holds one small Secret per revoked id, named after the id's SHA-256 and carrying the
// expiry. A check reads the Secret of that one name (a 404 is the usual answer), so a replica never
// accepts a token another replica has logged out, without waiting for a watch to catch up; ids found
// revoked are remembered locally until they expire. One object per id keeps every write independent (no
// read-modify-write of a shared list racing between replicas) and no object near the 1 MiB limit.
//
// Nothing unexpired is ever evicted: an entry goes only when the token it names would have expired anyway
// (a flood of logouts grows the list, bounded by the session lifetime, instead of pushing an earlier
// revocation out). Expired Secrets are deleted by whichever replica prunes next.
import { createHash } from 'node:crypto';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { UserError, errorCodes } from '../../errors.js';
import { describeKubeError, kubeErrorStatus } from '../../kube/errors.js';

/** A session without `exp` (none kawa issues) is remembered this long. */
const NO_EXPIRY_TTL_MS = 86_400_000;
const DEFAULT_PRUNE_INTERVAL_MS = 600_000;

/** Where revocations are shared between replicas. */
export interface RevocationStore {
  /** Record that `id` is refused until `until` (ms since the epoch). Idempotent. */
  put(id: string, until: number): Promise<void>;
  /** When the revocation of `id` ends (ms), or undefined when `id` was never revoked. */
  get(id: string): Promise<number | undefined>;
  /** Delete the records that ended at or before `now`; returns how many. */
  prune(now: number): Promise<number>;
}

export interface RevocationOptions {
  readonly now?: () => number;
  /** The shared store; without one, revocations live in this process only (tests, one-replica setups). */
  readonly store?: RevocationStore;
  /** How often a logout also deletes expired records from the store (default 10 min). */
  readonly pruneIntervalMs?: number;
}

export class SessionRevocations {
  // Known revocations and when each ends; only expiry removes an entry.
  private readonly until = new Map<string, number>();
  private readonly now: () => number;
  private readonly store: RevocationStore | undefined;
  private readonly pruneIntervalMs: number;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(options: RevocationOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    this.pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  }

  /**
   * Refuse session `id` until `expiresAt`. Resolves once the revocation is stored where every replica
   * sees it; throws AUTH_STORE_FAILED when it could not be (the logout must not look done then).
   */
  async revoke(id: string, expiresAt: Date | undefined): Promise<void> {
    const now = this.now();
    const until = expiresAt?.getTime() ?? now + NO_EXPIRY_TTL_MS;
    if (until <= now) return;
    if (now - this.lastPrune >= this.pruneIntervalMs) {
      this.lastPrune = now;
      this.pruneLocal(now);
      // Housekeeping only: a failed prune leaves expired records, which a later prune deletes.
      if (this.store !== undefined) void this.store.prune(now).catch(() => undefined);
    }
    this.until.set(id, Math.max(until, this.until.get(id) ?? 0));
    await this.store?.put(id, until);
  }

  /** Whether `id` was logged out (at any replica) and has not expired since. */
  async isRevoked(id: string): Promise<boolean> {
    const now = this.now();
    const known = this.until.get(id);
    if (known !== undefined) {
      if (known > now) return true;
      this.until.delete(id);
    }
    if (this.store === undefined) return false;
    const until = await this.store.get(id);
    if (until === undefined || until <= now) return false;
    this.until.set(id, until);
    return true;
  }

  /** Revocations known to this replica. */
  get size(): number {
    return this.until.size;
  }

  private pruneLocal(now: number): void {
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}

/** The part of CoreV1Api the cluster store uses. */
export type RevocationSecretsApi = Pick<CoreV1Api, 'createNamespacedSecret' | 'readNamespacedSecret' | 'listNamespacedSecret' | 'deleteNamespacedSecret'>;

/** Label on every revocation Secret; prune lists by it. */
export const REVOCATION_LABEL = 'kawa.dev/session-revocation';
const UNTIL_KEY = 'until';
const ID_KEY = 'jti';

/** The Secret name for a revoked id: ids are arbitrary strings (an id_token's `jti`), names are not. */
export function revocationSecretName(id: string): string {
  return `kawa-revoked-${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

function storeFailed(what: string, err: unknown): UserError {
  return new UserError(errorCodes.AUTH_STORE_FAILED, `${what}: ${describeKubeError(err)}`, { cause: err });
}

function untilOf(secret: V1Secret, id: string | undefined): number | undefined {
  const data = secret.data ?? {};
  const decode = (key: string): string | undefined => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  if (id !== undefined && decode(ID_KEY) !== id) return undefined;
  const until = Number(decode(UNTIL_KEY));
  return Number.isFinite(until) ? until : undefined;
}

/** Revocations as Secrets in the Argo CD namespace, shared by every replica there. */
export class KubeRevocationStore implements RevocationStore {
  constructor(
    private readonly core: RevocationSecretsApi,
    private readonly namespace: string,
  ) {}

  async put(id: string, until: number): Promise<void> {
    const name = revocationSecretName(id);
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/part-of': 'argocd', [REVOCATION_LABEL]: 'true' },
        annotations: { 'kawa.dev/revoked-until': new Date(until).toISOString() },
      },
      data: { [ID_KEY]: Buffer.from(id).toString('base64'), [UNTIL_KEY]: Buffer.from(String(until)).toString('base64') },
    };
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (err) {
      // Already revoked (a second logout, or another replica): the record stands until the token expires.
      if (kubeErrorStatus(err) === 409) return;
      throw storeFailed(`recording the logout in Secret ${this.namespace}/${name}`, err);
    }
  }

  async get(id: string): Promise<number | undefined> {
    const name = revocationSecretName(id);
    try {
      return untilOf(await this.core.readNamespacedSecret({ name, namespace: this.namespace }), id);
    } catch (err) {
      if (kubeErrorStatus(err) === 404) return undefined;
      // Fail closed: a session whose logout cannot be checked is not accepted.
      throw storeFailed(`checking whether the session was logged out (Secret ${this.namespace}/${name})`, err);
    }
  }

  async prune(now: number): Promise<number> {
    let deleted = 0;
    let continueToken: string | undefined;
    do {
      const list = await this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector: `${REVOCATION_LABEL}=true`, limit: 500, ...(continueToken === undefined ? {} : { _continue: continueToken }) });
      for (const secret of list.items) {
        const until = untilOf(secret, undefined);
        const name = secret.metadata?.name;
        if (name === undefined || until === undefined || until > now) continue;
        try {
          await this.core.deleteNamespacedSecret({ name, namespace: this.namespace });
          deleted++;
        } catch (err) {
          if (kubeErrorStatus(err) !== 404) throw storeFailed(`deleting expired revocation ${this.namespace}/${name}`, err);
        }
      }
      continueToken = list.metadata?._continue;
    } while (continueToken !== undefined && continueToken !== '');
    return deleted;
  }
}
