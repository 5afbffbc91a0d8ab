// Pure: AppProject sync windows (`spec.syncWindows[]`), with Argo CD's rules (`SyncWindows.Matches`,
// `Active`, `InactiveAllows`, `CanSync` in pkg/apis/application/v1alpha1, docs/user-guide/sync_windows.md):
//   - a window matches an app when any of its non-empty `applications` (app name), `namespaces`
//     (destination namespace) or `clusters` (destination name or server) lists has a glob that matches;
//     with `andOperator`, every non-empty list must match;
//   - a window is active from each cron fire of `schedule` (5 fields, robfig/cron's dialect, evaluated on
//     the wall clock of `timeZone`, default UTC) for `duration` (Go syntax);
//   - no matching window → allowed; an active matching deny → blocked (deny wins over an active allow)
//     unless the sync is manual and every active deny has `manualSync`; else an active matching allow →
//     allowed; else matching allows exist but none is active → blocked unless the sync is manual and every
//     inactive allow has `manualSync`; else (only inactive denies) → allowed;
//   - `syncOverrun` lets an operation that is already running continue: past the end of the allow windows
//     it started in (every inactive allow must have it), or into deny windows that opened after it started
//     (every active deny must have it);
//   - a matching window whose schedule or duration cannot be parsed blocks every sync (Argo CD ≥ 2.11).
// Time zones as Argo CD does them: the schedule is evaluated on the zone's wall clock, shifted by the
// zone's UTC offset at `now` (so a window spanning a DST change is off by the change, as there).
import { globMatch } from '../util/glob.js';
import { parseDuration } from '../model/duration.js';
import type { SyncWindow } from '../model/index.js';

/** A window as stored (the model's schema plus `syncOverrun`, which newer Argo CD projects carry). */
export type SyncWindowSpec = SyncWindow & { syncOverrun?: boolean };

export interface WindowApp {
  /** `metadata.name` (Argo CD matches the bare name, not `<namespace>/<name>`). */
  name: string;
  /** `spec.destination.namespace`. */
  namespace?: string | undefined;
  /** The destination's server URL and cluster name (pass both, resolved from the cluster list, when known). */
  destinationServer?: string | undefined;
  destinationName?: string | undefined;
}

export interface SyncAllowedInput {
  windows: readonly SyncWindowSpec[] | undefined;
  app: WindowApp;
  /** Unix milliseconds. */
  now: number;
  /** The operation was requested by a user (`initiatedBy.automated` is not true). */
  manual: boolean;
  /** When the operation being continued started (Unix ms): only for an operation already running (sync overrun). */
  operationStartedAt?: number | undefined;
}

export interface SyncDecision {
  allowed: boolean;
  /** Why a sync is blocked (or, when allowed, which exception let it through). */
  reason?: string;
  /**
   * The decision cannot change before this instant (Unix ms): the earliest time a matching window opens
   * or closes. Undefined when no matching window will ever change (or none matches).
   */
  nextChangeAt?: number;
  /** The matching windows, with their state at `now`. */
  windows: WindowState[];
}

export interface WindowState {
  window: SyncWindowSpec;
  /** Index in `spec.syncWindows` (the id `argocd proj windows` shows). */
  index: number;
  active: boolean;
  /** Active: when the current run began (Unix ms). */
  activeSince?: number;
  /** Active: when it closes, unless a later fire keeps it open (Unix ms); undefined when it never closes. */
  activeUntil?: number;
  /** Inactive: the next time it opens (Unix ms); undefined when the schedule never fires again. */
  nextStart?: number;
  /** The schedule or duration cannot be parsed. */
  error?: string;
}

// ---- cron ---------------------------------------------------------------------------------------------

/** A parsed 5-field schedule: one bit set per allowed value, and whether the day fields were `*`. */
export interface CronSchedule {
  minute: bigint;
  hour: bigint;
  dom: bigint;
  month: bigint;
  dow: bigint;
  domStar: boolean;
  dowStar: boolean;
}

interface Bounds {
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTE: Bounds = { min: 0, max: 59 };
const HOUR: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTH: Bounds = { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] };
const DOW: Bounds = { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };

function parseValue(text: string, bounds: Bounds, field: string): number {
  const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + bounds.min;
  if (!/^\d+$/.test(text)) throw new Error(`${field}: "${text}" is not a number`);
  return Number(text);
}

/** One field: comma-separated `*`, `?`, `N`, `N-M`, each with an optional `/step` (robfig/cron's rules). */
function parseField(text: string, bounds: Bounds, field: string): { bits: bigint; star: boolean } {
  let bits = 0n;
  let star = false;
  for (const part of text.split(',')) {
    const [range = '', stepText, ...extra] = part.split('/');
    if (extra.length > 0) throw new Error(`${field}: too many slashes in "${part}"`);
    const [lowText = '', highText, ...more] = range.split('-');
    if (more.length > 0) throw new Error(`${field}: too many hyphens in "${part}"`);
    let low: number;
    let high: number;
    let isStar = false;
    if (lowText === '*' || lowText === '?') {
      if (highText !== undefined) throw new Error(`${field}: "${part}" is not a range`);
      low = bounds.min;
      high = bounds.max;
      isStar = true;
    } else {
      low = parseValue(lowText, bounds, field);
      high = highText === undefined ? low : parseValue(highText, bounds, field);
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new Error(`${field}: step of "${part}" must be a positive number`);
      step = Number(stepText);
      // `N/step` means `N-max/step`.
      if (highText === undefined && !isStar) high = bounds.max;
      if (step > 1) isStar = false;
    }
    if (low < bounds.min) throw new Error(`${field}: ${low} is below the minimum ${bounds.min}`);
    if (high > bounds.max) throw new Error(`${field}: ${high} is above the maximum ${bounds.max}`);
    if (low > high) throw new Error(`${field}: range start ${low} is after its end ${high}`);
    for (let v = low; v <= high; v += step) bits |= 1n << BigInt(v);
    star ||= isStar;
  }
  return { bits, star };
}

/** Parses a 5-field cron schedule (minute hour day-of-month month day-of-week); throws with the reason. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') throw new Error(`expected exactly 5 fields, found ${fields[0] === '' ? 0 : fields.length}: "${expression}"`);
  const [m = '', h = '', dom = '', mon = '', dow = ''] = fields;
  const domField = parseField(dom, DOM, 'day of month');
  const dowField = parseField(dow, DOW, 'day of week');
  return {
    minute: parseField(m, MINUTE, 'minute').bits,
    hour: parseField(h, HOUR, 'hour').bits,
    dom: domField.bits,
    month: parseField(mon, MONTH, 'month').bits,
    dow: dowField.bits,
    domStar: domField.star,
    dowStar: dowField.star,
  };
}

const has = (bits: bigint, v: number): boolean => (bits & (1n << BigInt(v))) !== 0n;

/** Vixie cron: when both day fields are restricted a day matches either; when one is `*`, both must. */
function dayMatches(s: CronSchedule, d: Date): boolean {
  const domOk = has(s.dom, d.getUTCDate());
  const dowOk = has(s.dow, d.getUTCDay());
  return s.domStar || s.dowStar ? domOk && dowOk : domOk || dowOk;
}

const MINUTE_MS = 60_000;

/**
 * The first fire strictly after `after`, both as wall-clock milliseconds read in UTC (the caller shifts
 * for time zones). Undefined when the schedule never fires in the next five years ("0 0 30 2 *").
 */
export function cronNext(s: CronSchedule, after: number): number | undefined {
  const d = new Date(Math.floor(after / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const limitYear = d.getUTCFullYear() + 5;
  while (d.getUTCFullYear() <= limitYear) {
    if (!has(s.month, d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!has(s.hour, d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!has(s.minute, d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return d.getTime();
  }
  return undefined;
}

// ---- time zones ---------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      f = null; // not an IANA zone: Argo CD falls back to UTC
    }
    if (formatters.size > 200) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at `at` (ms; Europe/Paris in summer: +7_200_000). Unknown zones are UTC. */
export function zoneOffsetMs(timeZone: string | undefined, at: number): number {
  if (timeZone === undefined || timeZone === '' || timeZone === 'UTC') return 0;
  const f = formatterFor(timeZone);
  if (f === null) return 0;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
  return wall - (at - (at % 1000 + 1000) % 1000);
}

// ---- windows ------------------------------------------------------------------------------------------

/** Chained fires (a window re-opened before it closed) followed at most this far. */
const MAX_CHAIN = 1_000;

/** Whether the window is open at `now`, and when that changes. */
export function windowState(window: SyncWindowSpec, index: number, now: number): WindowState {
  let schedule: CronSchedule;
  try {
    schedule = parseCron(window.schedule ?? '');
  } catch (err) {
    return { window, index, active: false, error: `cannot parse schedule '${window.schedule ?? ''}': ${err instanceof Error ? err.message : String(err)}` };
  }
  const duration = parseDuration(window.duration ?? '');
  if (duration === undefined) return { window, index, active: false, error: `cannot parse duration '${window.duration ?? ''}'` };
  const offset = zoneOffsetMs(window.timeZone, now);
  const wall = now + offset;
  const toInstant = (w: number): number => w - offset;
  // The earliest fire of the last `duration`: the window is open in [fire, fire + duration).
  const first = duration > 0 ? cronNext(schedule, wall - duration) : undefined;
  if (first === undefined || first > wall) {
    const next = cronNext(schedule, wall);
    return { window, index, active: false, ...(next === undefined || duration <= 0 ? {} : { nextStart: toInstant(next) }) };
  }
  // Fires that re-opened the window before it closed belong to the same stretch, both ways.
  let since = first;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const earlier = cronNext(schedule, since - duration);
    if (earlier === undefined || earlier >= since) break;
    since = earlier;
  }
  let latest = first;
  let end = first + duration;
  for (let i = 0; ; i++) {
    const n = cronNext(schedule, latest);
    if (n === undefined || n > end) break;
    if (i >= MAX_CHAIN) return { window, index, active: true, activeSince: toInstant(since) };
    latest = n;
    end = Math.max(end, n + duration);
  }
  return { window, index, active: true, activeSince: toInstant(since), activeUntil: toInstant(end) };
}

function listMatches(patterns: readonly string[] | undefined, values: readonly (string | undefined)[]): boolean | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined; // not a selector of this window
  return patterns.some((p) => values.some((v) => v !== undefined && v !== '' && globMatch(p, v)));
}

/** Whether a window applies to an app (Argo CD's `SyncWindows.Matches`). */
export function windowMatches(window: SyncWindowSpec, app: WindowApp): boolean {
  const results = [
    listMatches(window.applications, [app.name]),
    listMatches(window.namespaces, [app.namespace]),
    listMatches(window.clusters, [app.destinationName, app.destinationServer]),
  ].filter((r): r is boolean => r !== undefined);
  if (results.length === 0) return false;
  return window.andOperator === true ? results.every(Boolean) : results.some(Boolean);
}

/** The matching windows with their state at `now`, in `spec.syncWindows` order. */
export function matchingWindows(windows: readonly SyncWindowSpec[] | undefined, app: WindowApp, now: number): WindowState[] {
  return (windows ?? []).flatMap((w, i) => (windowMatches(w, app) ? [windowState(w, i, now)] : []));
}

const describe = (s: WindowState): string => `${s.window.kind ?? 'allow'}:${s.window.schedule ?? ''}:${s.window.duration ?? ''}`;

/** Whether a sync may run now under the project's windows (Argo CD's `CanSync`, with sync overrun). */
export function syncAllowed(input: SyncAllowedInput): SyncDecision {
  const states = matchingWindows(input.windows, input.app, input.now);
  if (states.length === 0) return { allowed: true, windows: states };
  const changes = states.map((s) => (s.active ? s.activeUntil : s.nextStart)).filter((t): t is number => t !== undefined);
  const nextChangeAt = changes.length === 0 ? undefined : Math.min(...changes);
  const result = (allowed: boolean, reason?: string): SyncDecision => ({
    allowed,
    ...(reason === undefined ? {} : { reason }),
    ...(nextChangeAt === undefined ? {} : { nextChangeAt }),
    windows: states,
  });

  const broken = states.find((s) => s.error !== undefined);
  if (broken?.error !== undefined) return result(false, `sync window ${broken.index} is invalid: ${broken.error}`);

  const kind = (s: WindowState): 'allow' | 'deny' => (s.window.kind === 'deny' ? 'deny' : 'allow');
  const started = input.operationStartedAt;
  const activeDenies = states.filter((s) => s.active && kind(s) === 'deny');
  if (activeDenies.length > 0) {
    if (input.manual && activeDenies.every((s) => s.window.manualSync === true)) return result(true, 'manual sync allowed by the active deny windows');
    const overrun = started !== undefined && activeDenies.every((s) => s.window.syncOverrun === true && (s.activeSince ?? Infinity) > started);
    if (overrun) return result(true, 'sync overrun: the operation started before the deny windows opened');
    return result(false, `blocked by active deny sync window${activeDenies.length > 1 ? 's' : ''} ${activeDenies.map(describe).join(', ')}`);
  }
  if (states.some((s) => s.active && kind(s) === 'allow')) return result(true);
  const inactiveAllows = states.filter((s) => !s.active && kind(s) === 'allow');
  if (inactiveAllows.length > 0) {
    if (input.manual && inactiveAllows.every((s) => s.window.manualSync === true)) return result(true, 'manual sync allowed outside the allow windows');
    const startedInside = started !== undefined && inactiveAllows.some((s) => windowState(s.window, s.index, started).active);
    if (startedInside && inactiveAllows.every((s) => s.window.syncOverrun === true)) return result(true, 'sync overrun: the operation started inside an allow window');
    return result(false, `no allow sync window is active (${inactiveAllows.map(describe).join(', ')})`);
  }
  return result(true);
}

/** What `argocd app get` prints as `SyncWindow:` — `Sync Allowed`, `Manual Allowed` or `Sync Denied`. */
export function syncWindowLabel(windows: readonly SyncWindowSpec[] | undefined, app: WindowApp, now: number): 'Sync Allowed' | 'Manual Allowed' | 'Sync Denied' {
  const states = matchingWindows(windows, app, now);
  const deny = states.some((s) => s.active && s.window.kind === 'deny');
  const allow = states.some((s) => s.active && s.window.kind !== 'deny');
  const inactiveAllows = states.some((s) => !s.active && s.window.kind !== 'deny');
  if (deny || (!allow && inactiveAllows)) return syncAllowed({ windows, app, now, manual: true }).allowed ? 'Manual Allowed' : 'Sync Denied';
  return 'Sync Allowed';
}

/** The message Argo CD puts on a running operation a window holds back (`controller/sync.go`). */
export const SYNC_BLOCKED_MESSAGE = 'Sync operation blocked by sync window';
/** The API server's refusal of a manual sync (`server/application`), as a PermissionDenied/403. */
export const SYNC_REFUSED_MESSAGE = 'cannot sync: blocked by sync window';
