// The applications list's filters: kept in the URL's query string (so a filtered view can be shared
// and survives reload), applied by a pure predicate, and summarized as counts per status.
import type { Application, HealthStatusCode, SyncStatusCode } from '../api/types';
import { HEALTH_STATUSES, SYNC_STATUSES } from '../api/types';
import { clusterOf, healthOf, namespaceOf, sourceOf, syncOf } from './status';

export type ListView = 'tiles' | 'table';

export interface AppFilters {
  readonly search: string;
  readonly projects: readonly string[];
  readonly sync: readonly SyncStatusCode[];
  readonly health: readonly HealthStatusCode[];
  readonly clusters: readonly string[];
  readonly namespaces: readonly string[];
  /** `key=value` or `key` (has the label). */
  readonly labels: readonly string[];
  readonly view: ListView;
}

export const emptyFilters: AppFilters = { search: '', projects: [], sync: [], health: [], clusters: [], namespaces: [], labels: [], view: 'tiles' };

function list(params: URLSearchParams, key: string): string[] {
  // Both `?proj=a&proj=b` and `?proj=a,b` are understood.
  return params
    .getAll(key)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function oneOf<T extends string>(values: readonly string[], allowed: readonly T[]): T[] {
  return values.filter((v): v is T => (allowed as readonly string[]).includes(v));
}

export function parseFilters(search: string | URLSearchParams): AppFilters {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  return {
    search: params.get('search') ?? '',
    projects: list(params, 'proj'),
    sync: oneOf(list(params, 'sync'), SYNC_STATUSES),
    health: oneOf(list(params, 'health'), HEALTH_STATUSES),
    clusters: list(params, 'cluster'),
    namespaces: list(params, 'namespace'),
    labels: list(params, 'labels'),
    view: params.get('view') === 'table' ? 'table' : 'tiles',
  };
}

/** The query string (without `?`) for filters; defaults are left out, so the plain list has a bare URL. */
export function filtersToSearch(filters: AppFilters): string {
  const params = new URLSearchParams();
  if (filters.search !== '') params.set('search', filters.search);
  const lists: [string, readonly string[]][] = [
    ['proj', filters.projects],
    ['sync', filters.sync],
    ['health', filters.health],
    ['cluster', filters.clusters],
    ['namespace', filters.namespaces],
    ['labels', filters.labels],
  ];
  for (const [key, values] of lists) if (values.length > 0) params.set(key, values.join(','));
  if (filters.view !== 'tiles') params.set('view', filters.view);
  return params.toString();
}

export function hasActiveFilters(f: AppFilters): boolean {
  return f.search !== '' || f.projects.length + f.sync.length + f.health.length + f.clusters.length + f.namespaces.length + f.labels.length > 0;
}

function labelMatches(selector: string, labels: Readonly<Record<string, string>>): boolean {
  const eq = selector.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, selector);
  const key = selector.slice(0, eq).replace(/!$/, '');
  const value = selector.slice(eq + 1).replace(/^=/, '');
  if (selector.slice(0, eq).endsWith('!')) return labels[key] !== value;
  return labels[key] === value;
}

/** Whether an app passes every filter except `except` (used for the counts shown next to each option). */
export function matchesFilters(app: Application, f: AppFilters, except?: keyof AppFilters): boolean {
  if (except !== 'projects' && f.projects.length > 0 && !f.projects.includes(app.spec.project)) return false;
  if (except !== 'sync' && f.sync.length > 0 && !f.sync.includes(syncOf(app))) return false;
  if (except !== 'health' && f.health.length > 0 && !f.health.includes(healthOf(app))) return false;
  if (except !== 'clusters' && f.clusters.length > 0 && !f.clusters.includes(clusterOf(app))) return false;
  if (except !== 'namespaces' && f.namespaces.length > 0 && !f.namespaces.includes(namespaceOf(app))) return false;
  if (except !== 'labels' && f.labels.length > 0) {
    const labels = app.metadata.labels ?? {};
    if (!f.labels.every((l) => labelMatches(l, labels))) return false;
  }
  if (except !== 'search' && f.search !== '') {
    const needle = f.search.toLowerCase();
    const src = sourceOf(app);
    const hay = [app.metadata.name, app.spec.project, namespaceOf(app), clusterOf(app), src?.repoURL ?? '', src?.path ?? '', src?.chart ?? ''];
    if (!hay.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export function filterApps(apps: readonly Application[], f: AppFilters): Application[] {
  if (!hasActiveFilters(f)) return [...apps];
  return apps.filter((app) => matchesFilters(app, f));
}

export interface StatusCounts {
  readonly total: number;
  readonly sync: Readonly<Record<SyncStatusCode, number>>;
  readonly health: Readonly<Record<HealthStatusCode, number>>;
}

export function countStatuses(apps: readonly Application[]): StatusCounts {
  const sync: Record<SyncStatusCode, number> = { Synced: 0, OutOfSync: 0, Unknown: 0 };
  const health: Record<HealthStatusCode, number> = { Healthy: 0, Progressing: 0, Degraded: 0, Suspended: 0, Missing: 0, Unknown: 0 };
  for (const app of apps) {
    sync[syncOf(app)] += 1;
    health[healthOf(app)] += 1;
  }
  return { total: apps.length, sync, health };
}

/** The values present among apps for each facet, sorted, for the filter options. */
export function facetValues(apps: readonly Application[]): { projects: string[]; clusters: string[]; namespaces: string[]; labels: string[] } {
  const projects = new Set<string>();
  const clusters = new Set<string>();
  const namespaces = new Set<string>();
  const labels = new Set<string>();
  for (const app of apps) {
    projects.add(app.spec.project);
    const c = clusterOf(app);
    if (c !== '') clusters.add(c);
    const ns = namespaceOf(app);
    if (ns !== '') namespaces.add(ns);
    for (const [k, v] of Object.entries(app.metadata.labels ?? {})) labels.add(`${k}=${v}`);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { projects: sorted(projects), clusters: sorted(clusters), namespaces: sorted(namespaces), labels: sorted(labels) };
}

export function toggle<T extends string>(values: readonly T[], value: T): T[] {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
}
