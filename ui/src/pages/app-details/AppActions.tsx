// The application's action toolbar: sync, refresh (normal and hard), rollback, terminate, delete.
// Sync and delete open the page's dialogs; refresh and terminate run here and report back.
import { useState } from 'react';
import { appIdOf, applicationService } from '../../api/applications';
import type { Application } from '../../api/types';
import { Link } from '../../router';
import { isOperationInProgress } from '../../state/status';

export function AppActions({
  app,
  rollbackHref,
  onSync,
  onDelete,
  onRefreshed,
  onError,
  onNotice,
}: {
  app: Application;
  /** The history tab, where rollbacks are chosen. */
  rollbackHref: string;
  onSync: () => void;
  onDelete: () => void;
  onRefreshed: (app: Application) => void;
  onError: (error: unknown) => void;
  onNotice: (message: string) => void;
}) {
  const [refreshing, setRefreshing] = useState<'normal' | 'hard' | undefined>(undefined);
  const refresh = (kind: 'normal' | 'hard') => {
    setRefreshing(kind);
    applicationService
      .get(appIdOf(app), kind)
      .then(onRefreshed)
      .catch(onError)
      .finally(() => {
        setRefreshing(undefined);
      });
  };
  const terminate = () => {
    applicationService
      .terminate(appIdOf(app))
      .then(() => {
        onNotice('Termination requested.');
      })
      .catch(onError);
  };
  const deleting = app.metadata.deletionTimestamp !== undefined;
  return (
    <div className="toolbar" role="toolbar" aria-label="Application actions">
      <button type="button" className="btn btn-primary" onClick={onSync} disabled={deleting}>
        Sync
      </button>
      <button type="button" className="btn" onClick={() => { refresh('normal'); }} disabled={refreshing !== undefined}>
        {refreshing === 'normal' ? 'Refreshing…' : 'Refresh'}
      </button>
      <button type="button" className="btn" onClick={() => { refresh('hard'); }} disabled={refreshing !== undefined}>
        {refreshing === 'hard' ? 'Refreshing…' : 'Hard refresh'}
      </button>
      <Link className="btn" to={rollbackHref}>
        Rollback
      </Link>
      {isOperationInProgress(app) ? (
        <button type="button" className="btn btn-warn" onClick={terminate}>
          Terminate
        </button>
      ) : null}
      <button type="button" className="btn btn-danger" onClick={onDelete}>
        Delete
      </button>
    </div>
  );
}
