// The applications as tiles, laid out in as many columns as fit and virtualized by row.
import { memo, useMemo } from 'react';
import type { Application } from '../../api/types';
import { HealthBadge, PhaseBadge, SyncBadge, VirtualList, useWidth } from '../../components/ui';
import { Link } from '../../router';
import { appLink } from '../../state/route';
import { clusterOf, healthOf, namespaceOf, operationPhaseOf, sourceOf, syncOf } from '../../state/status';

const TILE_WIDTH = 320;
const TILE_HEIGHT = 168;

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

export function AppTiles({ apps, onSync, onRefresh }: { apps: readonly Application[]; onSync: (a: Application) => void; onRefresh: (a: Application) => void }) {
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
