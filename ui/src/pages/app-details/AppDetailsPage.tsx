// One application: status header, actions (refresh, sync, rollback, delete, terminate), conditions,
// live sync progress, the resource tree (graph or list), history, and the manifest as YAML.
// Everything a link can point at lives in the URL (Argo CD's forms, state/route.ts): the view, the
// resource filter, the selected resource and its panel's tab, so a copied or printed link opens it.
// Each tab and part is a file of this folder; the page holds what they share: the app, its tree, the
// dialogs and the banners.
import { Suspense, lazy, useCallback, useMemo, useState } from 'react';
import { DeleteDialog, SyncDialog } from '../../components/AppDialogs';
import { ResourcePanel } from '../../components/ResourcePanel';
import { Banner, EmptyState, ErrorBanner } from '../../components/ui';
import { Link, navigate } from '../../router';
import { useApplication, useResourceTree } from '../../state/hooks';
import { isEmptyFilter, matchesResourceFilter, parseResourceFilter } from '../../state/resource-filter';
import { routePath, type AppRoute, type AppTab, type PanelTab } from '../../state/route';
import { timeAgo } from '../../state/status';
import { treeResources, type TreeResource } from '../../state/tree';
import { AppActions } from './AppActions';
import { AppHeader } from './AppHeader';
import { AppUnavailable } from './AppUnavailable';
import { History } from './History';
import { ManifestEditor } from './ManifestEditor';
import { OperationSummary } from './OperationSummary';
import { ResourceList } from './ResourceList';
import { SyncProgress } from './SyncProgress';

const ResourceGraph = lazy(() => import('../../components/ResourceGraph').then((m) => ({ default: m.ResourceGraph })));

const TABS: { id: AppTab; label: string }[] = [
  { id: 'tree', label: 'Tree' },
  { id: 'list', label: 'List' },
  { id: 'sync', label: 'Sync status' },
  { id: 'history', label: 'History and rollback' },
  { id: 'yaml', label: 'Manifest' },
];

export function AppDetailsPage({ route }: { route: AppRoute }) {
  const { name, tab } = route;
  const id = useMemo(() => ({ name, appNamespace: route.appNamespace }), [name, route.appNamespace]);
  const { app, error, deleted, live, setApp } = useApplication(id);
  const tree = useResourceTree(id);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [syncOpen, setSyncOpen] = useState(false);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const resources = useMemo(() => (app === undefined ? [] : treeResources(app, tree)), [app, tree]);
  const filter = useMemo(() => parseResourceFilter(route.resource), [route.resource]);
  const filterFn = useMemo(() => (isEmptyFilter(filter) ? undefined : (r: TreeResource) => matchesResourceFilter(r, filter)), [filter]);
  const shown = useMemo(() => (filterFn === undefined ? resources : resources.filter(filterFn)), [resources, filterFn]);
  const selected = route.node === undefined ? undefined : resources.find((r) => r.key === route.node);
  // Links within the page keep the form it was opened with (with or without the namespace): changing it
  // would load the app again.
  const hrefFor = (change: Partial<AppRoute>) => routePath({ ...route, ...change });
  const select = useCallback(
    (r: TreeResource) => {
      navigate(routePath({ ...route, node: r.key, panelTab: undefined }));
    },
    [route],
  );

  if (error !== undefined && app === undefined) return <AppUnavailable name={name} appNamespace={route.appNamespace} error={error} />;
  if (app === undefined) {
    return (
      <main id="main" className="page">
        <div className="loading" role="status">
          Loading {name}…
        </div>
      </main>
    );
  }

  const op = app.status?.operationState;
  const conditions = app.status?.conditions ?? [];
  const deleting = app.metadata.deletionTimestamp !== undefined;
  // The tree arrived and still has no such resource: say so rather than open nothing silently.
  const missingNode = route.node !== undefined && selected === undefined && tree !== undefined;

  return (
    <main id="main" className="page page-app">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/applications">Applications</Link> <span aria-hidden="true">/</span> <span aria-current="page">{name}</span>
      </nav>
      <div className="page-head">
        <h1 className="app-title">{name}</h1>
        <AppActions
          app={app}
          rollbackHref={hrefFor({ tab: 'history', node: undefined, panelTab: undefined })}
          onSync={() => { setSyncOpen(true); }}
          onDelete={() => { setDeleteOpen(true); }}
          onRefreshed={setApp}
          onError={setActionError}
          onNotice={setNotice}
        />
      </div>
      {deleted ? <Banner kind="warning">This application has been deleted.</Banner> : null}
      {deleting && !deleted ? <Banner kind="warning">This application is being deleted{app.metadata.finalizers?.length ? ` (waiting for: ${app.metadata.finalizers.join(', ')})` : ''}.</Banner> : null}
      {live === 'reconnecting' ? <Banner kind="warning">Live updates interrupted; reconnecting…</Banner> : null}
      <ErrorBanner error={actionError} onClose={() => { setActionError(undefined); }} />
      {notice === undefined ? null : (
        <Banner kind="info" onClose={() => { setNotice(undefined); }}>
          {notice}
        </Banner>
      )}
      {missingNode ? (
        <Banner kind="warning" onClose={() => { navigate(hrefFor({ node: undefined, panelTab: undefined }), { replace: true }); }}>
          The link points at <code>{route.node}</code>, which is not a resource of this application.
        </Banner>
      ) : null}
      {conditions.length > 0 ? (
        <section className="conditions" aria-label="Conditions">
          {conditions.map((c, i) => (
            <Banner key={i} kind={/Error$/.test(c.type) ? 'error' : 'warning'}>
              <strong>{c.type}:</strong> {c.message} {c.lastTransitionTime === undefined ? null : <span className="muted">({timeAgo(c.lastTransitionTime)})</span>}
            </Banner>
          ))}
        </section>
      ) : null}
      <AppHeader app={app} />
      {op !== undefined || app.operation !== undefined ? <OperationSummary app={app} onOpen={() => { navigate(hrefFor({ tab: 'sync', node: undefined, panelTab: undefined })); }} /> : null}
      <div className="tabs" role="tablist" aria-label="Application views">
        {TABS.map((t) => (
          <Link key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'tab active' : 'tab'} to={hrefFor({ tab: t.id, node: undefined, panelTab: undefined })}>
            {t.label}
          </Link>
        ))}
      </div>
      {route.resource !== undefined && (tab === 'tree' || tab === 'list') ? (
        <p className="filter-note" role="status">
          Showing {shown.length} of {resources.length} resources matching <code>{route.resource}</code>
          {filter.ignored.length > 0 ? <span className="muted"> (ignored: {filter.ignored.join(', ')})</span> : null}.{' '}
          <Link to={hrefFor({ resource: undefined })}>Show all resources</Link>
        </p>
      ) : null}
      <section className="tab-panel" role="tabpanel" aria-label={TABS.find((t) => t.id === tab)?.label}>
        {tab === 'tree' ? (
          resources.length === 0 ? (
            <EmptyState title="No resources yet">
              <p>The application has no resources, or it has not been compared with its source yet.</p>
            </EmptyState>
          ) : (
            <Suspense fallback={<div className="loading" role="status">Loading the tree…</div>}>
              <ResourceGraph app={app} resources={resources} onSelect={select} {...(filterFn === undefined ? {} : { filter: filterFn })} />
            </Suspense>
          )
        ) : null}
        {tab === 'list' ? <ResourceList resources={shown} onSelect={select} /> : null}
        {tab === 'sync' ? <SyncProgress app={app} /> : null}
        {tab === 'history' ? <History app={app} onError={setActionError} onDone={setNotice} /> : null}
        {tab === 'yaml' ? <ManifestEditor app={app} onSaved={(a) => { setApp(a); setNotice('Saved.'); }} /> : null}
      </section>
      <SyncDialog app={app} resources={resources} open={syncOpen} onClose={() => { setSyncOpen(false); }} onSynced={(a) => { setApp(a); setSyncOpen(false); setNotice('Sync requested.'); }} />
      <DeleteDialog app={app} open={deleteOpen} onClose={() => { setDeleteOpen(false); }} onDeleted={() => { setDeleteOpen(false); navigate('/applications'); }} />
      {selected === undefined ? null : (
        <ResourcePanel
          app={app}
          resource={selected}
          tab={route.panelTab}
          onTab={(t: PanelTab) => { navigate(hrefFor({ panelTab: t }), { replace: true }); }}
          onClose={() => { navigate(hrefFor({ node: undefined, panelTab: undefined })); }}
        />
      )}
    </main>
  );
}
