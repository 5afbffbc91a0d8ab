// The filter side panel: one group of checkboxes per facet, each option with the number of applications
// it would show given the other filters.
import { useState } from 'react';
import { HEALTH_STATUSES, SYNC_STATUSES, type Application, type HealthStatusCode, type SyncStatusCode } from '../../api/types';
import { emptyFilters, hasActiveFilters, matchesFilters, toggle, type AppFilters, type facetValues } from '../../state/filters';
import { clusterOf, healthOf, namespaceOf, syncOf } from '../../state/status';

function FilterGroup({ title, options, selected, onToggle, count }: { title: string; options: readonly string[]; selected: readonly string[]; onToggle: (v: string) => void; count: (v: string) => number }) {
  const [query, setQuery] = useState('');
  const visible = options.filter((o) => query === '' || o.toLowerCase().includes(query.toLowerCase())).slice(0, 50);
  const id = `filter-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <fieldset className="filter-group">
      <legend>{title}</legend>
      {options.length > 8 ? (
        <input
          type="search"
          className="filter-search"
          aria-label={`Search ${title.toLowerCase()}`}
          placeholder={`Search ${title.toLowerCase()}…`}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
          }}
        />
      ) : null}
      {options.length === 0 ? <p className="muted">None</p> : null}
      {visible.map((o, i) => (
        <div className="check" key={o}>
          <input
            type="checkbox"
            id={`${id}-${i}`}
            checked={selected.includes(o)}
            onChange={() => {
              onToggle(o);
            }}
          />
          <label htmlFor={`${id}-${i}`} title={o}>
            <span className="check-label">{o}</span> <span className="count">{count(o)}</span>
          </label>
        </div>
      ))}
    </fieldset>
  );
}

export function FilterPanel({ all, filters, setFilters, facets, open }: { all: readonly Application[]; filters: AppFilters; setFilters: (f: AppFilters) => void; facets: ReturnType<typeof facetValues>; open: boolean }) {
  const countWhere = (except: keyof AppFilters, pred: (a: Application) => boolean) => all.filter((a) => pred(a) && matchesFilters(a, filters, except)).length;
  return (
    <aside id="app-filters" className={`filters ${open ? 'open' : ''}`} aria-label="Filters">
      <div className="filters-head">
        <h2>Filters</h2>
        {hasActiveFilters(filters) ? (
          <button type="button" className="btn btn-link" onClick={() => { setFilters({ ...emptyFilters, view: filters.view }); }}>
            Clear all
          </button>
        ) : null}
      </div>
      <FilterGroup title="Sync status" options={SYNC_STATUSES} selected={filters.sync} onToggle={(v) => { setFilters({ ...filters, sync: toggle(filters.sync, v as SyncStatusCode) }); }} count={(v) => countWhere('sync', (a) => syncOf(a) === v)} />
      <FilterGroup title="Health status" options={HEALTH_STATUSES} selected={filters.health} onToggle={(v) => { setFilters({ ...filters, health: toggle(filters.health, v as HealthStatusCode) }); }} count={(v) => countWhere('health', (a) => healthOf(a) === v)} />
      <FilterGroup title="Projects" options={facets.projects} selected={filters.projects} onToggle={(v) => { setFilters({ ...filters, projects: toggle(filters.projects, v) }); }} count={(v) => countWhere('projects', (a) => a.spec.project === v)} />
      <FilterGroup title="Clusters" options={facets.clusters} selected={filters.clusters} onToggle={(v) => { setFilters({ ...filters, clusters: toggle(filters.clusters, v) }); }} count={(v) => countWhere('clusters', (a) => clusterOf(a) === v)} />
      <FilterGroup title="Namespaces" options={facets.namespaces} selected={filters.namespaces} onToggle={(v) => { setFilters({ ...filters, namespaces: toggle(filters.namespaces, v) }); }} count={(v) => countWhere('namespaces', (a) => namespaceOf(a) === v)} />
      <FilterGroup title="Labels" options={facets.labels} selected={filters.labels} onToggle={(v) => { setFilters({ ...filters, labels: toggle(filters.labels, v) }); }} count={(v) => countWhere('labels', (a) => { const [k = '', val] = v.split('='); return a.metadata.labels?.[k] === val; })} />
    </aside>
  );
}
