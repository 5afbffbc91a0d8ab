// Semantic versions and version constraints as Helm reads them (Masterminds/semver v3): chart versions
// in `targetRevision` may be exact (`1.2.3`) or ranges (`^1.2`, `~1.2.3`, `>=1.0 <2.0`, `1.2.x`, `*`,
// `1.0 - 2.0`, `a || b`). Prerelease versions only match a comparator that itself names a prerelease.
// Written here rather than imported: the `semver` package in node_modules is npm's dialect (and only a
// transitive dependency), which differs from Helm's on wildcards, `v` prefixes and `,` as AND.

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated prerelease identifiers; empty for a release. */
  prerelease: readonly string[];
  /** The text it was parsed from. */
  raw: string;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** A version (`v` prefix and missing minor/patch allowed, as Helm allows them), or undefined. */
export function parseVersion(text: string): SemVer | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  const parts = [num(m[1]), num(m[2]), num(m[3])];
  if (!parts.every(Number.isSafeInteger)) return undefined;
  const prerelease = m[4] === undefined ? [] : m[4].split('.');
  // A numeric identifier with a leading zero is not a version (semver 2.0.0 §9).
  if (prerelease.some((id) => /^0\d+$/.test(id))) return undefined;
  return { major: parts[0] ?? 0, minor: parts[1] ?? 0, patch: parts[2] ?? 0, prerelease, raw: text };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence (build metadata ignored): negative when a < b. */
export function compareVersions(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return Math.sign(a[key] - b[key]);
  }
  // A release ranks above its prereleases.
  if (a.prerelease.length === 0 && b.prerelease.length === 0) return 0;
  if (a.prerelease.length === 0) return 1;
  if (b.prerelease.length === 0) return -1;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

export class ConstraintSyntaxError extends Error {}

/** A version in a constraint: parts after the first wildcard or missing part are unconstrained. */
interface Partial {
  major: number | undefined;
  minor: number | undefined;
  patch: number | undefined;
  prerelease: readonly string[];
}

const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parsePartial(text: string, whole: string): Partial {
  const m = PARTIAL.exec(text);
  if (!m) throw new ConstraintSyntaxError(`"${whole}" is not a version constraint ("${text}" is not a version)`);
  const parts: (number | undefined)[] = [];
  let wild = false;
  for (const s of [m[1], m[2], m[3]]) {
    wild ||= s === undefined || s === 'x' || s === 'X' || s === '*';
    parts.push(wild ? undefined : Number(s));
  }
  return { major: parts[0], minor: parts[1], patch: parts[2], prerelease: m[4] === undefined ? [] : m[4].split('.') };
}

const isComplete = (p: Partial): boolean => p.patch !== undefined;

/** The lowest version a partial covers (`1.2` → 1.2.0, `1.2.3-rc.1` → itself). */
function floor(p: Partial): SemVer {
  return { major: p.major ?? 0, minor: p.minor ?? 0, patch: p.patch ?? 0, prerelease: p.prerelease, raw: '' };
}

/** The first version above what a partial covers (`1.2` → 1.3.0, `1` → 2.0.0); undefined for `*`. */
function ceiling(p: Partial): SemVer | undefined {
  if (p.major === undefined) return undefined;
  if (p.minor === undefined) return { major: p.major + 1, minor: 0, patch: 0, prerelease: [], raw: '' };
  if (p.patch === undefined) return { major: p.major, minor: p.minor + 1, patch: 0, prerelease: [], raw: '' };
  return { major: p.major, minor: p.minor, patch: p.patch + 1, prerelease: [], raw: '' };
}

type Check = (v: SemVer) => boolean;

const atLeast = (lo: SemVer): Check => (v) => compareVersions(v, lo) >= 0;
const below = (hi: SemVer | undefined): Check => (v) => hi === undefined || compareVersions(v, hi) < 0;
const within = (lo: SemVer, hi: SemVer | undefined): Check => (v) => atLeast(lo)(v) && below(hi)(v);

function comparator(op: string, p: Partial): Check {
  const lo = floor(p);
  let check: Check;
  switch (op) {
    case '':
    case '=':
      check = isComplete(p) ? (v) => compareVersions(v, lo) === 0 : within(lo, ceiling(p));
      break;
    case '!=':
      check = isComplete(p) ? (v) => compareVersions(v, lo) !== 0 : (v) => !within(lo, ceiling(p))(v);
      break;
    case '>': {
      const hi = ceiling(p);
      check = isComplete(p) ? (v) => compareVersions(v, lo) > 0 : (v) => hi !== undefined && compareVersions(v, hi) >= 0;
      break;
    }
    case '>=':
    case '=>':
      check = atLeast(lo);
      break;
    case '<':
      check = (v) => compareVersions(v, lo) < 0;
      break;
    case '<=':
    case '=<':
      check = isComplete(p) ? (v) => compareVersions(v, lo) <= 0 : below(ceiling(p));
      break;
    case '~':
    case '~>': {
      // ~1.2.3 and ~1.2 allow patch changes; ~1 allows minor changes.
      const hi: SemVer | undefined =
        p.major === undefined ? undefined : p.minor === undefined ? { ...lo, major: lo.major + 1, minor: 0, patch: 0, prerelease: [] } : { ...lo, minor: lo.minor + 1, patch: 0, prerelease: [] };
      check = within(lo, hi);
      break;
    }
    case '^': {
      // The first non-zero part (among those given) may not change.
      let hi: SemVer | undefined;
      if (p.major === undefined) hi = undefined;
      else if (p.major > 0 || p.minor === undefined) hi = { ...lo, major: lo.major + 1, minor: 0, patch: 0, prerelease: [] };
      else if (p.minor > 0 || p.patch === undefined) hi = { ...lo, minor: lo.minor + 1, patch: 0, prerelease: [] };
      else hi = { ...lo, patch: lo.patch + 1, prerelease: [] };
      check = within(lo, hi);
      break;
    }
    default:
      throw new ConstraintSyntaxError(`unknown operator "${op}"`);
  }
  // A prerelease is only a candidate when the comparator names one (Masterminds/semver v3).
  return (v) => (v.prerelease.length === 0 || p.prerelease.length > 0) && check(v);
}

const OPERATOR = /^(!=|>=|=>|<=|=<|~>|[=<>~^])?\s*(\S+)$/;

function parseAnd(group: string, whole: string): Check[] {
  // `1.0 - 2.0` is one range; spaces around an operator belong to it (`>= 1.2`); `,` and spaces separate terms.
  const normalised = group
    .replace(/\s+-\s+/g, ' - ')
    .replace(/(!=|>=|=>|<=|=<|~>|[=<>~^])\s+/g, '$1')
    .replace(/,/g, ' ');
  const tokens = normalised.split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new ConstraintSyntaxError(`"${whole}" has an empty part`);
  const checks: Check[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (tokens[i + 1] === '-') {
      const upper = tokens[i + 2];
      if (upper === undefined) throw new ConstraintSyntaxError(`"${whole}": a range "a - b" needs an upper bound`);
      checks.push(comparator('>=', parsePartial(token, whole)), comparator('<=', parsePartial(upper, whole)));
      i += 2;
      continue;
    }
    const m = OPERATOR.exec(token);
    if (!m) throw new ConstraintSyntaxError(`"${whole}" is not a version constraint`);
    checks.push(comparator(m[1] ?? '', parsePartial(m[2] ?? '', whole)));
  }
  return checks;
}

/** A parsed constraint: OR of ANDs. Throws ConstraintSyntaxError on malformed input. */
export function parseConstraint(text: string): (v: SemVer) => boolean {
  const groups = text.split('||').map((g) => parseAnd(g.trim(), text));
  return (v) => groups.some((checks) => checks.every((check) => check(v)));
}

/**
 * The version Helm would pick from `available` for `wanted`: an exact string match first (so a
 * non-semver tag can be named), else the highest version the constraint accepts ('' means `*`: the
 * latest release). Undefined when none matches.
 */
export function pickVersion(available: readonly string[], wanted: string): string | undefined {
  const want = wanted.trim();
  if (want !== '' && available.includes(want)) return want;
  const accepts = parseConstraint(want === '' ? '*' : want);
  let best: SemVer | undefined;
  for (const text of available) {
    const v = parseVersion(text);
    if (v === undefined || !accepts(v)) continue;
    if (best === undefined || compareVersions(v, best) > 0) best = v;
  }
  return best?.raw;
}

/** Whether `text` names one exact version (no operator, wildcard or range). */
export function isExactVersion(text: string): boolean {
  return parseVersion(text) !== undefined && /^v?\d+\.\d+\.\d+/.test(text.trim());
}
