// One resource of an application: summary, live and desired manifests, side-by-side diff (Secret values
// redacted), events, and Pod logs.
import { useMemo, useState } from 'react';
import { appIdOf, applicationService } from '../api/applications';
import { ApiError } from '../api/http';
import type { Application, KubeEvent, LogEntry, ResourceDiff } from '../api/types';
import { manifestsForDiff, parseManifest, sideBySide, type DiffRow } from '../state/diff';
import { useLoad } from '../state/hooks';
import { panelTabFor, type PanelTab } from '../state/route';
import { timeAgo } from '../state/status';
import type { TreeResource } from '../state/tree';
import { DataTable, type Column } from './DataTable';
import { Dialog, ErrorBanner, HealthBadge, SyncBadge } from './ui';

interface States {
  readonly target?: string | undefined;
  readonly live?: string | undefined;
  /** What the diff compares (Argo CD's compact diff): live without managedFields vs live with the desired fields applied. */
  readonly diffLive?: string | undefined;
  readonly diffDesired?: string | undefined;
}

/** Desired and live state: managed-resources first (both), the live resource route for the rest. */
async function loadStates(app: Application, r: TreeResource): Promise<States> {
  let target: string | undefined;
  let live: string | undefined;
  let diffLive: string | undefined;
  let diffDesired: string | undefined;
  if (r.managed) {
    const list = await applicationService.managedResources(appIdOf(app), r).catch(() => undefined);
    const match: ResourceDiff | undefined = list?.items?.find((d) => d.kind === r.kind && d.name === r.name && (d.namespace ?? '') === r.namespace && (d.group ?? '') === r.group);
    target = match?.targetState;
    live = match?.liveState;
    if (match?.normalizedLiveState !== undefined && match.normalizedLiveState !== 'null' && match.predictedLiveState !== undefined) {
      diffLive = match.normalizedLiveState;
      diffDesired = match.predictedLiveState;
    }
  }
  if (live === undefined || live === '' || live === 'null') {
    const res = await applicationService.liveResource(appIdOf(app), { ...r, version: r.version }).catch(() => undefined);
    live = res?.manifest;
  }
  return { target, live, diffLive, diffDesired };
}

/** The selected tab lives in the page's URL (`?node=…&tab=…`): `tab` is what it asks for, `onTab` changes it. */
export function ResourcePanel({ app, resource, tab: asked, onTab, onClose }: { app: Application; resource: TreeResource; tab: PanelTab | undefined; onTab: (tab: PanelTab) => void; onClose: () => void }) {
  const tab = panelTabFor(resource, asked);
  const states = useLoad(() => loadStates(app, resource), [app.metadata.name, resource.key, app.metadata.resourceVersion]);
  const tabs: [PanelTab, string][] = [
    ['summary', 'Summary'],
    ['manifest', 'Live manifest'],
    ['desired', 'Desired manifest'],
    ['diff', 'Diff'],
    ['events', 'Events'],
    ...(resource.kind === 'Pod' ? ([['logs', 'Logs']] as [PanelTab, string][]) : []),
  ];
  return (
    <Dialog title={`${resource.kind} ${resource.name}`} open onClose={onClose} wide>
      <div className="tabs" role="tablist" aria-label="Resource views">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'tab active' : 'tab'} onClick={() => { onTab(id); }}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tabs.find(([id]) => id === tab)?.[1]} className="panel-body">
        {tab === 'summary' ? <Summary r={resource} /> : null}
        {tab === 'manifest' || tab === 'desired' ? (
          <>
            <ErrorBanner error={states.error} />
            {states.loading && states.data === undefined ? <p role="status">Loading…</p> : <Manifest json={tab === 'manifest' ? states.data?.live : states.data?.target} missing={tab === 'manifest' ? 'The resource does not exist in the cluster.' : 'Git does not declare this resource (or it is not managed).'} />}
          </>
        ) : null}
        {tab === 'diff' ? states.loading && states.data === undefined ? <p role="status">Loading…</p> : <Diff target={states.data?.diffDesired ?? states.data?.target} live={states.data?.diffLive ?? states.data?.live} /> : null}
        {tab === 'events' ? <Events app={app} r={resource} /> : null}
        {tab === 'logs' ? <Logs app={app} r={resource} live={states.data?.live} /> : null}
      </div>
    </Dialog>
  );
}

function Summary({ r }: { r: TreeResource }) {
  return (
    <dl className="props">
      <dt>Kind</dt>
      <dd>
        {r.group === '' ? '' : `${r.group}/`}
        {r.kind}
      </dd>
      <dt>Name</dt>
      <dd>{r.name}</dd>
      <dt>Namespace</dt>
      <dd>{r.namespace === '' ? '—' : r.namespace}</dd>
      <dt>Sync</dt>
      <dd>{r.sync === undefined ? 'not managed directly' : <SyncBadge status={r.sync} />}</dd>
      <dt>Health</dt>
      <dd>
        {r.health === undefined ? '—' : <HealthBadge status={r.health} />} {r.healthMessage ?? ''}
      </dd>
      {r.createdAt === undefined ? null : (
        <>
          <dt>Created</dt>
          <dd>{timeAgo(r.createdAt)}</dd>
        </>
      )}
      {r.images.length === 0 ? null : (
        <>
          <dt>Images</dt>
          <dd>{r.images.join(', ')}</dd>
        </>
      )}
      {r.info.map((i) => (
        <div key={i.name} className="props-row">
          <dt>{i.name}</dt>
          <dd>{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Manifest({ json, missing }: { json: string | undefined; missing: string }) {
  const obj = parseManifest(json);
  if (obj === undefined) return <p className="muted">{missing}</p>;
  const { desired } = manifestsForDiff(json, undefined);
  return (
    <pre className="code" tabIndex={0} aria-label="Manifest">
      {desired}
    </pre>
  );
}

const CONTEXT = 3;

/** Rows to show: all of a small diff; changes with context lines for a big one. */
function visibleRows(rows: readonly DiffRow[], compact: boolean): (DiffRow | 'gap')[] {
  if (!compact) return [...rows];
  const keep = new Array<boolean>(rows.length).fill(false);
  rows.forEach((r, i) => {
    if (r.kind === 'same') return;
    for (let j = Math.max(0, i - CONTEXT); j <= Math.min(rows.length - 1, i + CONTEXT); j++) keep[j] = true;
  });
  const out: (DiffRow | 'gap')[] = [];
  rows.forEach((r, i) => {
    if (keep[i] === true) out.push(r);
    else if (out[out.length - 1] !== 'gap') out.push('gap');
  });
  return out;
}

function Diff({ target, live }: { target: string | undefined; live: string | undefined }) {
  const [compact, setCompact] = useState(true);
  const rows = useMemo(() => {
    const m = manifestsForDiff(target, live);
    return sideBySide(m.live, m.desired);
  }, [target, live]);
  const changes = rows.filter((r) => r.kind !== 'same').length;
  if (parseManifest(target) === undefined && parseManifest(live) === undefined) return <p className="muted">No manifests to compare.</p>;
  return (
    <div className="diff">
      <div className="toolbar">
        <span>{changes === 0 ? 'No differences.' : `${changes} changed ${changes === 1 ? 'line' : 'lines'}`}</span>
        <label className="check">
          <input type="checkbox" checked={compact} onChange={(e) => { setCompact(e.target.checked); }} /> Only changes (with context)
        </label>
      </div>
      <table className="diff-table" aria-label="Differences between live (left) and desired (right) manifests">
        <thead>
          <tr>
            <th scope="col" colSpan={2}>
              Live
            </th>
            <th scope="col" colSpan={2}>
              Desired
            </th>
          </tr>
        </thead>
        <tbody>
          {visibleRows(rows, compact && changes > 0).map((r, i) =>
            r === 'gap' ? (
              <tr key={i} className="diff-gap">
                <td colSpan={4}>⋯</td>
              </tr>
            ) : (
              <tr key={i} className={`diff-${r.kind}`}>
                <td className="ln">{r.left?.line ?? ''}</td>
                <td className={`code-cell ${r.kind === 'changed' || r.kind === 'removed' ? 'del' : ''}`}>{r.left?.text ?? ''}</td>
                <td className="ln">{r.right?.line ?? ''}</td>
                <td className={`code-cell ${r.kind === 'changed' || r.kind === 'added' ? 'add' : ''}`}>{r.right?.text ?? ''}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

const EVENT_COLUMNS: Column<KubeEvent>[] = [
  { header: 'Type', cell: (e) => e.type ?? '' },
  { header: 'Reason', cell: (e) => e.reason ?? '' },
  { header: 'Message', cell: (e) => e.message ?? '', className: 'msg' },
  { header: 'Count', cell: (e) => e.count ?? 1 },
  { header: 'Last seen', cell: (e) => timeAgo(e.lastTimestamp ?? e.eventTime) },
];

function Events({ app, r }: { app: Application; r: TreeResource }) {
  const { data, error, loading } = useLoad(() => applicationService.events(appIdOf(app), { kind: r.kind, name: r.name, namespace: r.namespace, ...(r.uid === undefined ? {} : { uid: r.uid }) }), [app.metadata.name, r.key]);
  const items: KubeEvent[] = [...(data?.items ?? [])].sort((a, b) => (b.lastTimestamp ?? b.eventTime ?? '').localeCompare(a.lastTimestamp ?? a.eventTime ?? ''));
  if (loading && data === undefined) return <p role="status">Loading events…</p>;
  // The server answers 404 when the object is not in the cluster (a Missing resource): nothing failed.
  const absent = error instanceof ApiError && error.kind === 'notFound';
  return (
    <>
      {absent ? <p className="muted">No events: the resource does not exist in the cluster.</p> : <ErrorBanner error={error} />}
      {items.length === 0 && error === undefined ? <p className="muted">No events.</p> : null}
      {items.length > 0 ? (
        <DataTable caption="Events" columns={EVENT_COLUMNS} rows={items} rowKey={(e, i) => e.metadata.uid ?? i} rowClassName={(e) => (e.type === 'Warning' ? 'event-warning' : '')} />
      ) : null}
    </>
  );
}

function Logs({ app, r, live }: { app: Application; r: TreeResource; live: string | undefined }) {
  const containers = useMemo(() => {
    const spec = parseManifest(live)?.['spec'] as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
    return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.name);
  }, [live]);
  const [container, setContainer] = useState<string>('');
  const chosen = container === '' ? (containers[containers.length - 1] ?? '') : container;
  const { data, error, loading, reload } = useLoad<LogEntry[]>(
    () => applicationService.logs(appIdOf(app), { namespace: r.namespace, podName: r.name, ...(chosen === '' ? {} : { container: chosen }), tailLines: 500 }),
    [app.metadata.name, r.key, chosen],
  );
  // The server answers 400 (cannot read the logs) or 404 when the kubelet has none to give: not a failure of the UI.
  const unavailable = error instanceof ApiError && (error.kind === 'invalid' || error.kind === 'notFound');
  return (
    <div className="logs">
      <div className="toolbar">
        {containers.length > 1 ? (
          <label>
            Container{' '}
            <select value={chosen} onChange={(e) => { setContainer(e.target.value); }}>
              {containers.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="button" className="btn btn-small" onClick={reload}>
          Reload
        </button>
      </div>
      {unavailable ? (
        <div className="empty-note" role="status">
          <p>
            <strong>No logs are available for this Pod.</strong> The node it runs on did not provide them (Pods of simulated nodes have none, and a
            container that has not started has none yet).
          </p>
          <p className="small muted">{error instanceof Error ? error.message : ''}</p>
        </div>
      ) : (
        <ErrorBanner error={error} />
      )}
      {loading && data === undefined ? <p role="status">Loading logs…</p> : null}
      {unavailable ? null : (
        <pre className="code logs-body" tabIndex={0} aria-label="Logs">
          {(data ?? []).map((e) => e.content ?? '').join('\n') || (loading ? '' : '(no output)')}
        </pre>
      )}
    </div>
  );
}
