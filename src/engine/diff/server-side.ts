// Server-side diff: the verdict of a server-side dry-run apply, for what the client-side diff cannot
// decide (a webhook or a default it does not know makes live differ from desired although applying would
// change nothing) and for objects that ask for it (`argocd.argoproj.io/compare-options: ServerSideDiff=true`).
// The dry-run's answer is what live would become; the object is in sync when that equals live. Verdicts
// are cached by (desired hash, live resourceVersion): neither changed, the answer cannot have either, so
// a steady state costs no API calls. This file is pure; the dry-run itself is in ../server-side-diff.ts.
import { createHash } from 'node:crypto';
import { compareObject } from './compare.js';
import { applyIgnoreDifferences, type IgnoreDifferencesRule, type JqPathEvaluator } from './ignore.js';
import { readManagedFields } from './managed-fields.js';
import { normalizeObject } from './normalize.js';
import { redactDifferences } from './redact.js';
import type { Difference, KubeObject } from './types.js';

export interface ServerSideVerdict {
  readonly synced: boolean;
  /** Secret values redacted. */
  readonly differences: readonly Difference[];
}

/** sha256 of the object as kawa applies it: the first half of a verdict's cache key. */
export function desiredHash(desired: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(desired)).digest('hex');
}

export interface VerdictOptions {
  ignoreDifferences?: readonly IgnoreDifferencesRule[];
  jq?: JqPathEvaluator;
}

/**
 * Whether `predicted` (the dry-run's answer) equals `live`, after the same normalization and
 * ignoreDifferences as the client-side diff. Fields the apply would change are `changed`/`missing-in-live`;
 * fields it would remove are `removed-from-desired`.
 */
export function serverSideVerdict(desired: KubeObject, predicted: KubeObject, live: KubeObject, options: VerdictOptions = {}): ServerSideVerdict {
  const ignored = applyIgnoreDifferences(normalizeObject(predicted), normalizeObject(live), options.ignoreDifferences ?? [], {
    managedFields: readManagedFields(live),
    ...(options.jq === undefined ? {} : { jq: options.jq }),
  });
  const changed = compareObject(ignored.desired, ignored.live, { managedFields: [] }).differences;
  const removed = compareObject(ignored.live, ignored.desired, { managedFields: [] })
    .differences.filter((d) => d.kind === 'missing-in-live')
    .map((d): Difference => ({ path: d.path, kind: 'removed-from-desired', live: d.desired }));
  const differences = redactDifferences([...changed, ...removed], desired, live);
  return { synced: differences.length === 0, differences };
}

interface Entry {
  readonly hash: string;
  readonly resourceVersion: string;
  readonly verdict: ServerSideVerdict;
}

/** Verdicts by resource key; the oldest go first beyond `maxEntries` (default 20,000). */
export class ServerSideDiffCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 20_000) {}

  /** The verdict for this desired hash and live resourceVersion, if the server gave one. */
  get(key: string, hash: string, resourceVersion: string | undefined): ServerSideVerdict | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || resourceVersion === undefined || entry.hash !== hash || entry.resourceVersion !== resourceVersion) return undefined;
    return entry.verdict;
  }

  set(key: string, hash: string, resourceVersion: string, verdict: ServerSideVerdict): void {
    this.entries.delete(key);
    this.entries.set(key, { hash, resourceVersion, verdict });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
