// argocd's application tables: `app list`, the `app get` header and resource table, `-o tree`,
// `app history`, `app resources`.
import type { Application, ApplicationSource, ResourceResult, ResourceStatus } from '../../model/index.js';
import type { TreeNode } from './api/applications.js';
import { statusColor, type Painter } from './io.js';
import { kawaCommand } from './kawa-command.js';
import { formatKeyValues, formatTable, orNone } from './table.js';

const plain: Painter = (_color, text) => text;
const colored = (paint: Painter, status: string): string => {
  const color = statusColor(status);
  return color === undefined ? status : paint(color, status);
};

export const qualifiedName = (app: Application): string => (app.metadata.namespace === undefined ? app.metadata.name : `${app.metadata.namespace}/${app.metadata.name}`);

export function primarySource(app: Application): ApplicationSource | undefined {
  return app.spec.sources?.[0] ?? app.spec.source;
}

/** Manual, Auto or Auto-Prune (the SYNCPOLICY column). */
export function syncPolicyShort(app: Application): string {
  const automated = app.spec.syncPolicy?.automated;
  if (automated === undefined || automated.enabled === false) return 'Manual';
  return automated.prune === true ? 'Auto-Prune' : 'Auto';
}

/** Manual, Automated or Automated (Prune) (the `Sync Policy:` line). */
export function syncPolicyLong(app: Application): string {
  const automated = app.spec.syncPolicy?.automated;
  if (automated === undefined || automated.enabled === false) return 'Manual';
  return automated.prune === true ? 'Automated (Prune)' : 'Automated';
}

/** `<none>` or `Type(n),Type(m)`. */
export function conditionsSummary(app: Application): string {
  const counts = new Map<string, number>();
  for (const c of app.status?.conditions ?? []) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  if (counts.size === 0) return '<none>';
  return [...counts].map(([type, n]) => `${type}(${n})`).join(',');
}

export function appListTable(apps: readonly Application[], paint: Painter = plain): string {
  const rows = apps.map((app) => {
    const source = primarySource(app);
    const dest = app.spec.destination;
    return [
      qualifiedName(app),
      dest.server ?? dest.name ?? '',
      dest.namespace ?? '',
      app.spec.project,
      colored(paint, app.status?.sync?.status ?? ''),
      colored(paint, app.status?.health?.status ?? ''),
      syncPolicyShort(app),
      conditionsSummary(app),
      source?.repoURL ?? '',
      source?.path ?? source?.chart ?? '',
      source?.targetRevision ?? '',
    ];
  });
  return formatTable(['NAME', 'CLUSTER', 'NAMESPACE', 'PROJECT', 'STATUS', 'HEALTH', 'SYNCPOLICY', 'CONDITIONS', 'REPO', 'PATH', 'TARGET'], rows);
}

const short = (sha: string | undefined): string => (sha === undefined ? '' : sha.slice(0, 7));

function sourceLines(source: ApplicationSource): [string, string][] {
  const lines: [string, string][] = [
    ['- Repo', source.repoURL],
    ['  Target', source.targetRevision ?? ''],
  ];
  if (source.path !== undefined) lines.push(['  Path', source.path]);
  if (source.chart !== undefined) lines.push(['  Chart', source.chart]);
  if (source.ref !== undefined) lines.push(['  Ref', source.ref]);
  if (source.helm?.valueFiles !== undefined && source.helm.valueFiles.length > 0) lines.push(['  Helm Values', source.helm.valueFiles.join(',')]);
  if (source.kustomize?.namePrefix !== undefined) lines.push(['  Name Prefix', source.kustomize.namePrefix]);
  if (source.kustomize?.nameSuffix !== undefined) lines.push(['  Name Suffix', source.kustomize.nameSuffix]);
  return lines;
}

export function durationText(fromIso: string | undefined, toIso: string | undefined): string {
  if (fromIso === undefined || toIso === undefined) return '';
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60}s` : `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

/** The key/value header of `app get`. `url` is the app's page on the server. */
export function appHeader(app: Application, url: string, options: { showOperation?: boolean } = {}): string {
  const status = app.status;
  const sources = app.spec.sources ?? (app.spec.source === undefined ? [] : [app.spec.source]);
  const pairs: [string, string][] = [
    ['Name', qualifiedName(app)],
    ['Project', app.spec.project],
    ['Server', app.spec.destination.server ?? app.spec.destination.name ?? ''],
    ['Namespace', app.spec.destination.namespace ?? ''],
    ['URL', url],
  ];
  pairs.push([sources.length > 1 ? 'Sources' : 'Source', '']);
  for (const source of sources) pairs.push(...sourceLines(source));
  pairs.push(['Sync Policy', syncPolicyLong(app)]);
  const syncStatus = status?.sync?.status;
  const target = primarySource(app)?.targetRevision ?? 'HEAD';
  const revision = status?.sync?.revision;
  pairs.push(['Sync Status', syncStatus === undefined ? '' : `${syncStatus === 'Synced' ? 'Synced to' : `${syncStatus} from`} ${target || 'HEAD'}${revision === undefined || revision === '' ? '' : ` (${short(revision)})`}`]);
  pairs.push(['Health Status', status?.health?.status ?? '']);
  let text = formatKeyValues(pairs);
  const conditions = status?.conditions ?? [];
  if (conditions.length > 0) {
    text += `\n${formatTable(
      ['CONDITION', 'MESSAGE', 'LAST TRANSITION'],
      conditions.map((c) => [c.type, c.message, c.lastTransitionTime ?? '']),
    )}`;
  }
  const op = status?.operationState;
  if (options.showOperation === true && op !== undefined) {
    text += `\n${formatKeyValues([
      ['Operation', op.operation.sync === undefined ? 'Unknown' : 'Sync'],
      ['Sync Revision', op.syncResult?.revision ?? op.operation.sync?.revision ?? ''],
      ['Phase', op.phase],
      ['Start', op.startedAt],
      ['Finished', op.finishedAt ?? ''],
      ['Duration', durationText(op.startedAt, op.finishedAt ?? new Date().toISOString())],
      ['Message', op.message ?? ''],
    ])}`;
  }
  return text;
}

const resultKey = (r: { group?: string | undefined; kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string =>
  `${r.group ?? ''}/${r.kind ?? ''}/${r.namespace ?? ''}/${r.name ?? ''}`;

/** The resource table: managed resources with their last sync message, then the hooks of the last operation. */
export function resourceRows(app: Application, paint: Painter = plain): string[][] {
  const results = app.status?.operationState?.syncResult?.resources ?? [];
  const messages = new Map<string, ResourceResult>();
  for (const r of results) if (r.hookType === undefined) messages.set(resultKey(r), r);
  const rows = (app.status?.resources ?? []).map((r: ResourceStatus) => [
    r.group ?? '',
    r.kind ?? '',
    r.namespace ?? '',
    r.name ?? '',
    colored(paint, r.status ?? ''),
    colored(paint, r.health?.status ?? ''),
    '',
    messages.get(resultKey(r))?.message ?? r.health?.message ?? '',
  ]);
  for (const hook of results.filter((r) => r.hookType !== undefined)) {
    rows.push([hook.group ?? '', hook.kind ?? '', hook.namespace ?? '', hook.name ?? '', colored(paint, hook.hookPhase ?? ''), '', hook.hookType ?? '', hook.message ?? '']);
  }
  return rows;
}

export function resourceTable(app: Application, paint: Painter = plain): string {
  return formatTable(['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HEALTH', 'HOOK', 'MESSAGE'], resourceRows(app, paint));
}

/** `-o tree`: managed resources, their children (ReplicaSets, Pods …) indented below them. */
export function treeTable(app: Application, nodes: readonly TreeNode[], paint: Painter = plain): string {
  const byParent = new Map<string, TreeNode[]>();
  const nodeKey = (n: { group?: string | undefined; kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string => resultKey(n);
  for (const node of nodes) {
    for (const parent of node.parentRefs ?? []) {
      const key = nodeKey(parent);
      byParent.set(key, [...(byParent.get(key) ?? []), node]);
    }
  }
  const rows: string[][] = [];
  const seen = new Set<string>();
  const walk = (node: TreeNode, prefix: string, depth: number): void => {
    const key = nodeKey(node);
    if (seen.has(key) || depth > 20) return;
    seen.add(key);
    const children = byParent.get(key) ?? [];
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      rows.push([`${prefix}${last ? '└─' : '├─'}${child.kind}/${child.name}`, '', colored(paint, child.health?.status ?? ''), child.health?.message ?? '']);
      walk(child, `${prefix}${last ? '  ' : '│ '}`, depth + 1);
    });
  };
  for (const r of app.status?.resources ?? []) {
    rows.push([`${r.kind ?? ''}/${r.name ?? ''}`, colored(paint, r.status ?? ''), colored(paint, r.health?.status ?? ''), r.health?.message ?? '']);
    walk({ kind: r.kind ?? '', name: r.name ?? '', ...(r.group === undefined ? {} : { group: r.group }), ...(r.namespace === undefined ? {} : { namespace: r.namespace }) }, '', 0);
  }
  return formatTable(['KIND/NAME', 'STATUS', 'HEALTH', 'MESSAGE'], rows);
}

/** `app history`: per source, ID DATE REVISION. */
export function historyTable(app: Application): string {
  const history = app.status?.history ?? [];
  if (history.length === 0) return `No deployment history yet: sync the application first (\`${kawaCommand('app sync NAME')}\`).\n`;
  const groups = new Map<string, string[][]>();
  for (const entry of history) {
    const source = entry.source?.repoURL ?? entry.sources?.map((s) => s.repoURL).join(',') ?? '';
    const revision = entry.revision ?? entry.revisions?.join(',') ?? '';
    const target = entry.source?.targetRevision;
    const shown = target !== undefined && target !== '' && target !== revision ? `${target} (${short(revision)})` : revision;
    groups.set(source, [...(groups.get(source) ?? []), [String(entry.id), entry.deployedAt ?? '', shown]]);
  }
  return [...groups]
    .map(([source, rows]) => `${formatKeyValues([['SOURCE', source]]).replace(/^SOURCE:\s*/, 'SOURCE  ')}${formatTable(['ID', 'DATE', 'REVISION'], rows)}`)
    .join('\n');
}

export function resourcesTable(app: Application): string {
  return formatTable(
    ['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'ORPHANED'],
    (app.status?.resources ?? []).map((r) => [r.group ?? '', r.kind ?? '', r.namespace ?? '', r.name ?? '', 'No']),
  );
}

export { orNone };
