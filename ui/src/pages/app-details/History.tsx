// The history tab: past deployments, each with a rollback behind a confirmation.
import { useState } from 'react';
import { appIdOf, applicationService } from '../../api/applications';
import type { Application, RevisionHistory } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { Banner, EmptyState } from '../../components/ui';
import { shortRevision, timeAgo } from '../../state/status';

export function History({ app, onError, onDone }: { app: Application; onError: (e: unknown) => void; onDone: (m: string) => void }) {
  const history = [...(app.status?.history ?? [])].reverse();
  const [confirm, setConfirm] = useState<number | undefined>(undefined);
  const [prune, setPrune] = useState(false);
  const current = app.status?.sync?.revision;
  if (history.length === 0) {
    return (
      <EmptyState title="No history yet">
        <p>Each successful sync adds an entry here; you can roll back to any of them.</p>
      </EmptyState>
    );
  }
  const autoSync = app.spec.syncPolicy?.automated !== undefined && app.spec.syncPolicy.automated.enabled !== false;
  const rollback = (h: RevisionHistory) => {
    applicationService
      .rollback(appIdOf(app), h.id, { prune })
      .then(() => {
        setConfirm(undefined);
        onDone(`Rollback to ${h.id} (${shortRevision(h.revision)}) requested.`);
      })
      .catch(onError);
  };
  const columns: Column<RevisionHistory>[] = [
    { header: 'ID', cell: (h) => h.id },
    {
      header: 'Revision',
      cell: (h) => (
        <>
          <code title={h.revision}>{shortRevision(h.revision ?? h.revisions?.[0])}</code>
          {h.revision === current ? <span className="badge"> current</span> : null}
        </>
      ),
    },
    { header: 'Deployed', cell: (h) => (h.deployedAt === undefined ? '—' : `${new Date(h.deployedAt).toLocaleString()} (${timeAgo(h.deployedAt)})`) },
    { header: 'By', cell: (h) => h.initiatedBy?.username ?? (h.initiatedBy?.automated === true ? 'automated' : '—') },
    {
      header: 'Source',
      className: 'small',
      cell: (h) => (
        <>
          {h.source?.repoURL ?? ''} {h.source?.path ?? h.source?.chart ?? ''}
        </>
      ),
    },
    {
      header: 'Actions',
      hideHeader: true,
      cell: (h) =>
        confirm === h.id ? (
          <span className="inline-confirm">
            <label className="check">
              <input type="checkbox" checked={prune} onChange={(e) => { setPrune(e.target.checked); }} /> Prune
            </label>
            <button type="button" className="btn btn-small btn-primary" onClick={() => { rollback(h); }}>
              Confirm rollback
            </button>
            <button type="button" className="btn btn-small" onClick={() => { setConfirm(undefined); }}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => { setConfirm(h.id); }} aria-label={`Rollback to history entry ${h.id}`}>
            Rollback
          </button>
        ),
    },
  ];
  return (
    <div className="history">
      {autoSync ? <Banner kind="warning">Auto sync is on: rollback is refused until auto sync is disabled (it would sync back to the target revision).</Banner> : null}
      <DataTable caption="Deployment history" columns={columns} rows={history} rowKey={(h) => h.id} />
    </div>
  );
}
