// Scale-out through Kubernetes Leases (coordination.k8s.io/v1), no home-made coordination: the clusters
// are split into `replicas` shards, and each shard is owned by whoever holds the Lease
// `<prefix>-<shard>`. A replica renews what it holds every third of the lease duration and takes over any
// Lease that expired (its holder died), so a dead replica's shards move within two lease durations. Writes
// use the Lease's resourceVersion: two replicas racing for one Lease cannot both win. With one replica
// this is plain leader election.
import { createHash } from 'node:crypto';
import { messageOf } from '../errors.js';
import { KubeRest, statusCodeOf } from '../kube/index.js';

export interface ShardOptions {
  rest: KubeRest;
  namespace: string;
  /** This replica's identity (Lease holderIdentity): pod name or host + pid. */
  identity: string;
  replicas: number;
  /** The shard this replica asks for first (`--shard`); default: by identity hash. */
  preferredShard?: number;
  leaseDurationMs?: number;
  /** Lease name prefix (default `kawa-controller-shard`). */
  prefix?: string;
  now?: () => number;
  onChange: (held: ReadonlySet<number>) => void;
  /**
   * This replica holds no shard because others hold them: called with the Lease it asks for and its
   * holder, again whenever the holder changes (a second controller must say why it does nothing).
   */
  onWaiting?: (lease: string, holder: string) => void;
  log?: (msg: string, err?: unknown) => void;
}

interface LeaseObject {
  metadata?: { resourceVersion?: string; name?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

/** The shard a destination cluster belongs to: the cluster Secret's `shard` if set, else a stable hash of its URL. */
export function shardOf(server: string, replicas: number, pinned?: number): number {
  if (replicas <= 1) return 0;
  if (pinned !== undefined && pinned >= 0 && pinned < replicas) return pinned;
  const digest = createHash('sha256').update(server).digest();
  return digest.readUInt32BE(0) % replicas;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class ShardManager {
  private readonly held = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly durationMs: number;
  private readonly now: () => number;
  private stopped = false;
  private ticking: Promise<void> | undefined;
  /** The holder each Lease showed at the last look (ours or another replica's). */
  private readonly holders = new Map<number, string>();
  private reportedWaiting = '';

  constructor(private readonly options: ShardOptions) {
    this.durationMs = options.leaseDurationMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  shards(): ReadonlySet<number> {
    return this.held;
  }

  owns(shard: number): boolean {
    return this.held.has(shard);
  }

  /** Takes what it can right away, then keeps renewing and watching for expired Leases. */
  async start(): Promise<void> {
    await this.tick();
    const every = Math.max(100, Math.floor(this.durationMs / 3));
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, every);
    this.timer.unref();
  }

  /** Stops renewing and releases the Leases, so another replica takes over at once instead of after expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.held].map((s) => this.release(s)));
    this.held.clear();
  }

  /** Stops renewing without releasing (a crash, for tests): the Leases expire on their own. */
  abandon(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** The identity holding the shard's Lease at the last look ('' when free or unknown). */
  holderOf(shard: number): string {
    return this.holders.get(shard) ?? '';
  }

  leaseName(shard: number): string {
    return `${this.options.prefix ?? 'kawa-controller-shard'}-${shard}`;
  }

  private leasePath(shard: number): string {
    const name = this.leaseName(shard);
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases/${name}`;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const before = [...this.held].sort().join(',');
    const order = [...Array(this.options.replicas).keys()];
    const preferred = this.options.preferredShard ?? shardOf(this.options.identity, this.options.replicas);
    // The preferred shard first; others are only taken when expired (their holder is gone).
    order.sort((a, b) => Number(b === preferred) - Number(a === preferred));
    for (const shard of order) {
      // stop() may have come while the previous Lease call was in flight.
      if (this.isStopped()) return;
      try {
        const mine = await this.tryHold(shard, shard === preferred);
        if (mine) this.held.add(shard);
        else this.held.delete(shard);
      } catch (err) {
        // Unsure whether we still hold it: stop acting for it until a renewal succeeds.
        this.held.delete(shard);
        this.options.log?.(`lease of shard ${shard}: ${messageOf(err)}`, err);
      }
    }
    if ([...this.held].sort().join(',') !== before) this.options.onChange(this.held);
    if (this.held.size === 0 && !this.isStopped()) {
      const holder = this.holderOf(preferred);
      const waiting = `${this.leaseName(preferred)}=${holder}`;
      if (holder !== '' && waiting !== this.reportedWaiting) this.options.onWaiting?.(this.leaseName(preferred), holder);
      this.reportedWaiting = waiting;
    } else {
      this.reportedWaiting = '';
    }
  }

  /** Renews or acquires the shard's Lease; false when someone else holds it. */
  private async tryHold(shard: number, preferred: boolean): Promise<boolean> {
    const rest = this.options.rest;
    const path = this.leasePath(shard);
    const now = this.now();
    const spec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)),
      renewTime: microTime(now),
    };
    let lease: LeaseObject | undefined;
    try {
      lease = (await rest.getJson(path)) as LeaseObject;
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
    if (lease === undefined) {
      if (!preferred && this.options.replicas > 1 && this.held.size > 0) return false;
      try {
        const name = path.slice(path.lastIndexOf('/') + 1);
        await rest.request('POST', path.slice(0, path.lastIndexOf('/')), {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } },
        });
        this.holders.set(shard, this.options.identity);
        return true;
      } catch (err) {
        if (statusCodeOf(err) === 409) return false;
        throw err;
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewed = Date.parse(lease.spec?.renewTime ?? '') || 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const expired = holder === '' || renewed + duration < now;
    this.holders.set(shard, expired ? '' : holder);
    if (holder !== this.options.identity && !expired) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === this.options.identity ? 0 : 1);
    try {
      await rest.request('PUT', path, {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { ...lease.metadata },
          spec: { ...spec, acquireTime: holder === this.options.identity ? (lease.spec?.acquireTime ?? microTime(now)) : microTime(now), leaseTransitions: transitions },
        },
      });
      this.holders.set(shard, this.options.identity);
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409) return false; // someone else renewed or took it first
      throw err;
    }
  }

  private async release(shard: number): Promise<void> {
    try {
      const lease = (await this.options.rest.getJson(this.leasePath(shard))) as LeaseObject;
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      await this.options.rest.request('PUT', this.leasePath(shard), {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...lease.metadata }, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(0) } },
      });
    } catch (err) {
      this.options.log?.(`releasing the lease of shard ${shard}: ${messageOf(err)}`, err);
    }
  }
}
