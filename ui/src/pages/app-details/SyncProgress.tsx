// The sync status tab: the current or last operation and its per-resource results, by phase.
import type { Application, ResourceResult } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { EmptyState, PhaseBadge } from '../../components/ui';
import { shortRevision, timeAgo } from '../../state/status';

const RESULT_COLUMNS: Column<ResourceResult>[] = [
  { header: 'Phase', cell: (r) => r.syncPhase ?? 'Sync' },
  { header: 'Kind', cell: (r) => r.kind },
  { header: 'Namespace', cell: (r) => r.namespace ?? '' },
  { header: 'Name', cell: (r) => r.name },
  { header: 'Result', cell: (r) => r.status ?? r.hookPhase ?? '' },
  { header: 'Hook', cell: (r) => (r.hookType === undefined ? '' : `${r.hookType}${r.hookPhase === undefined ? '' : ` (${r.hookPhase})`}`) },
  { header: 'Message', cell: (r) => r.message ?? '', className: 'msg' },
];

export function SyncProgress({ app }: { app: Application }) {
  const op = app.status?.operationState;
  if (op === undefined) {
    return (
      <EmptyState title={app.operation === undefined ? 'No sync has run yet' : 'Sync requested'}>
        <p>{app.operation === undefined ? 'Start one with the Sync button.' : 'Waiting for the controller to start the operation.'}</p>
      </EmptyState>
    );
  }
  const results = op.syncResult?.resources ?? [];
  const phases = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];
  const sorted = [...results].sort((a, b) => phases.indexOf(a.syncPhase ?? 'Sync') - phases.indexOf(b.syncPhase ?? 'Sync'));
  const sync = op.operation?.sync;
  return (
    <div className="sync-progress">
      <dl className="props">
        <dt>Phase</dt>
        <dd>
          <PhaseBadge phase={op.phase} />
        </dd>
        <dt>Message</dt>
        <dd>{op.message ?? '—'}</dd>
        <dt>Revision</dt>
        <dd>
          <code>{shortRevision(op.syncResult?.revision ?? sync?.revision) || '—'}</code>
        </dd>
        <dt>Initiated by</dt>
        <dd>{op.operation?.initiatedBy?.username ?? (op.operation?.initiatedBy?.automated === true ? 'automated sync' : '—')}</dd>
        <dt>Started</dt>
        <dd>{op.startedAt === undefined ? '—' : `${new Date(op.startedAt).toLocaleString()} (${timeAgo(op.startedAt)})`}</dd>
        <dt>Finished</dt>
        <dd>{op.finishedAt === undefined ? '—' : new Date(op.finishedAt).toLocaleString()}</dd>
        <dt>Options</dt>
        <dd>
          {[sync?.prune === true ? 'prune' : '', sync?.dryRun === true ? 'dry run' : '', sync?.syncStrategy?.apply?.force === true || sync?.syncStrategy?.hook?.force === true ? 'force' : '', ...(sync?.syncOptions ?? [])]
            .filter((s) => s !== '')
            .join(', ') || '—'}
        </dd>
        {op.retryCount === undefined ? null : (
          <>
            <dt>Retries</dt>
            <dd>{op.retryCount}</dd>
          </>
        )}
      </dl>
      {results.length === 0 ? (
        <p className="muted">No resource results yet.</p>
      ) : (
        <DataTable caption="Per-resource results" columns={RESULT_COLUMNS} rows={sorted} rowKey={(_, i) => i} rowClassName={(r) => `result-${r.status ?? ''}`} />
      )}
    </div>
  );
}
