// Go-style durations (`time.ParseDuration`), the format of every duration users write in Argo CD
// objects and config maps: `90s`, `1h2m3s`, `1.5h`, `500ms`. Kept in milliseconds because that is what
// timers in Node take; sub-millisecond units survive as fractions.

const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu: Go accepts both spellings
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

// One `<number><unit>` term; a Go duration is an optional sign and one or more terms.
const termPattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export interface ParseDurationOptions {
  /**
   * Read a bare integer (`"30"`) as this many seconds. Argo CD does so for the retry backoff's
   * `duration` and `maxDuration` ("default unit is seconds"); Go's own parser rejects it.
   */
  bareIntegerAsSeconds?: boolean;
  /** Accept a leading `-`. Off by default: no kawa setting means anything when negative. */
  allowNegative?: boolean;
}

/** Milliseconds in `text`, or undefined when it is not a duration. */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number | undefined {
  if (options.bareIntegerAsSeconds && /^[+-]?\d+$/.test(text)) {
    const seconds = Number(text);
    return seconds < 0 && !options.allowNegative ? undefined : seconds * 1_000;
  }
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  // Like Go: a lone "0" needs no unit, any other number does.
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  termPattern.lastIndex = 0;
  while (termPattern.lastIndex < rest.length) {
    // Sticky: a match must start exactly where the previous term ended.
    const match = termPattern.exec(rest);
    if (match === null) return undefined;
    const [, amount = '', unit = ''] = match;
    const scale = unitMs[unit];
    if (scale === undefined) return undefined;
    total += Number(amount) * scale;
  }
  if (!Number.isFinite(total)) return undefined;
  if (sign < 0 && total > 0 && !options.allowNegative) return undefined;
  return sign * total;
}

export function isDuration(text: string, options: ParseDurationOptions = {}): boolean {
  return parseDuration(text, options) !== undefined;
}

/**
 * Go's `Duration.String()` form, for messages and CLI output: `3m0s`, `1h30m0s`, `1.5s`, `500ms`, `0s`.
 * Fractions below a millisecond are rounded to microseconds.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1) return `${sign}${trimZeros((abs * 1_000).toFixed(3))}µs`;
  if (abs < 1_000) return `${sign}${trimZeros(abs.toFixed(3))}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = (abs % 60_000) / 1_000;
  const secondsText = `${trimZeros(seconds.toFixed(3))}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${sign}${minutes}m${secondsText}`;
  return `${sign}${secondsText}`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
