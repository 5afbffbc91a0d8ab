// How the runners (sync operation, app deletion) make their API calls: a bounded number in flight,
// transient failures retried on the runner's clock, and the error text a record keeps.
import { messageOf } from '../errors.js';
import { ApplyError, withRetry } from '../kube/apply.js';
import type { Clock } from './clock.js';
import { formatKind, type ObjectRef } from './sync/index.js';

/** The API's own message for an ApplyError (the record already names the object), else the error's. */
export function detailOf(err: unknown): string {
  return err instanceof ApplyError ? err.detail : messageOf(err);
}

/** Why an object cannot be written: discovery does not know its kind (`…: why` follows). */
export function notServed(ref: ObjectRef): string {
  return `the server does not serve ${formatKind(ref)} ${ref.version}`;
}

/** `withRetry` waiting on the runner's clock, so tests drive the backoff without sleeping. */
export function retrying<T>(clock: Clock, fn: () => Promise<T>): Promise<T> {
  return withRetry(fn, { sleep: (ms) => clock.sleep(ms) });
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
