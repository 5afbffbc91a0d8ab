// One application: status header, actions (refresh, sync, rollback, delete, terminate), conditions,
// live sync progress, the resource tree (graph or list), history, and the manifest as YAML.
// Everything a link can point at lives in the URL (Argo CD's forms, state/route.ts): the view, the
// resource filter, the selected resource and its panel's tab, so a copied or printed link opens it.
import { Suspense, lazy, useCallback, useEffect, useMemo, useState } from 'react';
import { parse } from 'yaml';
import { appIdOf, applicationService } from '../api/applications';
import { ApiError } from '../api/http';
import type { Application, ResourceResult, RevisionHistory, RevisionMetadata } from '../api/types';
import { DataTable, type Column } from '../components/DataTable';
import { Banner, EmptyState, ErrorBanner, HealthBadge, PhaseBadge, SyncBadge } from '../components/ui';
import { ResourcePanel } from '../components/ResourcePanel';
import { SyncDialog, DeleteDialog } from '../components/AppDialogs';
import { Link, navigate } from '../router';
import { toYaml } from '../state/diff';
import { useApplication, useResourceTree } from '../state/hooks';
import { isEmptyFilter, matchesResourceFilter, parseResourceFilter } from '../state/resource-filter';
import { routePath, type AppRoute, type AppTab, type PanelTab } from '../state/route';
import { clusterOf, healthOf, isOperationInProgress, namespaceOf, shortRevision, sourceOf, syncOf, timeAgo } from '../state/status';
import { sortResources, treeResources, type TreeResource } from '../state/tree';

const ResourceGraph = lazy(() => import('../components/ResourceGraph').then((m) => ({ default: m.ResourceGraph })));

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
  const [refreshing, setRefreshing] = useState<'normal' | 'hard' | undefined>(undefined);
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

  if (error !== undefined && app === undefined) {
    return (
      <main id="main" className="page">
        <nav aria-label="Breadcrumb" className="crumbs">
          <Link to="/applications">Applications</Link> / {name}
        </nav>
        <ErrorBanner error={error} />
        {error instanceof ApiError && (error.kind === 'notFound' || error.kind === 'forbidden') ? (
          <EmptyState title={`Application ${route.appNamespace === undefined ? '' : `${route.appNamespace}/`}${name} is not available`}>
            <Link to="/applications">Back to the applications</Link>
          </EmptyState>
        ) : null}
      </main>
    );
  }
  if (app === undefined) {
    return (
      <main id="main" className="page">
        <div className="loading" role="status">
          Loading {name}…
        </div>
      </main>
    );
  }

  const refresh = (kind: 'normal' | 'hard') => {
    setRefreshing(kind);
    applicationService
      .get(appIdOf(app), kind)
      .then(setApp)
      .catch(setActionError)
      .finally(() => {
        setRefreshing(undefined);
      });
  };
  const terminate = () => {
    applicationService
      .terminate(appIdOf(app))
      .then(() => {
        setNotice('Termination requested.');
      })
      .catch(setActionError);
  };

  const op = app.status?.operationState;
  const conditions = app.status?.conditions ?? [];
  const running = isOperationInProgress(app);
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
        <div className="toolbar" role="toolbar" aria-label="Application actions">
          <button type="button" className="btn btn-primary" onClick={() => { setSyncOpen(true); }} disabled={deleting}>
            Sync
          </button>
          <button type="button" className="btn" onClick={() => { refresh('normal'); }} disabled={refreshing !== undefined}>
            {refreshing === 'normal' ? 'Refreshing…' : 'Refresh'}
          </button>
          <button type="button" className="btn" onClick={() => { refresh('hard'); }} disabled={refreshing !== undefined}>
            {refreshing === 'hard' ? 'Refreshing…' : 'Hard refresh'}
          </button>
          <Link className="btn" to={hrefFor({ tab: 'history', node: undefined, panelTab: undefined })}>
            Rollback
          </Link>
          {running ? (
            <button type="button" className="btn btn-warn" onClick={terminate}>
              Terminate
            </button>
          ) : null}
          <button type="button" className="btn btn-danger" onClick={() => { setDeleteOpen(true); }}>
            Delete
          </button>
        </div>
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

function AppHeader({ app }: { app: Application }) {
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

function OperationSummary({ app, onOpen }: { app: Application; onOpen: () => void }) {
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

const RESULT_COLUMNS: Column<ResourceResult>[] = [
  { header: 'Phase', cell: (r) => r.syncPhase ?? 'Sync' },
  { header: 'Kind', cell: (r) => r.kind },
  { header: 'Namespace', cell: (r) => r.namespace ?? '' },
  { header: 'Name', cell: (r) => r.name },
  { header: 'Result', cell: (r) => r.status ?? r.hookPhase ?? '' },
  { header: 'Hook', cell: (r) => (r.hookType === undefined ? '' : `${r.hookType}${r.hookPhase === undefined ? '' : ` (${r.hookPhase})`}`) },
  { header: 'Message', cell: (r) => r.message ?? '', className: 'msg' },
];

function SyncProgress({ app }: { app: Application }) {
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

function ResourceList({ resources, onSelect }: { resources: readonly TreeResource[]; onSelect: (r: TreeResource) => void }) {
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

function History({ app, onError, onDone }: { app: Application; onError: (e: unknown) => void; onDone: (m: string) => void }) {
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

function editable(app: Application): Application {
  const { metadata, spec } = app;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: metadata.name,
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      ...(metadata.labels === undefined ? {} : { labels: metadata.labels }),
      ...(metadata.annotations === undefined ? {} : { annotations: metadata.annotations }),
      ...(metadata.finalizers === undefined ? {} : { finalizers: metadata.finalizers }),
      ...(metadata.resourceVersion === undefined ? {} : { resourceVersion: metadata.resourceVersion }),
    },
    spec,
  };
}

function ManifestEditor({ app, onSaved }: { app: Application; onSaved: (a: Application) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const start = () => {
    setText(toYaml(editable(app)));
    setEditing(true);
    setError(undefined);
  };
  const save = () => {
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch (err) {
      setError(err);
      return;
    }
    setSaving(true);
    applicationService
      .update(parsed as Application)
      .then((a) => {
        setEditing(false);
        onSaved(a);
      })
      .catch(setError)
      .finally(() => {
        setSaving(false);
      });
  };
  return (
    <div className="manifest">
      <div className="toolbar">
        {editing ? (
          <>
            <button type="button" className="btn btn-primary" onClick={save} disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="btn" onClick={() => { setEditing(false); }}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="btn" onClick={start}>
            Edit as YAML
          </button>
        )}
      </div>
      <ErrorBanner error={error} />
      {editing ? (
        <textarea className="code-edit" aria-label="Application manifest (YAML)" spellCheck={false} value={text} onChange={(e) => { setText(e.target.value); }} rows={30} />
      ) : (
        <pre className="code" tabIndex={0} aria-label="Application manifest">
          {toYaml(app)}
        </pre>
      )}
    </div>
  );
}
