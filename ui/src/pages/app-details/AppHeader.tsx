// The application's status cards: health, sync (with the compared commit), and source → destination.
import { useEffect, useState } from 'react';
import { applicationService } from '../../api/applications';
import type { Application, RevisionMetadata } from '../../api/types';
import { HealthBadge, SyncBadge } from '../../components/ui';
import { clusterOf, healthOf, namespaceOf, shortRevision, sourceOf, syncOf, timeAgo } from '../../state/status';

export function AppHeader({ app }: { app: Application }) {
  const src = sourceOf(app);
  const revision = app.status?.sync?.revision;
  const [meta, setMeta] = useState<RevisionMetadata | undefined>(undefined);
  useEffect(() => {
    if (revision === undefined || revision === '' || src?.chart !== undefined) return;
    let cancelled = false;
    applicationService
      .revisionMetadata({ name: app.metadata.name, appNamespace: app.metadata.namespace }, revision)
      .then((m) => {
        if (!cancelled) setMeta(m);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [app.metadata.name, app.metadata.namespace, revision, src?.chart]);
  const auto = app.spec.syncPolicy?.automated;
  return (
    <section className="app-header" aria-label="Application status">
      <div className="status-card">
        <h2>Health</h2>
        <HealthBadge status={healthOf(app)} />
        {app.status?.health?.message === undefined ? null : <p className="small">{app.status.health.message}</p>}
      </div>
      <div className="status-card">
        <h2>Sync</h2>
        <SyncBadge status={syncOf(app)} />
        <p className="small">
          to <code>{src?.targetRevision ?? 'HEAD'}</code>
          {revision === undefined ? null : (
            <>
              {' '}
              (<code title={revision}>{shortRevision(revision)}</code>)
            </>
          )}
        </p>
        {meta === undefined ? null : (
          <p className="small commit">
            {meta.message === undefined ? null : <span className="commit-msg">{meta.message.split('\n')[0]}</span>}
            {meta.author === undefined ? null : <span className="muted"> — {meta.author}</span>}
            {meta.date === undefined ? null : <span className="muted"> {timeAgo(meta.date)}</span>}
          </p>
        )}
        <p className="small muted">Auto sync: {auto === undefined || auto.enabled === false ? 'off' : `on${auto.prune === true ? ', prune' : ''}${auto.selfHeal === true ? ', self heal' : ''}`}</p>
      </div>
      <div className="status-card wide">
        <h2>Source → destination</h2>
        <dl className="props">
          <dt>Repository</dt>
          <dd>{src?.repoURL ?? '—'}</dd>
          <dt>{src?.chart === undefined ? 'Path' : 'Chart'}</dt>
          <dd>{src?.chart ?? src?.path ?? '—'}</dd>
          <dt>Destination</dt>
          <dd>
            {clusterOf(app)} / {namespaceOf(app) === '' ? '—' : namespaceOf(app)}
          </dd>
          <dt>Project</dt>
          <dd>{app.spec.project}</dd>
          {app.status?.reconciledAt === undefined ? null : (
            <>
              <dt>Compared</dt>
              <dd>{timeAgo(app.status.reconciledAt)}</dd>
            </>
          )}
        </dl>
      </div>
    </section>
  );
}
