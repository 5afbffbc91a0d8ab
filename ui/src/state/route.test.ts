import { describe, expect, it } from 'vitest';
import { parseRoute, routePath, safeReturnPath, type Route } from './route';

describe('routes', () => {
  const cases: [string, Route][] = [
    ['/', { page: 'applications' }],
    ['/applications', { page: 'applications' }],
    ['/applications/guestbook', { page: 'application', name: 'guestbook', tab: 'tree' }],
    ['/applications/guestbook/history', { page: 'application', name: 'guestbook', tab: 'history' }],
    ['/new-application', { page: 'new-application' }],
    ['/settings', { page: 'settings', section: 'repositories' }],
    ['/settings/clusters', { page: 'settings', section: 'clusters' }],
    ['/login', { page: 'login' }],
    ['/user-info', { page: 'user-info' }],
    ['/applications/a/bogus', { page: 'not-found', path: '/applications/a/bogus' }],
    ['/nowhere', { page: 'not-found', path: '/nowhere' }],
  ];
  it.each(cases)('parses %s', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });
  it('formats what it parses', () => {
    for (const [, route] of cases) if (route.page !== 'not-found') expect(parseRoute(routePath(route))).toEqual(route);
  });
  it('encodes names', () => {
    expect(routePath({ page: 'application', name: 'a b', tab: 'tree' })).toBe('/applications/a%20b');
  });
});

describe('safeReturnPath', () => {
  it('allows same-site paths only', () => {
    expect(safeReturnPath('/applications/x?sync=Synced')).toBe('/applications/x?sync=Synced');
    expect(safeReturnPath('//evil.example')).toBe('/applications');
    expect(safeReturnPath('https://evil.example')).toBe('/applications');
    expect(safeReturnPath('/\\evil.example')).toBe('/applications');
    expect(safeReturnPath('/login')).toBe('/applications');
    expect(safeReturnPath(null)).toBe('/applications');
  });
});
