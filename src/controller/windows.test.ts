import { describe, expect, it } from 'vitest';
import { cronNext, parseCron, syncAllowed, syncWindowLabel, windowMatches, windowState, zoneOffsetMs, type SyncWindowSpec, type WindowApp } from './windows.js';

const at = (iso: string): number => Date.parse(iso);
const app: WindowApp = { name: 'guestbook', namespace: 'prod', destinationServer: 'https://kubernetes.default.svc', destinationName: 'in-cluster' };
const w = (kind: 'allow' | 'deny', schedule: string, duration: string, extra: Partial<SyncWindowSpec> = {}): SyncWindowSpec => ({ kind, schedule, duration, applications: ['*'], ...extra });

describe('cron schedules (robfig/cron, 5 fields)', () => {
  it.each([
    // [schedule, after, next fire]
    ['0 22 * * *', '2025-03-10T21:59:00Z', '2025-03-10T22:00:00Z'],
    ['0 22 * * *', '2025-03-10T22:00:00Z', '2025-03-11T22:00:00Z'],
    ['*/15 * * * *', '2025-03-10T10:07:30Z', '2025-03-10T10:15:00Z'],
    ['5/20 * * * *', '2025-03-10T10:26:00Z', '2025-03-10T10:45:00Z'],
    ['0 9-17/4 * * *', '2025-03-10T13:00:00Z', '2025-03-10T17:00:00Z'],
    ['0 0 * * mon-fri', '2025-03-08T12:00:00Z', '2025-03-10T00:00:00Z'], // Saturday → Monday
    ['0 0 1 JAN *', '2025-03-10T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['30 2 29 2 *', '2025-01-01T00:00:00Z', '2028-02-29T02:30:00Z'],
    ['0 0 13 * 5', '2025-03-10T00:00:00Z', '2025-03-13T00:00:00Z'], // both day fields restricted: either matches (Thursday 13th)
    ['0 0 13 * 5', '2025-03-13T00:00:00Z', '2025-03-14T00:00:00Z'], // … and the Friday after
    ['0 0 */2 * 1', '2025-03-10T00:30:00Z', '2025-03-11T00:00:00Z'], // */2 is not a star: OR again (11th is odd)
    ['0 0 * * ?', '2025-03-10T00:30:00Z', '2025-03-11T00:00:00Z'],
    ['0,30 8 * * 0', '2025-03-09T08:00:00Z', '2025-03-09T08:30:00Z'],
  ])('%s after %s → %s', (schedule, after, next) => {
    expect(new Date(cronNext(parseCron(schedule), at(after)) ?? 0).toISOString()).toBe(new Date(at(next)).toISOString());
  });

  it('never fires on an impossible date', () => {
    expect(cronNext(parseCron('0 0 30 2 *'), at('2025-01-01T00:00:00Z'))).toBeUndefined();
  });

  it.each([
    ['* * * *', /5 fields/],
    ['* * * * * *', /5 fields/],
    ['60 * * * *', /minute: 60 is above the maximum 59/],
    ['* 24 * * *', /hour/],
    ['* * 0 * *', /day of month: 0 is below/],
    ['* * * 13 *', /month/],
    ['* * * * 7', /day of week: 7 is above/],
    ['5-1 * * * *', /after its end/],
    ['*/0 * * * *', /positive/],
    ['@daily', /5 fields/],
    ['x * * * *', /not a number/],
  ])('rejects %s', (schedule, problem) => {
    expect(() => parseCron(schedule)).toThrow(problem);
  });
});

describe('time zones', () => {
  it.each([
    ['UTC', '2025-07-01T00:00:00Z', 0],
    [undefined, '2025-07-01T00:00:00Z', 0],
    ['Europe/Paris', '2025-07-01T00:00:00Z', 2 * 3_600_000],
    ['Europe/Paris', '2025-01-15T00:00:00Z', 3_600_000],
    ['America/New_York', '2025-01-15T12:34:56.789Z', -5 * 3_600_000],
    ['Asia/Kolkata', '2025-01-15T00:00:00Z', 5.5 * 3_600_000],
    ['Not/AZone', '2025-01-15T00:00:00Z', 0], // Argo CD falls back to UTC
  ])('%s at %s is UTC%+d ms', (tz, when, offset) => {
    expect(zoneOffsetMs(tz, at(when))).toBe(offset);
  });
});

describe('window state', () => {
  it.each([
    // [window, now, active, activeSince / nextStart, activeUntil]
    [w('allow', '0 22 * * *', '1h'), '2025-03-10T22:00:00Z', true, '2025-03-10T22:00:00Z', '2025-03-10T23:00:00Z'],
    [w('allow', '0 22 * * *', '1h'), '2025-03-10T22:59:59Z', true, '2025-03-10T22:00:00Z', '2025-03-10T23:00:00Z'],
    [w('allow', '0 22 * * *', '1h'), '2025-03-10T23:00:00Z', false, '2025-03-11T22:00:00Z', undefined],
    [w('allow', '0 22 * * *', '1h'), '2025-03-10T21:59:59Z', false, '2025-03-10T22:00:00Z', undefined],
    [w('allow', '0 22 * * *', '1h30m'), '2025-03-10T23:29:00Z', true, '2025-03-10T22:00:00Z', '2025-03-10T23:30:00Z'],
    // Crossing midnight.
    [w('deny', '0 23 * * *', '3h'), '2025-03-11T01:00:00Z', true, '2025-03-10T23:00:00Z', '2025-03-11T02:00:00Z'],
    // Overlapping runs join into one stretch.
    [w('deny', '0 * * * *', '90m'), '2025-03-10T10:45:00Z', true, undefined, undefined],
    [w('deny', '0 8,9 * * *', '90m'), '2025-03-10T09:45:00Z', true, '2025-03-10T08:00:00Z', '2025-03-10T10:30:00Z'],
    // The wall clock of the window's zone: 22:00 in Paris is 20:00Z in summer, 21:00Z in winter.
    [w('allow', '0 22 * * *', '1h', { timeZone: 'Europe/Paris' }), '2025-07-01T20:30:00Z', true, '2025-07-01T20:00:00Z', '2025-07-01T21:00:00Z'],
    [w('allow', '0 22 * * *', '1h', { timeZone: 'Europe/Paris' }), '2025-01-15T20:30:00Z', false, '2025-01-15T21:00:00Z', undefined],
    [w('allow', '0 9 * * 1-5', '8h', { timeZone: 'America/New_York' }), '2025-01-15T21:59:00Z', true, '2025-01-15T14:00:00Z', '2025-01-15T22:00:00Z'],
    // A zero duration never opens.
    [w('deny', '* * * * *', '0s'), '2025-03-10T10:00:00Z', false, undefined, undefined],
  ])('%o at %s: active=%s', (window, now, active, sinceOrNext, until) => {
    const s = windowState(window, 0, at(now));
    expect(s.error).toBeUndefined();
    expect(s.active).toBe(active);
    const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
    if (sinceOrNext !== undefined) expect(iso(active ? s.activeSince : s.nextStart)).toBe(new Date(at(sinceOrNext)).toISOString());
    expect(iso(s.activeUntil)).toBe(until === undefined ? undefined : new Date(at(until)).toISOString());
  });

  it('reports a window that cannot be parsed', () => {
    expect(windowState(w('deny', '0 25 * * *', '1h'), 3, at('2025-03-10T10:00:00Z')).error).toMatch(/cannot parse schedule '0 25 \* \* \*'/);
    expect(windowState(w('deny', '0 1 * * *', 'an hour'), 3, at('2025-03-10T10:00:00Z')).error).toBe("cannot parse duration 'an hour'");
  });
});

describe('which windows apply to an app', () => {
  it.each([
    [{ applications: ['guestbook'] }, true],
    [{ applications: ['guest*'] }, true],
    [{ applications: ['other', '*-prod'] }, false],
    [{ namespaces: ['prod'] }, true],
    [{ namespaces: ['pr?d'] }, true],
    [{ namespaces: ['staging'] }, false],
    [{ clusters: ['in-cluster'] }, true],
    [{ clusters: ['https://kubernetes.default.svc'] }, true],
    [{ clusters: ['https://*.example.com'] }, false],
    // Any selector is enough…
    [{ applications: ['other'], namespaces: ['prod'] }, true],
    // …unless andOperator: then every non-empty selector must match.
    [{ applications: ['other'], namespaces: ['prod'], andOperator: true }, false],
    [{ applications: ['guestbook'], namespaces: ['prod'], andOperator: true }, true],
    [{ applications: ['guestbook'], clusters: ['remote'], andOperator: true }, false],
    [{}, false],
  ])('%o → %s', (selectors, matches) => {
    expect(windowMatches({ kind: 'deny', schedule: '* * * * *', duration: '1h', ...selectors }, app)).toBe(matches);
  });

  it('does not match an empty destination field', () => {
    expect(windowMatches({ kind: 'deny', schedule: '* * * * *', duration: '1h', namespaces: ['*'] }, { name: 'x' })).toBe(false);
  });
});

describe('syncAllowed (Argo CD CanSync)', () => {
  const now = '2025-03-10T22:30:00Z'; // a Monday
  const activeAllow = (extra: Partial<SyncWindowSpec> = {}): SyncWindowSpec => w('allow', '0 22 * * *', '1h', extra);
  const inactiveAllow = (extra: Partial<SyncWindowSpec> = {}): SyncWindowSpec => w('allow', '0 6 * * *', '1h', extra);
  const activeDeny = (extra: Partial<SyncWindowSpec> = {}): SyncWindowSpec => w('deny', '0 22 * * *', '2h', extra);
  const inactiveDeny = (extra: Partial<SyncWindowSpec> = {}): SyncWindowSpec => w('deny', '0 6 * * *', '1h', extra);
  const other = (window: SyncWindowSpec): SyncWindowSpec => ({ ...window, applications: ['someone-else'] });

  it.each([
    ['no windows', [], false, true],
    ['only windows of other apps', [other(activeDeny()), other(inactiveAllow())], false, true],
    ['an active allow', [activeAllow()], false, true],
    ['an inactive allow', [inactiveAllow()], false, false],
    ['an inactive allow, manual', [inactiveAllow()], true, false],
    ['an inactive allow with manualSync, manual', [inactiveAllow({ manualSync: true })], true, true],
    ['an inactive allow with manualSync, automated', [inactiveAllow({ manualSync: true })], false, false],
    ['two inactive allows, one with manualSync, manual', [inactiveAllow({ manualSync: true }), w('allow', '0 3 * * *', '1h')], true, false],
    ['an active and an inactive allow', [activeAllow(), inactiveAllow()], false, true],
    ['an active deny', [activeDeny()], false, false],
    ['an active deny, manual', [activeDeny()], true, false],
    ['an active deny with manualSync, manual', [activeDeny({ manualSync: true })], true, true],
    ['an active deny with manualSync, automated', [activeDeny({ manualSync: true })], false, false],
    ['two active denies, one without manualSync, manual', [activeDeny({ manualSync: true }), w('deny', '0 21 * * *', '2h')], true, false],
    ['an inactive deny', [inactiveDeny()], false, true],
    ['deny wins over an active allow', [activeAllow(), activeDeny()], false, false],
    ['deny wins over an active allow with manualSync, manual', [activeAllow({ manualSync: true }), activeDeny()], true, false],
    ['an active allow and an inactive deny', [activeAllow(), inactiveDeny()], false, true],
    ['an inactive allow and an inactive deny', [inactiveAllow(), inactiveDeny()], false, false],
    ['an invalid matching window blocks even manual syncs', [activeAllow(), w('deny', 'every night', '1h', { manualSync: true })], true, false],
    ['an invalid window of another app does not', [activeAllow(), other(w('deny', 'every night', '1h'))], false, true],
  ])('%s', (_what, windows, manual, allowed) => {
    expect(syncAllowed({ windows, app, now: at(now), manual }).allowed).toBe(allowed);
  });

  it('says why and when to look again', () => {
    const blocked = syncAllowed({ windows: [activeDeny(), inactiveAllow()], app, now: at(now), manual: false });
    expect(blocked.reason).toBe('blocked by active deny sync window deny:0 22 * * *:2h');
    expect(new Date(blocked.nextChangeAt ?? 0).toISOString()).toBe('2025-03-11T00:00:00.000Z');
    const closed = syncAllowed({ windows: [inactiveAllow()], app, now: at(now), manual: false });
    expect(closed.reason).toBe('no allow sync window is active (allow:0 6 * * *:1h)');
    expect(new Date(closed.nextChangeAt ?? 0).toISOString()).toBe('2025-03-11T06:00:00.000Z');
    expect(syncAllowed({ windows: [], app, now: at(now), manual: false })).toEqual({ allowed: true, windows: [] });
    expect(syncAllowed({ windows: [w('deny', 'nope', '1h')], app, now: at(now), manual: true }).reason).toMatch(/^sync window 0 is invalid: cannot parse schedule 'nope'/);
  });

  describe('sync overrun (operations already running)', () => {
    const started = (iso: string): number => at(iso);
    it.each([
      // [what, windows, operation started, allowed]
      ['no window → deny with overrun', [activeDeny({ syncOverrun: true })], '2025-03-10T21:50:00Z', true],
      ['no window → deny without overrun', [activeDeny()], '2025-03-10T21:50:00Z', false],
      ['started inside the deny window', [activeDeny({ syncOverrun: true })], '2025-03-10T22:10:00Z', false],
      ['allow with overrun → allow ends', [w('allow', '0 21 * * *', '1h', { syncOverrun: true })], '2025-03-10T21:30:00Z', true],
      ['allow without overrun → allow ends', [w('allow', '0 21 * * *', '1h')], '2025-03-10T21:30:00Z', false],
      ['started outside the allow window', [w('allow', '0 21 * * *', '1h', { syncOverrun: true })], '2025-03-10T20:30:00Z', false],
      ['multiple allows with overrun → all end', [w('allow', '0 21 * * *', '1h', { syncOverrun: true }), w('allow', '0 20 * * *', '90m', { syncOverrun: true })], '2025-03-10T21:15:00Z', true],
      ['multiple allows, one without overrun → all end', [w('allow', '0 21 * * *', '1h', { syncOverrun: true }), w('allow', '0 20 * * *', '90m')], '2025-03-10T21:15:00Z', false],
      ['allow with overrun → deny with overrun', [w('allow', '0 21 * * *', '1h', { syncOverrun: true }), activeDeny({ syncOverrun: true })], '2025-03-10T21:15:00Z', true],
      ['allow with overrun → deny without overrun', [w('allow', '0 21 * * *', '1h', { syncOverrun: true }), activeDeny()], '2025-03-10T21:15:00Z', false],
      ['allow without overrun → deny with overrun', [w('allow', '0 21 * * *', '1h'), activeDeny({ syncOverrun: true })], '2025-03-10T21:15:00Z', true],
    ])('%s', (_what, windows, start, allowed) => {
      expect(syncAllowed({ windows, app, now: at(now), manual: false, operationStartedAt: started(start) }).allowed).toBe(allowed);
    });
  });

  it.each([
    [[], 'Sync Allowed'],
    [[activeAllow()], 'Sync Allowed'],
    [[inactiveDeny()], 'Sync Allowed'],
    [[activeDeny()], 'Sync Denied'],
    [[activeDeny({ manualSync: true })], 'Manual Allowed'],
    [[inactiveAllow()], 'Sync Denied'],
    [[inactiveAllow({ manualSync: true })], 'Manual Allowed'],
  ])('argocd app get shows SyncWindow: for %o', (windows, label) => {
    expect(syncWindowLabel(windows, app, at(now))).toBe(label);
  });
});
