// JSON with object keys in a fixed order, for comparing values and keying caches by content: two
// objects equal field by field give the same text whatever order their keys were set in.

/**
 * `JSON.stringify` with object keys sorted (by code unit) at every depth. Fields set to `undefined` are
 * left out, as `JSON.stringify` leaves them out.
 */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
