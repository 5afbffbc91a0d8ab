import { describe, expect, it } from 'vitest';
import type { Application, ApplicationWatchEvent } from '../api/types';
import { appsOf, appsReducer, initialAppsState, isOlder } from './apps-reducer';

function app(name: string, rv: string, sync: 'Synced' | 'OutOfSync' = 'Synced'): Application {
  return {
    metadata: { name, namespace: 'argocd', resourceVersion: rv },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'x' } },
    status: { sync: { status: sync } },
  };
}
const ev = (type: ApplicationWatchEvent['type'], application: Application): ApplicationWatchEvent => ({ type, application });

describe('appsReducer', () => {
  const listed = appsReducer(initialAppsState, { type: 'listed', items: [app('b', '5'), app('a', '4')], resourceVersion: '10' });

  it('lists apps sorted by name and remembers the list version', () => {
    expect(appsOf(listed).map((a) => a.metadata.name)).toEqual(['a', 'b']);
    expect(listed.resourceVersion).toBe('10');
    expect(listed.loaded).toBe(true);
  });

  it('adds, modifies and deletes from watch events', () => {
    const next = appsReducer(listed, { type: 'events', events: [ev('ADDED', app('c', '11')), ev('MODIFIED', app('a', '12', 'OutOfSync')), ev('DELETED', app('b', '13'))] });
    expect(appsOf(next).map((a) => [a.metadata.name, a.status?.sync?.status])).toEqual([
      ['a', 'OutOfSync'],
      ['c', 'Synced'],
    ]);
  });

  it('ignores an event older than what it has', () => {
    const newer = appsReducer(listed, { type: 'events', events: [ev('MODIFIED', app('a', '20', 'OutOfSync'))] });
    const stale = appsReducer(newer, { type: 'events', events: [ev('MODIFIED', app('a', '19', 'Synced'))] });
    expect(stale).toBe(newer);
    expect(stale.byKey.get('argocd/a')?.status?.sync?.status).toBe('OutOfSync');
  });

  it('keeps state identity when nothing changes (same version, unknown delete, empty batch)', () => {
    expect(appsReducer(listed, { type: 'events', events: [] })).toBe(listed);
    expect(appsReducer(listed, { type: 'events', events: [ev('MODIFIED', app('a', '4'))] })).toBe(listed);
    expect(appsReducer(listed, { type: 'events', events: [ev('DELETED', app('zz', '99'))] })).toBe(listed);
  });

  it('keeps the key order and untouched objects when only an app changes', () => {
    const next = appsReducer(listed, { type: 'events', events: [ev('MODIFIED', app('a', '30'))] });
    expect(next.keys).toBe(listed.keys);
    expect(next.byKey.get('argocd/b')).toBe(listed.byKey.get('argocd/b'));
  });

  it('treats a snapshot ADDED of a known app as an update', () => {
    const next = appsReducer(listed, { type: 'events', events: [ev('ADDED', app('a', '40', 'OutOfSync'))] });
    expect(next.keys).toHaveLength(2);
    expect(next.byKey.get('argocd/a')?.status?.sync?.status).toBe('OutOfSync');
  });

  it('applies a large batch in one step', () => {
    const events = Array.from({ length: 1000 }, (_, i) => ev('ADDED', app(`app-${String(i).padStart(4, '0')}`, String(100 + i))));
    const next = appsReducer(initialAppsState, { type: 'events', events });
    expect(next.keys).toHaveLength(1000);
    expect(appsOf(next)[0]?.metadata.name).toBe('app-0000');
  });

  it('resets', () => {
    expect(appsReducer(listed, { type: 'reset' })).toBe(initialAppsState);
  });
});

describe('isOlder', () => {
  it('compares numeric versions as numbers', () => {
    expect(isOlder('9', '10')).toBe(true);
    expect(isOlder('10', '9')).toBe(false);
    expect(isOlder('123456789012345678901', '123456789012345678902')).toBe(true);
  });
  it('never calls an unknown or non-numeric version older', () => {
    expect(isOlder(undefined, '5')).toBe(false);
    expect(isOlder('abc', '5')).toBe(false);
  });
});
