// Logged-out sessions. A session JWT stays valid until its `exp`, so logging out records its id until
// then (Argo CD keeps the same list in Redis). This store is in memory: with several API server replicas
// a logout is only seen by the replica that served it, until a shared store replaces this one.
// Memory is bounded: expired ids are dropped, and past `maxEntries` the ids closest to expiry go first.

export interface RevocationOptions {
  readonly now?: () => number;
  readonly maxEntries?: number;
}

export class SessionRevocations {
  private readonly until = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: RevocationOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Refuse session `id` until `expiresAt` (a session without expiry is remembered for a day). */
  revoke(id: string, expiresAt: Date | undefined): void {
    this.prune();
    if (this.until.size >= this.maxEntries) {
      const soonest = [...this.until.entries()].sort((a, b) => a[1] - b[1])[0];
      if (soonest !== undefined) this.until.delete(soonest[0]);
    }
    this.until.set(id, expiresAt?.getTime() ?? this.now() + 86_400_000);
  }

  isRevoked(id: string): boolean {
    const until = this.until.get(id);
    if (until === undefined) return false;
    if (until <= this.now()) {
      this.until.delete(id);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.until.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, until] of this.until) if (until <= now) this.until.delete(id);
  }
}
