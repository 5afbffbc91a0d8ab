// The applications list: tiles or table, filters and search kept in the URL, counts per status, live.
import { memo, useMemo, useState } from 'react';
import { appIdOf, applicationService } from '../api/applications';
import { HEALTH_STATUSES, SYNC_STATUSES, type Application, type HealthStatusCode, type SyncStatusCode } from '../api/types';
import { Banner, EmptyState, ErrorBanner, HealthBadge, PhaseBadge, SyncBadge, VirtualList, useWidth } from '../components/ui';
import { Link, navigate, useLocation } from '../router';
import { appsOf } from '../state/apps-reducer';
import { countStatuses, emptyFilters, facetValues, filterApps, filtersToSearch, hasActiveFilters, matchesFilters, parseFilters, toggle, type AppFilters } from '../state/filters';
import { useApplications } from '../state/hooks';
import { appLink } from '../state/route';
import { clusterOf, healthOf, namespaceOf, operationPhaseOf, shortRevision, sourceOf, syncOf, timeAgo } from '../state/status';

const TILE_WIDTH = 320;
const TILE_HEIGHT = 168;
const ROW_HEIGHT = 44;

export function ApplicationsPage() {
  const location = useLocation();
  const filters = useMemo(() => parseFilters(location.search), [location.search]);
  const { state, error, live, reload } = useApplications();
  const [showFilters, setShowFilters] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const all = useMemo(() => appsOf(state), [state]);
  const shown = useMemo(() => filterApps(all, filters), [all, filters]);
  const counts = useMemo(() => countStatuses(shown), [shown]);
  const facets = useMemo(() => facetValues(all), [all]);

  const setFilters = (next: AppFilters) => {
    const qs = filtersToSearch(next);
    navigate(`/applications${qs === '' ? '' : `?${qs}`}`, { replace: true });
  };

  const syncApp = (app: Application) => {
    applicationService.sync(appIdOf(app), {}).catch(setActionError);
  };
  const refreshApp = (app: Application) => {
    applicationService.get(appIdOf(app), 'normal').catch(setActionError);
  };

  return (
    <main id="main" className="page page-apps">
      <div className="page-head">
        <h1>Applications</h1>
        <div className="toolbar">
          <label className="search">
            <span className="visually-hidden">Search applications</span>
            <input
              type="search"
              placeholder="Search applications…"
              value={filters.search}
              onChange={(e) => {
                setFilters({ ...filters, search: e.target.value });
              }}
            />
          </label>
          <div className="segmented" role="group" aria-label="View">
            <button type="button" aria-pressed={filters.view === 'tiles'} onClick={() => { setFilters({ ...filters, view: 'tiles' }); }}>
              Tiles
            </button>
            <button type="button" aria-pressed={filters.view === 'table'} onClick={() => { setFilters({ ...filters, view: 'table' }); }}>
              Table
            </button>
          </div>
          <button type="button" className="btn filters-toggle" aria-expanded={showFilters} aria-controls="app-filters" onClick={() => { setShowFilters((v) => !v); }}>
            Filters{hasActiveFilters(filters) ? ' •' : ''}
          </button>
          <Link to="/new-application" className="btn btn-primary">
            + New app
          </Link>
        </div>
      </div>
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} onClose={() => { setActionError(undefined); }} />
      {error !== undefined ? (
        <button type="button" className="btn" onClick={reload}>
          Retry
        </button>
      ) : null}
      {live === 'reconnecting' && error === undefined ? <Banner kind="warning">Live updates interrupted; reconnecting…</Banner> : null}
      <StatusSummary counts={counts} filters={filters} setFilters={setFilters} />
      <div className="apps-body">
        <FilterPanel all={all} filters={filters} setFilters={setFilters} facets={facets} open={showFilters} />
        <section className="apps-results" aria-label="Application results">
          {!state.loaded && error === undefined ? (
            <div className="loading" role="status">
              Loading applications…
            </div>
          ) : null}
          {state.loaded && all.length === 0 ? (
            <EmptyState title="No applications yet">
              <p>Create an application to deploy from a Git repository.</p>
              <Link to="/new-application" className="btn btn-primary">
                Create application
              </Link>
            </EmptyState>
          ) : null}
          {state.loaded && all.length > 0 && shown.length === 0 ? (
            <EmptyState title="No applications match the filters">
              <button type="button" className="btn" onClick={() => { setFilters({ ...emptyFilters, view: filters.view }); }}>
                Clear filters
              </button>
            </EmptyState>
          ) : null}
          {shown.length > 0 ? filters.view === 'tiles' ? <Tiles apps={shown} onSync={syncApp} onRefresh={refreshApp} /> : <Table apps={shown} /> : null}
        </section>
      </div>
    </main>
  );
}

function StatusSummary({ counts, filters, setFilters }: { counts: ReturnType<typeof countStatuses>; filters: AppFilters; setFilters: (f: AppFilters) => void }) {
  return (
    <div className="summary" aria-label="Status counts">
      <span className="summary-total">
        <strong>{counts.total}</strong> {counts.total === 1 ? 'application' : 'applications'}
      </span>
      {SYNC_STATUSES.map((s) => (
        <button key={s} type="button" className={`chip sync-${s}`} aria-pressed={filters.sync.includes(s)} onClick={() => { setFilters({ ...filters, sync: toggle(filters.sync, s) }); }}>
          {s} <strong>{counts.sync[s]}</strong>
        </button>
      ))}
      {HEALTH_STATUSES.filter((h) => counts.health[h] > 0 || filters.health.includes(h)).map((h) => (
        <button key={h} type="button" className={`chip health-${h}`} aria-pressed={filters.health.includes(h)} onClick={() => { setFilters({ ...filters, health: toggle(filters.health, h) }); }}>
          {h} <strong>{counts.health[h]}</strong>
        </button>
      ))}
    </div>
  );
}

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

function FilterPanel({ all, filters, setFilters, facets, open }: { all: readonly Application[]; filters: AppFilters; setFilters: (f: AppFilters) => void; facets: ReturnType<typeof facetValues>; open: boolean }) {
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

const Tile = memo(function Tile({ app, onSync, onRefresh }: { app: Application; onSync: (a: Application) => void; onRefresh: (a: Application) => void }) {
  const src = sourceOf(app);
  const sync = syncOf(app);
  const health = healthOf(app);
  const name = app.metadata.name;
  return (
    <article className={`tile tile-health-${health}`} aria-label={`Application ${name}`} data-app={name}>
      <header className="tile-head">
        <h2 className="tile-name">
          <Link to={appLink(app)}>{name}</Link>
        </h2>
        <span className="muted small">{app.spec.project}</span>
      </header>
      <div className="tile-badges">
        <HealthBadge status={health} />
        <SyncBadge status={sync} />
        <PhaseBadge phase={operationPhaseOf(app)} />
      </div>
      <dl className="tile-props">
        <dt>Repo</dt>
        <dd title={src?.repoURL}>{src?.repoURL ?? '—'}</dd>
        <dt>{src?.chart !== undefined ? 'Chart' : 'Path'}</dt>
        <dd>
          {src?.chart ?? src?.path ?? '—'} <span className="muted">@ {src?.targetRevision ?? 'HEAD'}</span>
        </dd>
        <dt>Dest.</dt>
        <dd title={clusterOf(app)}>
          {clusterOf(app)}/{namespaceOf(app)}
        </dd>
      </dl>
      <div className="tile-actions">
        <button type="button" className="btn btn-small" onClick={() => { onSync(app); }} aria-label={`Sync ${name}`}>
          Sync
        </button>
        <button type="button" className="btn btn-small" onClick={() => { onRefresh(app); }} aria-label={`Refresh ${name}`}>
          Refresh
        </button>
      </div>
    </article>
  );
});

function Tiles({ apps, onSync, onRefresh }: { apps: readonly Application[]; onSync: (a: Application) => void; onRefresh: (a: Application) => void }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const columns = Math.max(1, Math.floor((width + 12) / (TILE_WIDTH + 12)));
  const rows = useMemo(() => {
    const out: Application[][] = [];
    for (let i = 0; i < apps.length; i += columns) out.push(apps.slice(i, i + columns));
    return out;
  }, [apps, columns]);
  return (
    <div ref={ref} className="tiles-wrap">
      <VirtualList
        items={rows}
        rowHeight={TILE_HEIGHT + 12}
        label="Applications"
        renderRow={(row) => (
          <div className="tiles-row" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
            {row.map((app) => (
              <Tile key={`${app.metadata.namespace ?? ''}/${app.metadata.name}`} app={app} onSync={onSync} onRefresh={onRefresh} />
            ))}
          </div>
        )}
      />
    </div>
  );
}

const TableRow = memo(function TableRow({ app }: { app: Application }) {
  const src = sourceOf(app);
  const name = app.metadata.name;
  return (
    <div className="trow" role="row" data-app={name}>
      <span role="cell" className="c-name">
        <Link to={appLink(app)}>{name}</Link>
      </span>
      <span role="cell" className="c-project">{app.spec.project}</span>
      <span role="cell" className="c-status">
        <HealthBadge status={healthOf(app)} /> <SyncBadge status={syncOf(app)} />
      </span>
      <span role="cell" className="c-repo" title={src?.repoURL}>
        {src?.repoURL ?? '—'}
      </span>
      <span role="cell" className="c-path">{src?.chart ?? src?.path ?? ''}</span>
      <span role="cell" className="c-dest" title={clusterOf(app)}>
        {namespaceOf(app)}
      </span>
      <span role="cell" className="c-rev">{shortRevision(app.status?.sync?.revision)}</span>
      <span role="cell" className="c-time">{timeAgo(app.status?.reconciledAt)}</span>
    </div>
  );
});

function Table({ apps }: { apps: readonly Application[] }) {
  return (
    <div className="table" role="table" aria-label="Applications" aria-rowcount={apps.length + 1}>
      <div className="trow thead" role="row">
        <span role="columnheader" className="c-name">Name</span>
        <span role="columnheader" className="c-project">Project</span>
        <span role="columnheader" className="c-status">Status</span>
        <span role="columnheader" className="c-repo">Repository</span>
        <span role="columnheader" className="c-path">Path</span>
        <span role="columnheader" className="c-dest">Namespace</span>
        <span role="columnheader" className="c-rev">Revision</span>
        <span role="columnheader" className="c-time">Reconciled</span>
      </div>
      <VirtualList items={apps} rowHeight={ROW_HEIGHT} label="Application rows" role="rowgroup" renderRow={(app) => <TableRow app={app} />} />
    </div>
  );
}
