// The applications as a virtualized table (ARIA table roles on divs: only the rows in view are rendered).
import { memo } from 'react';
import type { Application } from '../../api/types';
import { HealthBadge, SyncBadge, VirtualList } from '../../components/ui';
import { Link } from '../../router';
import { appLink } from '../../state/route';
import { clusterOf, healthOf, namespaceOf, shortRevision, sourceOf, syncOf, timeAgo } from '../../state/status';

const ROW_HEIGHT = 44;

const TableRow = memo(function TableRow({ app }: { app: Application }) {
  const src = sourceOf(app);
  const name = app.metadata.name;
  return (
    <div className="trow" role="row" data-app={name}>
      <span role="cell" className="c-name">
        <Link to={appLink(app)}>{name}</Link>
      </span>
      <span role="cell" className="c-project">{app.spec.project}</span>
      <span role="cell" className="c-status">
        <HealthBadge status={healthOf(app)} /> <SyncBadge status={syncOf(app)} />
      </span>
      <span role="cell" className="c-repo" title={src?.repoURL}>
        {src?.repoURL ?? '—'}
      </span>
      <span role="cell" className="c-path">{src?.chart ?? src?.path ?? ''}</span>
      <span role="cell" className="c-dest" title={clusterOf(app)}>
        {namespaceOf(app)}
      </span>
      <span role="cell" className="c-rev">{shortRevision(app.status?.sync?.revision)}</span>
      <span role="cell" className="c-time">{timeAgo(app.status?.reconciledAt)}</span>
    </div>
  );
});

export function AppTable({ apps }: { apps: readonly Application[] }) {
  return (
    <div className="table" role="table" aria-label="Applications" aria-rowcount={apps.length + 1}>
      <div className="trow thead" role="row">
        <span role="columnheader" className="c-name">Name</span>
        <span role="columnheader" className="c-project">Project</span>
        <span role="columnheader" className="c-status">Status</span>
        <span role="columnheader" className="c-repo">Repository</span>
        <span role="columnheader" className="c-path">Path</span>
        <span role="columnheader" className="c-dest">Namespace</span>
        <span role="columnheader" className="c-rev">Revision</span>
        <span role="columnheader" className="c-time">Reconciled</span>
      </div>
      <VirtualList items={apps} rowHeight={ROW_HEIGHT} label="Application rows" role="rowgroup" renderRow={(app) => <TableRow app={app} />} />
    </div>
  );
}
