// The last (or the requested) operation in one line, with a link to the sync status tab.
import type { Application } from '../../api/types';
import { PhaseBadge } from '../../components/ui';
import { timeAgo } from '../../state/status';

export function OperationSummary({ app, onOpen }: { app: Application; onOpen: () => void }) {
  const op = app.status?.operationState;
  const requested = app.operation !== undefined && (op === undefined || (op.phase !== 'Running' && op.phase !== 'Terminating'));
  const results = op?.syncResult?.resources ?? [];
  const done = results.filter((r) => r.status !== undefined).length;
  return (
    <section className={`operation operation-${requested ? 'Requested' : (op?.phase ?? 'Unknown')}`} aria-label="Last operation" aria-live="polite">
      <div>
        <strong>{requested ? 'Sync requested' : 'Last sync'}</strong> <PhaseBadge phase={requested ? undefined : op?.phase} />
        {requested ? <span className="spinner" aria-hidden="true" /> : null}
        {op?.message === undefined || requested ? null : <span className="op-message"> {op.message}</span>}
      </div>
      <div className="small muted">
        {requested
          ? `by ${app.operation?.initiatedBy?.username ?? (app.operation?.initiatedBy?.automated === true ? 'automated sync' : 'unknown')}`
          : `${op?.startedAt === undefined ? '' : `started ${timeAgo(op.startedAt)}`}${op?.finishedAt === undefined ? '' : `, finished ${timeAgo(op.finishedAt)}`}${results.length > 0 ? ` · ${done} resource results` : ''}`}
        {' · '}
        <button type="button" className="btn btn-link" onClick={onOpen}>
          Details
        </button>
      </div>
    </section>
  );
}
