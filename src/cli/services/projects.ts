// AppProject edits behind `proj add-source`, `add-destination`, `allow-cluster-resource`, `role create`,
// `windows add` …, and argocd's project tables. Pure: each edit changes a spec and says whether it did.
import { UserError, errorCodes } from '../../errors.js';
import type { AppProject, AppProjectSpec, SyncWindow } from '../../model/index.js';
import { formatKeyValues, formatTable } from './table.js';

const bad = (message: string): UserError => new UserError(errorCodes.CLI_INVALID_ARGUMENT, message);

export function addSource(spec: AppProjectSpec, repo: string): boolean {
  if ((spec.sourceRepos ?? []).includes(repo)) return false;
  spec.sourceRepos = [...(spec.sourceRepos ?? []), repo];
  return true;
}

export function removeSource(spec: AppProjectSpec, repo: string): boolean {
  const before = spec.sourceRepos ?? [];
  spec.sourceRepos = before.filter((r) => r !== repo);
  return spec.sourceRepos.length !== before.length;
}

export interface DestinationArg {
  server?: string;
  name?: string;
  namespace: string;
}

/** `SERVER,NAMESPACE` (argocd's `--dest` form); `byName` reads the first part as a cluster name. */
export function parseDestination(text: string, byName = false): DestinationArg {
  const i = text.lastIndexOf(',');
  if (i <= 0 || i === text.length - 1) throw bad(`a destination is SERVER,NAMESPACE (e.g. https://kubernetes.default.svc,team-*), got "${text}"`);
  const where = text.slice(0, i);
  return { ...(byName ? { name: where } : { server: where }), namespace: text.slice(i + 1) };
}

const sameDestination = (a: { server?: string | undefined; name?: string | undefined; namespace?: string | undefined }, b: DestinationArg): boolean =>
  (a.server ?? '') === (b.server ?? '') && (a.name ?? '') === (b.name ?? '') && (a.namespace ?? '') === b.namespace;

export function addDestination(spec: AppProjectSpec, dest: DestinationArg): boolean {
  if ((spec.destinations ?? []).some((d) => sameDestination(d, dest))) return false;
  spec.destinations = [...(spec.destinations ?? []), { ...dest }];
  return true;
}

export function removeDestination(spec: AppProjectSpec, dest: DestinationArg): boolean {
  const before = spec.destinations ?? [];
  spec.destinations = before.filter((d) => !sameDestination(d, dest));
  return spec.destinations.length !== before.length;
}

type ListName = 'allow' | 'deny';
const listKey = (list: ListName): 'clusterResourceWhitelist' | 'clusterResourceBlacklist' => (list === 'allow' ? 'clusterResourceWhitelist' : 'clusterResourceBlacklist');

/** Adds `group/kind` to `list` (`add`), or removes it from it; answers whether the list changed. */
function changeClusterResourceList(spec: AppProjectSpec, list: ListName, group: string, kind: string, add: boolean): boolean {
  const key = listKey(list);
  const current = spec[key] ?? [];
  if (add) {
    if (current.some((r) => r.group === group && r.kind === kind)) return false;
    spec[key] = [...current, { group, kind }];
    return true;
  }
  spec[key] = current.filter((r) => !(r.group === group && r.kind === kind));
  return spec[key].length !== current.length;
}

/** Argo CD's semantics: allowing adds to the allow list, or removes from the deny list (`--list deny`). */
export function allowClusterResource(spec: AppProjectSpec, group: string, kind: string, list: ListName = 'allow'): boolean {
  return changeClusterResourceList(spec, list, group, kind, list === 'allow');
}

/** Denying removes from the allow list, or adds to the deny list (`--list deny`). */
export function denyClusterResource(spec: AppProjectSpec, group: string, kind: string, list: ListName = 'allow'): boolean {
  return changeClusterResourceList(spec, list, group, kind, list === 'deny');
}

export function addRole(spec: AppProjectSpec, name: string, description: string | undefined): boolean {
  if ((spec.roles ?? []).some((r) => r.name === name)) return false;
  spec.roles = [...(spec.roles ?? []), { name, ...(description === undefined ? {} : { description }) }];
  return true;
}

export function addWindow(spec: AppProjectSpec, window: SyncWindow): void {
  if (window.kind !== 'allow' && window.kind !== 'deny') throw bad('--kind must be allow or deny');
  if (window.schedule === undefined || window.schedule.trim().split(/\s+/).length !== 5) throw bad('--schedule wants a 5-field cron expression, e.g. "0 22 * * *"');
  if (window.duration === undefined) throw bad('--duration is required, e.g. 1h');
  spec.syncWindows = [...(spec.syncWindows ?? []), window];
}

const destText = (d: { server?: string | undefined; name?: string | undefined; namespace?: string | undefined }): string => `${d.server ?? d.name ?? ''},${d.namespace ?? ''}`;
const gkText = (list: { group: string; kind: string }[] | undefined): string => (list === undefined || list.length === 0 ? '<none>' : list.map((r) => `${r.group}/${r.kind}`).join(', '));

/** argocd's `proj list` summary of a list: the item, or "N items". */
function summary(list: string[], noun: string): string {
  if (list.length === 0) return '<none>';
  return list.length === 1 ? (list[0] ?? '') : `${list.length} ${noun}`;
}

export function projectListTable(projects: readonly AppProject[]): string {
  return formatTable(
    ['NAME', 'DESCRIPTION', 'DESTINATIONS', 'SOURCES', 'CLUSTER-RESOURCE-WHITELIST', 'NAMESPACE-RESOURCE-BLACKLIST', 'SIGNATURE-KEYS', 'ORPHANED-RESOURCES', 'DESTINATION-SERVICE-ACCOUNTS'],
    projects.map((p) => [
      p.metadata.name,
      p.spec.description ?? '',
      summary((p.spec.destinations ?? []).map(destText), 'destinations'),
      summary(p.spec.sourceRepos ?? [], 'repos'),
      summary((p.spec.clusterResourceWhitelist ?? []).map((r) => `${r.group}/${r.kind}`), 'resources'),
      summary((p.spec.namespaceResourceBlacklist ?? []).map((r) => `${r.group}/${r.kind}`), 'resources'),
      summary((p.spec.signatureKeys ?? []).map((k) => k.keyID), 'keys'),
      p.spec.orphanedResources === undefined ? 'disabled' : p.spec.orphanedResources.warn === true ? 'enabled (warn)' : 'enabled',
      summary((p.spec.destinationServiceAccounts ?? []).map((d) => `${d.server},${d.namespace ?? ''},${d.defaultServiceAccount}`), 'accounts'),
    ]),
  );
}

export function projectDetails(p: AppProject): string {
  const spec = p.spec;
  let text = formatKeyValues([
    ['Name', p.metadata.name],
    ['Description', spec.description ?? ''],
    ['Destinations', (spec.destinations ?? []).map(destText).join('\n' + ' '.repeat(20)) || '<none>'],
    ['Repositories', (spec.sourceRepos ?? []).join('\n' + ' '.repeat(20)) || '<none>'],
    ['Allowed Cluster Res', gkText(spec.clusterResourceWhitelist)],
    ['Denied Cluster Res', gkText(spec.clusterResourceBlacklist)],
    ['Denied NS Resources', gkText(spec.namespaceResourceBlacklist)],
    ['Signature keys', (spec.signatureKeys ?? []).map((k) => k.keyID).join(', ') || '<none>'],
    ['Orphaned Resources', spec.orphanedResources === undefined ? 'disabled' : `enabled (warn=${String(spec.orphanedResources.warn ?? false)})`],
  ]);
  if ((spec.roles ?? []).length > 0) text += `\n${formatTable(['ROLE-NAME', 'DESCRIPTION', 'POLICIES'], (spec.roles ?? []).map((r) => [r.name, r.description ?? '', String(r.policies?.length ?? 0)]))}`;
  if ((spec.syncWindows ?? []).length > 0) {
    text += `\n${formatTable(
      ['ID', 'KIND', 'SCHEDULE', 'DURATION', 'APPLICATIONS', 'NAMESPACES', 'CLUSTERS', 'MANUALSYNC', 'TIMEZONE'],
      (spec.syncWindows ?? []).map((w, i) => [
        String(i),
        w.kind ?? '',
        w.schedule ?? '',
        w.duration ?? '',
        (w.applications ?? []).join(',') || '-',
        (w.namespaces ?? []).join(',') || '-',
        (w.clusters ?? []).join(',') || '-',
        w.manualSync === true ? 'Enabled' : 'Disabled',
        w.timeZone ?? 'UTC',
      ]),
    )}`;
  }
  return text;
}
