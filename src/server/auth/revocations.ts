// Logged-out sessions. A session JWT stays valid until its `exp`, so logging out records its id (`jti`)
// until then; Argo CD keeps the same list in Redis, kawa keeps it in the cluster, where every API server
// replica reads it: a token logged out at one replica is refused by all of them.
//
// The cluster store holds one small Secret per revoked id, named after the id's SHA-256 and carrying the
// expiry. Each replica lists and watches those Secrets (by their label) with the shared informer into an
// in-memory map of id → expiry, so checking a token costs no API call: the request path reads memory only.
// A logout at another replica reaches this one within the watch delay (normally well under a second); a
// logout here is in memory at once. One object per id keeps every write independent (no read-modify-write
// of a shared list racing between replicas) and no object near the 1 MiB limit.
//
// Nothing unexpired is ever evicted: an entry goes only when the token it names would have expired anyway
// (a flood of logouts grows the list, bounded by the session lifetime, instead of pushing an earlier
// revocation out). A deleted Secret does not take its entry out of memory either: only expiry does, so a
// replica never un-revokes a token. Expired Secrets are deleted by whichever replica prunes next.
import { createHash } from 'node:crypto';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { UserError, errorCodes } from '../../errors.js';
import { describeKubeError, kubeErrorStatus } from '../../kube/errors.js';
import { Informer, type InformerEvent, type InformerLogger, type InformerOptions, type ListWatch } from '../../kube/informer.js';
import { kubeListWatch } from '../../kube/listwatch.js';
import { isRecord, type KubeObject } from '../../kube/objects.js';
import { KubeRest } from '../../kube/rest.js';
import { PART_OF_ARGOCD } from '../../model/settings.js';
import { SECRETS } from '../../settings/index.js';
import { secretBody } from '../services/secret-store.js';

/** A session without `exp` (none kawa issues) is remembered this long. */
const NO_EXPIRY_TTL_MS = 86_400_000;
const DEFAULT_PRUNE_INTERVAL_MS = 600_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const DEFAULT_SYNC_WAIT_MS = 5_000;

/** Where revocations are shared between replicas. */
export interface RevocationStore {
  /** Record that `id` is refused until `until` (ms since the epoch). Idempotent. */
  put(id: string, until: number): Promise<void>;
  /** Delete the records that ended at or before `now`; returns how many. */
  prune(now: number): Promise<number>;
  /** List+watch of the records (objects shaped like the revocation Secrets): how a replica learns of every logout. */
  readonly listWatch: ListWatch;
}

export interface RevocationOptions {
  readonly now?: () => number;
  /** The shared store; without one, revocations live in this process only (tests, one-replica setups). */
  readonly store?: RevocationStore;
  /** How often a logout also deletes expired records from the store (default 10 min). */
  readonly pruneIntervalMs?: number;
  /** How often expired entries are dropped from memory (default 1 min; an expired entry never counts meanwhile). */
  readonly sweepIntervalMs?: number;
  /** How long a check made before the first list waits for it before refusing the token (default 5 s). */
  readonly syncWaitMs?: number;
  /** The informer's sleep, random source and backoff (tests). */
  readonly informer?: Pick<InformerOptions, 'sleep' | 'random' | 'backoff'>;
  readonly log?: InformerLogger;
}

export class SessionRevocations {
  // Known revocations and when each ends; only expiry removes an entry.
  private readonly until = new Map<string, number>();
  private readonly now: () => number;
  private readonly store: RevocationStore | undefined;
  private readonly informer: Informer | undefined;
  private readonly pruneIntervalMs: number;
  private readonly sweepIntervalMs: number;
  private readonly syncWaitMs: number;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private started = false;

  constructor(options: RevocationOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    this.pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.syncWaitMs = options.syncWaitMs ?? DEFAULT_SYNC_WAIT_MS;
    if (this.store !== undefined) {
      this.informer = new Informer({
        name: 'v1/Secret (session revocations)',
        listWatch: this.store.listWatch,
        keyOf: (obj) => obj.metadata?.name,
        transform: compactRecord,
        onEvent: (event) => {
          this.learn(event);
        },
        ...options.informer,
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    }
  }

  /** Starts following the shared store (once). Checks and logouts start it too. */
  start(): void {
    if (this.started || this.informer === undefined) return;
    this.started = true;
    this.informer.start();
  }

  /** Starts, then waits up to `timeoutMs` for the first list; false if it did not come (checks refuse tokens until it does). */
  async ready(timeoutMs: number): Promise<boolean> {
    this.start();
    if (this.informer === undefined) return true;
    await this.waitForList(timeoutMs);
    return this.informer.isSynced;
  }

  /** Stops the watch; what is in memory stays. */
  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  /** Whether the shared store has been listed (always true without one). */
  get isSynced(): boolean {
    return this.informer?.isSynced ?? true;
  }

  /**
   * Refuse session `id` until `expiresAt`. Resolves once the revocation is stored where every replica
   * sees it; throws AUTH_STORE_FAILED when it could not be (the logout must not look done then).
   */
  async revoke(id: string, expiresAt: Date | undefined): Promise<void> {
    this.start();
    const now = this.now();
    const until = expiresAt?.getTime() ?? now + NO_EXPIRY_TTL_MS;
    if (until <= now) return;
    if (now - this.lastPrune >= this.pruneIntervalMs) {
      this.lastPrune = now;
      // Housekeeping only: a failed prune leaves expired records, which a later prune deletes.
      if (this.store !== undefined) void this.store.prune(now).catch(() => undefined);
    }
    this.remember(id, until, now);
    await this.store?.put(id, until);
  }

  /**
   * Whether `id` was logged out (at any replica) and has not expired since. Answers from memory: no API
   * call on the request path.
   *
   * Before the first list of the shared store the answer is unknown, and "not revoked" would let a replica
   * that just started accept a token logged out before it started. So the check waits for that list (briefly:
   * it normally lands within milliseconds of start, and assembleServer waits for it before listening) and
   * then fails closed with AUTH_STORE_FAILED: refusing a valid token for a moment is recoverable, accepting a
   * logged-out one is not.
   */
  async isRevoked(id: string): Promise<boolean> {
    this.start();
    if (this.informer !== undefined && !this.informer.isSynced) {
      if (this.known(id, this.now())) return true;
      await this.waitForList(this.syncWaitMs);
      // Read through the getter: a second read of `this.informer.isSynced` would be narrowed to false.
      if (!this.isSynced) {
        const why = this.informer.stats().lastError;
        throw new UserError(
          errorCodes.AUTH_STORE_FAILED,
          `the logged-out sessions are not loaded yet (Secrets labelled ${REVOCATION_LABEL})${why === undefined ? '' : `: ${why}`}; refusing tokens until they are`,
        );
      }
    }
    return this.known(id, this.now());
  }

  /** Revocations known to this replica. */
  get size(): number {
    return this.until.size;
  }

  private known(id: string, now: number): boolean {
    this.sweep(now);
    const until = this.until.get(id);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(id);
    return false;
  }

  private remember(id: string, until: number, now: number): void {
    this.sweep(now);
    if (until <= now) return;
    this.until.set(id, Math.max(until, this.until.get(id) ?? 0));
  }

  /** A revocation Secret seen by the watch (or a list). Deletions change nothing: only expiry ends an entry. */
  private learn(event: InformerEvent): void {
    if (event.type === 'DELETED') return;
    const record = recordOf(event.obj);
    if (record !== undefined) this.remember(record.id, record.until, this.now());
  }

  /** Drops expired entries, at most once per sweep interval (a full pass over the map). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }

  private async waitForList(timeoutMs: number): Promise<void> {
    const informer = this.informer;
    if (informer === undefined || informer.isSynced || informer.isSettled) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    // `settled` also resolves when listing failed in a way retrying will not fix (403, 404): no point waiting then.
    await Promise.race([informer.settled, timeout]);
    clearTimeout(timer);
  }
}

/** The part of CoreV1Api the cluster store uses. */
export type RevocationSecretsApi = Pick<CoreV1Api, 'createNamespacedSecret' | 'listNamespacedSecret' | 'deleteNamespacedSecret'>;

/** Label on every revocation Secret; the watch and prune select by it. */
export const REVOCATION_LABEL = 'kawa.dev/session-revocation';
const REVOCATION_SELECTOR = `${REVOCATION_LABEL}=true`;
const UNTIL_KEY = 'until';
const ID_KEY = 'jti';

/** The Secret name for a revoked id: ids are arbitrary strings (an id_token's `jti`), names are not. */
export function revocationSecretName(id: string): string {
  return `kawa-revoked-${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

function storeFailed(what: string, err: unknown): UserError {
  return new UserError(errorCodes.AUTH_STORE_FAILED, `${what}: ${describeKubeError(err)}`, { cause: err });
}

function decoded(data: unknown, key: string): string | undefined {
  const value = isRecord(data) ? data[key] : undefined;
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/**
 * The revoked id and its expiry in a revocation Secret; undefined for anything else, including a Secret
 * whose name is not the one its id gets (only kawa's own records count).
 */
export function recordOf(secret: { metadata?: { name?: string }; data?: unknown }): { id: string; until: number } | undefined {
  const id = decoded(secret.data, ID_KEY);
  const until = Number(decoded(secret.data, UNTIL_KEY));
  if (id === undefined || !Number.isFinite(until) || secret.metadata?.name !== revocationSecretName(id)) return undefined;
  return { id, until };
}

/** What the informer keeps of a revocation Secret: its name, version and the two data keys (no managedFields). */
function compactRecord(obj: KubeObject): KubeObject {
  const data = isRecord(obj['data']) ? obj['data'] : {};
  return {
    apiVersion: obj.apiVersion ?? 'v1',
    kind: obj.kind ?? 'Secret',
    metadata: { name: obj.metadata?.name, resourceVersion: obj.metadata?.resourceVersion },
    data: { [ID_KEY]: data[ID_KEY], [UNTIL_KEY]: data[UNTIL_KEY] },
  };
}

/** Whether a Secret is a revocation record (the settings reader leaves them out: they are never settings). */
export function isRevocationSecret(obj: { metadata?: { labels?: Record<string, string> | undefined } | undefined }): boolean {
  return obj.metadata?.labels?.[REVOCATION_LABEL] !== undefined;
}

/** List+watch of the revocation Secrets in `namespace` (only those: selected by label). */
export function revocationListWatch(kubeConfig: KubeConfig, namespace: string): ListWatch {
  return kubeListWatch(new KubeRest(kubeConfig), SECRETS, { namespace, labelSelector: REVOCATION_SELECTOR });
}

/** Revocations as Secrets in the Argo CD namespace, shared by every replica there. */
export class KubeRevocationStore implements RevocationStore {
  constructor(
    private readonly core: RevocationSecretsApi,
    private readonly namespace: string,
    readonly listWatch: ListWatch,
  ) {}

  async put(id: string, until: number): Promise<void> {
    const name = revocationSecretName(id);
    const body = secretBody(
      {
        name,
        namespace: this.namespace,
        labels: { ...PART_OF_ARGOCD, [REVOCATION_LABEL]: 'true' },
        annotations: { 'kawa.dev/revoked-until': new Date(until).toISOString() },
      },
      { [ID_KEY]: id, [UNTIL_KEY]: String(until) },
    );
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (err) {
      // Already revoked (a second logout, or another replica): the record stands until the token expires.
      if (kubeErrorStatus(err) === 409) return;
      throw storeFailed(`recording the logout in Secret ${this.namespace}/${name}`, err);
    }
  }

  async prune(now: number): Promise<number> {
    let deleted = 0;
    let continueToken: string | undefined;
    do {
      const list = await this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector: REVOCATION_SELECTOR, limit: 500, ...(continueToken === undefined ? {} : { _continue: continueToken }) });
      for (const secret of list.items) {
        const until = recordOf(secret)?.until;
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
