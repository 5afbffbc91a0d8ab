// The applications list: tiles or table, filters and search kept in the URL, counts per status, live.
import { useMemo, useState } from 'react';
import { appIdOf, applicationService } from '../../api/applications';
import type { Application } from '../../api/types';
import { Banner, EmptyState, ErrorBanner } from '../../components/ui';
import { Link, navigate, useLocation } from '../../router';
import { appsOf } from '../../state/apps-reducer';
import { countStatuses, emptyFilters, facetValues, filterApps, filtersToSearch, hasActiveFilters, parseFilters, type AppFilters } from '../../state/filters';
import { useApplications } from '../../state/hooks';
import { AppTable } from './AppTable';
import { AppTiles } from './AppTiles';
import { FilterPanel } from './FilterPanel';
import { StatusSummary } from './StatusSummary';

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
          {shown.length > 0 ? filters.view === 'tiles' ? <AppTiles apps={shown} onSync={syncApp} onRefresh={refreshApp} /> : <AppTable apps={shown} /> : null}
        </section>
      </div>
    </main>
  );
}
