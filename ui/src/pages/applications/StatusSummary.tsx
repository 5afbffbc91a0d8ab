// The counts per sync and health status of the shown applications; each count toggles its filter.
import { HEALTH_STATUSES, SYNC_STATUSES } from '../../api/types';
import { toggle, type AppFilters, type countStatuses } from '../../state/filters';

export function StatusSummary({ counts, filters, setFilters }: { counts: ReturnType<typeof countStatuses>; filters: AppFilters; setFilters: (f: AppFilters) => void }) {
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
