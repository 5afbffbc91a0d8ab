import { describe, expect, it } from 'vitest';
import type { Application } from '../api/types';
import { countStatuses, emptyFilters, facetValues, filterApps, filtersToSearch, matchesFilters, parseFilters, toggle } from './filters';

function app(name: string, o: { project?: string; sync?: 'Synced' | 'OutOfSync'; health?: 'Healthy' | 'Degraded'; ns?: string; cluster?: string; labels?: Record<string, string> } = {}): Application {
  return {
    metadata: { name, namespace: 'argocd', ...(o.labels === undefined ? {} : { labels: o.labels }) },
    spec: {
      project: o.project ?? 'default',
      source: { repoURL: 'https://git.example/repo.git', path: `apps/${name}` },
      destination: { server: o.cluster ?? 'https://kubernetes.default.svc', namespace: o.ns ?? name },
    },
    status: { sync: { status: o.sync ?? 'Synced' }, health: { status: o.health ?? 'Healthy' } },
  };
}

describe('filters in the URL', () => {
  it('round-trips every filter through the query string', () => {
    const f = { search: 'guest', projects: ['a', 'b'], sync: ['OutOfSync'], health: ['Degraded', 'Missing'], clusters: ['in-cluster'], namespaces: ['ns1'], labels: ['team=x'], view: 'table' } as const;
    const qs = filtersToSearch(f);
    expect(qs).toBe('search=guest&proj=a%2Cb&sync=OutOfSync&health=Degraded%2CMissing&cluster=in-cluster&namespace=ns1&labels=team%3Dx&view=table');
    expect(parseFilters(qs)).toEqual(f);
  });
  it('gives the plain list a bare URL', () => {
    expect(filtersToSearch(emptyFilters)).toBe('');
    expect(parseFilters('')).toEqual(emptyFilters);
  });
  it('drops unknown status values and accepts repeated keys', () => {
    expect(parseFilters('sync=Bogus&sync=Synced&proj=a&proj=b').sync).toEqual(['Synced']);
    expect(parseFilters('proj=a&proj=b').projects).toEqual(['a', 'b']);
  });
});

describe('matching', () => {
  const apps = [
    app('guestbook', { sync: 'OutOfSync', labels: { team: 'x' } }),
    app('billing', { project: 'pay', health: 'Degraded', ns: 'pay', labels: { team: 'y' } }),
    app('web', { cluster: 'https://other:6443' }),
  ];
  const names = (f: Partial<typeof emptyFilters>) => filterApps(apps, { ...emptyFilters, ...f }).map((a) => a.metadata.name);

  it('filters by each facet', () => {
    expect(names({ projects: ['pay'] })).toEqual(['billing']);
    expect(names({ sync: ['OutOfSync'] })).toEqual(['guestbook']);
    expect(names({ health: ['Degraded'] })).toEqual(['billing']);
    expect(names({ clusters: ['https://other:6443'] })).toEqual(['web']);
    expect(names({ namespaces: ['pay'] })).toEqual(['billing']);
    expect(names({ labels: ['team=x'] })).toEqual(['guestbook']);
    expect(names({ labels: ['team'] })).toEqual(['guestbook', 'billing']);
    expect(names({ labels: ['team!=x'] })).toEqual(['billing', 'web']);
  });
  it('searches name, project, repo and path, case-insensitively', () => {
    expect(names({ search: 'GUEST' })).toEqual(['guestbook']);
    expect(names({ search: 'apps/web' })).toEqual(['web']);
    expect(names({ search: 'pay' })).toEqual(['billing']);
  });
  it('combines facets with AND, values of one facet with OR', () => {
    expect(names({ projects: ['default', 'pay'], health: ['Healthy'] })).toEqual(['guestbook', 'web']);
  });
  it('can leave one facet out (for per-option counts)', () => {
    expect(matchesFilters(apps[1] as Application, { ...emptyFilters, projects: ['default'] }, 'projects')).toBe(true);
  });
});

describe('counts and facets', () => {
  it('counts apps per sync and health status', () => {
    const c = countStatuses([app('a', { sync: 'OutOfSync' }), app('b', { health: 'Degraded' }), { metadata: { name: 'c' }, spec: { project: 'p', destination: {} } }]);
    expect(c.total).toBe(3);
    expect(c.sync).toEqual({ Synced: 1, OutOfSync: 1, Unknown: 1 });
    expect(c.health.Healthy).toBe(1);
    expect(c.health.Degraded).toBe(1);
    expect(c.health.Unknown).toBe(1);
  });
  it('lists the values present', () => {
    expect(facetValues([app('a', { labels: { t: '1' } }), app('b', { project: 'p' })])).toEqual({ projects: ['default', 'p'], clusters: ['https://kubernetes.default.svc'], namespaces: ['a', 'b'], labels: ['t=1'] });
  });
  it('toggles a value', () => {
    expect(toggle(['a'], 'b')).toEqual(['a', 'b']);
    expect(toggle(['a', 'b'], 'a')).toEqual(['b']);
  });
});
