// The connected repositories: their connection status, connecting one, disconnecting one.
import { useState } from 'react';
import { repositoryService } from '../../api/repositories';
import type { Repository } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { EmptyState, ErrorBanner } from '../../components/ui';
import { useLoad } from '../../state/hooks';
import { Connection } from './Connection';
import { RepoForm } from './RepoForm';

export function Repositories() {
  const { data, error, reload } = useLoad(() => repositoryService.list(), []);
  const [adding, setAdding] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const items = data?.items ?? [];
  const disconnect = (r: Repository) => {
    if (window.confirm(`Disconnect ${r.repo}?`)) repositoryService.delete(r.repo).then(reload).catch(setActionError);
  };
  const columns: Column<Repository>[] = [
    { header: 'Type', cell: (r) => r.type ?? 'git' },
    { header: 'Name', cell: (r) => r.name ?? '' },
    { header: 'Repository', cell: (r) => r.repo },
    { header: 'Project', cell: (r) => r.project ?? '' },
    {
      header: 'Connection',
      cell: (r) => (
        <>
          <Connection state={r.connectionState} />
          {r.connectionState?.message === undefined || r.connectionState.message === '' ? null : <div className="small muted">{r.connectionState.message}</div>}
        </>
      ),
    },
    {
      header: 'Actions',
      hideHeader: true,
      cell: (r) => (
        <button type="button" className="btn btn-small btn-danger" aria-label={`Disconnect ${r.repo}`} onClick={() => { disconnect(r); }}>
          Disconnect
        </button>
      ),
    },
  ];
  return (
    <>
      <div className="toolbar">
        <button type="button" className="btn btn-primary" onClick={() => { setAdding((a) => !a); }} aria-expanded={adding}>
          Connect repository
        </button>
      </div>
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} onClose={() => { setActionError(undefined); }} />
      {adding ? <RepoForm onDone={() => { setAdding(false); reload(); }} /> : null}
      {data !== undefined && items.length === 0 ? <EmptyState title="No repositories connected">Public repositories work without connecting them.</EmptyState> : null}
      {items.length > 0 ? (
        <DataTable caption="Repositories" columns={columns} rows={items} rowKey={(r) => r.repo} />
      ) : null}
    </>
  );
}
