// Kubernetes resource quantities (`500m`, `1Gi`, `1e3`, `0.5`), parsed exactly: no floats, so `0.1` + rounding
// never makes two equal quantities differ. The value is mantissa × 10^exponent with BigInt arithmetic.

export interface Quantity {
  /** No trailing zeros (they move into the exponent), so equal values have one representation. */
  readonly mantissa: bigint;
  readonly exponent: number;
}

const BINARY_POWERS: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const DECIMAL_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3],
];
const FRACTION_SUFFIXES: ReadonlyArray<readonly [string, number]> = [['m', -3], ['u', -6], ['n', -9]];

// sign, number (`1`, `1.`, `1.5`, `.5`), then an exponent (`e3`, `E-2`) or a suffix. A bare `E` is exa.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

// Far beyond what the API server stores (|value| < 2^63, nano precision); bounds BigInt work on hostile input.
const MAX_EXPONENT = 64;
// The API server keeps nano precision and rounds finer values up (away from zero): `0.1n` is stored as `1n`.
const FINEST_EXPONENT = -9;

function reduce(mantissa: bigint, exponent: number): Quantity {
  if (mantissa === 0n) return { mantissa: 0n, exponent: 0 };
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  return { mantissa: m, exponent: e };
}

/** Parses a quantity (string, or a number as YAML gives it); undefined when it is not one. */
export function parseQuantity(input: string | number): Quantity | undefined {
  if (typeof input === 'number' && !Number.isFinite(input)) return undefined;
  const match = QUANTITY.exec(String(input));
  if (!match) return undefined;
  const [, sign = '', number = '', exponentText, suffix] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt((whole || '0') + fraction);
  let exponent = -fraction.length;
  if (exponentText !== undefined) {
    const e = Number(exponentText);
    if (Math.abs(e) > MAX_EXPONENT) return undefined;
    exponent += e;
  } else if (suffix !== undefined) {
    const binary = BINARY_POWERS[suffix];
    if (binary !== undefined) mantissa *= 1024n ** BigInt(binary);
    else exponent += DECIMAL_EXPONENTS[suffix] ?? 0;
  }
  if (sign === '-') mantissa = -mantissa;
  let q = reduce(mantissa, exponent);
  if (q.exponent < FINEST_EXPONENT) {
    const scale = 10n ** BigInt(FINEST_EXPONENT - q.exponent);
    // Any remainder is non-zero here (reduce stripped the zeros), so round away from zero.
    const rounded = q.mantissa / scale + (q.mantissa < 0n ? -1n : 1n);
    q = reduce(rounded, FINEST_EXPONENT);
  }
  if (Math.abs(q.exponent) > MAX_EXPONENT) return undefined;
  return q;
}

/**
 * One spelling per value, close to what the API server prints: the suffix giving the fewest digits, binary
 * on a tie; `m`/`u`/`n` for fractions. `1Gi`, `1073741824` → `1Gi`; `0.5`, `500m` → `500m`; `1e3`,
 * `1000` → `1k`; `1E` stays `1E` (a multiple of 1024 too, but `976562500000000Ki` helps nobody).
 */
export function formatQuantity(q: Quantity): string {
  const { mantissa, exponent } = q;
  if (mantissa === 0n) return '0';
  if (exponent < 0) {
    for (const [suffix, e] of FRACTION_SUFFIXES) {
      if (exponent >= e) return `${mantissa * 10n ** BigInt(exponent - e)}${suffix}`;
    }
    return `${mantissa}e${exponent}`; // unreachable after parseQuantity's rounding
  }
  const value = mantissa * 10n ** BigInt(exponent);
  let digits = value.toString();
  let suffix = '';
  const decimal = DECIMAL_SUFFIXES.find(([, e]) => exponent >= e);
  if (decimal) {
    digits = (mantissa * 10n ** BigInt(exponent - decimal[1])).toString();
    suffix = decimal[0];
  }
  for (let power = BINARY_SUFFIXES.length - 1; power >= 1; power--) {
    const unit = 1024n ** BigInt(power);
    if (value % unit !== 0n) continue;
    const binaryDigits = (value / unit).toString();
    if (binaryDigits.length <= digits.length) {
      digits = binaryDigits;
      suffix = BINARY_SUFFIXES[power] ?? '';
    }
    break;
  }
  return digits + suffix;
}

/** The canonical spelling of a quantity, or undefined when the input is not a quantity. */
export function canonicalQuantity(input: string | number): string | undefined {
  const q = parseQuantity(input);
  return q === undefined ? undefined : formatQuantity(q);
}

export function quantityEquals(a: string | number, b: string | number): boolean {
  const qa = parseQuantity(a);
  const qb = parseQuantity(b);
  return qa !== undefined && qb !== undefined && qa.mantissa === qb.mantissa && qa.exponent === qb.exponent;
}
