// What a project allows: sources, destinations, resource kinds, roles and sync windows.
import type { AppProject } from '../../api/types';

export function ProjectDetails({ p }: { p: AppProject }) {
  const s = p.spec;
  const gk = (list: { group: string; kind: string }[] | undefined) => (list === undefined || list.length === 0 ? '—' : list.map((x) => `${x.group === '' ? 'core' : x.group}/${x.kind}`).join(', '));
  return (
    <dl className="props">
      <dt>Description</dt>
      <dd>{s.description ?? '—'}</dd>
      <dt>Sources</dt>
      <dd>{(s.sourceRepos ?? []).join(', ') || '—'}</dd>
      <dt>Destinations</dt>
      <dd>{(s.destinations ?? []).map((d) => `${d.name ?? d.server ?? '*'} / ${d.namespace ?? '*'}`).join(', ') || '—'}</dd>
      <dt>Cluster resources allowed</dt>
      <dd>{gk(s.clusterResourceWhitelist)}</dd>
      <dt>Cluster resources denied</dt>
      <dd>{gk(s.clusterResourceBlacklist)}</dd>
      <dt>Namespaced resources allowed</dt>
      <dd>{gk(s.namespaceResourceWhitelist)}</dd>
      <dt>Namespaced resources denied</dt>
      <dd>{gk(s.namespaceResourceBlacklist)}</dd>
      <dt>Roles</dt>
      <dd>{(s.roles ?? []).map((r) => `${r.name} (${(r.policies ?? []).length} policies${(r.groups ?? []).length > 0 ? `, groups: ${(r.groups ?? []).join(', ')}` : ''})`).join('; ') || '—'}</dd>
      <dt>Sync windows</dt>
      <dd>{(s.syncWindows ?? []).map((w) => `${w.kind} ${w.schedule} for ${w.duration}${w.manualSync === true ? ' (manual sync allowed)' : ''}`).join('; ') || '—'}</dd>
    </dl>
  );
}
