// Project edits and tables.
import { describe, expect, it } from 'vitest';
import type { AppProject, AppProjectSpec } from '../../model/index.js';
import { addDestination, addRole, addSource, addWindow, allowClusterResource, denyClusterResource, parseDestination, projectDetails, projectListTable, removeDestination, removeSource } from './projects.js';

describe('edits', () => {
  it('sources and destinations are added once and removed exactly', () => {
    const spec: AppProjectSpec = {};
    expect(addSource(spec, 'https://a/*')).toBe(true);
    expect(addSource(spec, 'https://a/*')).toBe(false);
    expect(removeSource(spec, 'https://b')).toBe(false);
    expect(removeSource(spec, 'https://a/*')).toBe(true);
    expect(spec.sourceRepos).toEqual([]);
    const dest = parseDestination('https://kubernetes.default.svc,team-*');
    expect(dest).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'team-*' });
    expect(addDestination(spec, dest)).toBe(true);
    expect(addDestination(spec, { ...dest })).toBe(false);
    expect(addDestination(spec, { name: 'prod', namespace: 'x' })).toBe(true);
    expect(removeDestination(spec, dest)).toBe(true);
    expect(spec.destinations).toEqual([{ name: 'prod', namespace: 'x' }]);
  });
  it.each(['nocomma', ',ns', 'server,'])('refuses destination %j', (text) => {
    expect(() => parseDestination(text)).toThrow(/SERVER,NAMESPACE/);
  });
  it.each<[string, 'allow' | 'deny', (s: AppProjectSpec) => boolean, Partial<AppProjectSpec>]>([
    ['allow adds to the allow list', 'allow', (s) => allowClusterResource(s, '', 'Namespace'), { clusterResourceWhitelist: [{ group: 'x', kind: 'Y' }, { group: '', kind: 'Namespace' }], clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }] }],
    ['deny removes from the allow list', 'allow', (s) => denyClusterResource(s, 'x', 'Y'), { clusterResourceWhitelist: [], clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }] }],
    ['deny --list deny adds to the deny list', 'deny', (s) => denyClusterResource(s, 'a', 'B', 'deny'), { clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }, { group: 'a', kind: 'B' }] }],
    ['allow --list deny removes from the deny list', 'deny', (s) => allowClusterResource(s, '', 'Namespace', 'deny'), { clusterResourceBlacklist: [] }],
  ])('%s', (_name, _list, edit, expected) => {
    const spec: AppProjectSpec = { clusterResourceWhitelist: [{ group: 'x', kind: 'Y' }], clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }] };
    expect(edit(spec)).toBe(true);
    expect(spec).toMatchObject(expected);
  });
  it('roles and windows', () => {
    const spec: AppProjectSpec = {};
    expect(addRole(spec, 'ci', 'pipelines')).toBe(true);
    expect(addRole(spec, 'ci', undefined)).toBe(false);
    addWindow(spec, { kind: 'deny', schedule: '0 22 * * *', duration: '1h' });
    expect(spec.syncWindows).toHaveLength(1);
    expect(() => {
      addWindow(spec, { kind: 'deny', schedule: '* *', duration: '1h' });
    }).toThrow(/5-field cron/);
  });
});

describe('tables', () => {
  const project: AppProject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'team' },
    spec: { description: 'd', sourceRepos: ['*'], destinations: [{ server: 's', namespace: 'a' }, { server: 's', namespace: 'b' }], roles: [{ name: 'ci', policies: ['p'] }] },
  };
  it('proj list summarises lists', () => {
    const [header, row] = projectListTable([project]).split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'DESCRIPTION', 'DESTINATIONS', 'SOURCES', 'CLUSTER-RESOURCE-WHITELIST', 'NAMESPACE-RESOURCE-BLACKLIST', 'SIGNATURE-KEYS', 'ORPHANED-RESOURCES', 'DESTINATION-SERVICE-ACCOUNTS']);
    expect(row?.split(/\s{2,}/)).toEqual(['team', 'd', '2 destinations', '*', '<none>', '<none>', '<none>', 'disabled', '<none>']);
  });
  it('proj get', () => {
    const text = projectDetails(project);
    expect(text).toContain('Destinations:       s,a\n                    s,b\n');
    expect(text).toMatch(/^ci\s+1$/m);
  });
});
