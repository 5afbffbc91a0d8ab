// The list tab: the application's resources as a table, with a name filter of its own.
import { useMemo, useState } from 'react';
import { DataTable, type Column } from '../../components/DataTable';
import { HealthBadge, SyncBadge } from '../../components/ui';
import { sortResources, type TreeResource } from '../../state/tree';

export function ResourceList({ resources, onSelect }: { resources: readonly TreeResource[]; onSelect: (r: TreeResource) => void }) {
  const [query, setQuery] = useState('');
  const list = useMemo(() => sortResources(resources).filter((r) => query === '' || `${r.kind}/${r.name}`.toLowerCase().includes(query.toLowerCase())), [resources, query]);
  const columns: Column<TreeResource>[] = [
    { header: 'Kind', cell: (r) => r.kind },
    {
      header: 'Name',
      cell: (r) => (
        <>
          <button type="button" className="btn-link" onClick={() => { onSelect(r); }}>
            {r.name}
          </button>
          {r.requiresPruning ? <span className="badge sync-OutOfSync"> requires pruning</span> : null}
        </>
      ),
    },
    { header: 'Namespace', cell: (r) => r.namespace },
    { header: 'Sync', cell: (r) => (r.sync === undefined ? <span className="muted">—</span> : <SyncBadge status={r.sync} />) },
    { header: 'Health', cell: (r) => (r.health === undefined ? <span className="muted">—</span> : <HealthBadge status={r.health} />) },
  ];
  return (
    <div className="resource-list">
      <label className="search">
        <span className="visually-hidden">Filter resources</span>
        <input type="search" placeholder="Filter resources…" value={query} onChange={(e) => { setQuery(e.target.value); }} />
      </label>
      <DataTable caption="Resources" columns={columns} rows={list.slice(0, 2000)} rowKey={(r) => r.key} />
      {list.length > 2000 ? <p className="muted">Showing 2,000 of {list.length}; refine the filter.</p> : null}
    </div>
  );
}
