// Time as a parameter: operations read the time and wait through a Clock, so tests drive timeouts and
// wave delays without sleeping.
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : delay(ms)),
};

/** ISO 8601 with second precision, as the API server writes timestamps (`2024-05-01T10:00:00Z`). */
export function isoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
