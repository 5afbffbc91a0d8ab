import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  defaultProject,
  defaultProjectSpec,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isResourcePermitted,
  isSourcePermitted,
  normalizeRepoUrl,
  parseAppProject,
  validateAppProject,
  type AppProject,
  type DestinationRef,
  type ProjectLike,
} from './project.js';

function fixture(name: string): Record<string, unknown> {
  return parseYaml(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const documented = parseAppProject(fixture('project-documented.yaml'));
const denyPatterns = parseAppProject(fixture('project-deny-patterns.yaml'));
const builtinDefault: ProjectLike = { spec: defaultProjectSpec() };
const spec = (s: ProjectLike['spec']): ProjectLike => ({ spec: s });

describe('AppProject fixtures', () => {
  it.each(['project-documented.yaml', 'project-deny-patterns.yaml', 'project-default.yaml'])('%s validates and round-trips', (name) => {
    const input = fixture(name);
    const result = validateAppProject(input);
    expect(result.ok ? [] : result.errors).toEqual([]);
    if (result.ok) expect(result.value).toStrictEqual(input);
  });

  it('the built-in default project equals the documented one', () => {
    const documentedDefault = fixture('project-default.yaml');
    expect(defaultProject('argocd')).toStrictEqual(documentedDefault);
  });
});

describe('isSourcePermitted', () => {
  it.each<[string, ProjectLike, string, boolean]>([
    ['default project, any repo', builtinDefault, 'https://github.com/org/repo.git', true],
    ['documented project, any repo', documented, 'git@github.com:org/repo.git', true],
    ['no sourceRepos', spec({}), 'https://github.com/org/repo', false],
    ['exact URL, .git and case ignored', spec({ sourceRepos: ['https://GitHub.com/org/repo.git'] }), 'https://github.com/org/repo', true],
    ['other repo', spec({ sourceRepos: ['https://github.com/org/repo'] }), 'https://github.com/org/other', false],
    ['* stays in one segment', spec({ sourceRepos: ['https://github.com/org/*'] }), 'https://github.com/org/repo', true],
    ['* does not cross /', spec({ sourceRepos: ['https://github.com/org/*'] }), 'https://github.com/org/group/repo', false],
    ['** crosses /', spec({ sourceRepos: ['https://github.com/org/**'] }), 'https://github.com/org/group/repo', true],
    ['scp form matches ssh:// form', spec({ sourceRepos: ['ssh://git@github.com/org/repo'] }), 'git@github.com:org/repo.git', true],
    ['negated repo is denied', denyPatterns, 'git@github.com:argoproj/test.git', false],
    ['negated group (**) is denied', denyPatterns, 'https://gitlab.com/group/sub/repo', false],
    ['others allowed next to negations', denyPatterns, 'https://gitlab.com/other/repo', true],
    ['negation alone allows nothing', spec({ sourceRepos: ['!https://github.com/org/bad'] }), 'https://github.com/org/good', false],
  ])('%s', (_name, project, url, expected) => {
    expect(isSourcePermitted(project, url)).toBe(expected);
  });
});

describe('isDestinationPermitted', () => {
  const inCluster = 'https://kubernetes.default.svc';
  it.each<[string, ProjectLike, DestinationRef, boolean]>([
    ['default project, any server and namespace', builtinDefault, { server: inCluster, name: 'in-cluster', namespace: 'anything' }, true],
    ['default project needs the resolved server (name alone matches no server glob)', builtinDefault, { name: 'in-cluster', namespace: 'x' }, false],
    ['documented: exact namespace', documented, { server: inCluster, namespace: 'guestbook' }, true],
    ['documented: namespace glob', documented, { server: inCluster, namespace: 'guestbook-dev' }, true],
    ['documented: by cluster name', documented, { name: 'in-cluster', namespace: 'guestbook' }, true],
    ['documented: other namespace', documented, { server: inCluster, namespace: 'kube-system' }, false],
    ['documented: other cluster', documented, { server: 'https://other:6443', namespace: 'guestbook' }, false],
    ['deny: kube-system on any cluster', denyPatterns, { server: inCluster, namespace: 'kube-system' }, false],
    ['deny: team1 clusters', denyPatterns, { server: 'https://team1-prod:6443', namespace: 'app' }, false],
    ['deny: everything else allowed', denyPatterns, { server: 'https://team2:6443', namespace: 'app' }, true],
    ['no destinations', spec({}), { server: inCluster, namespace: 'app' }, false],
    [
      'cluster-scoped destination (empty namespace) matches "*"',
      spec({ destinations: [{ server: '*', namespace: '*' }] }),
      { server: inCluster, namespace: '' },
      true,
    ],
    [
      'a !name rule rejects a destination given without its name, as in Argo CD',
      spec({ destinations: [{ server: '*', namespace: '*' }, { name: '!prod', namespace: '*' }] }),
      { server: inCluster, namespace: 'a' },
      false,
    ],
    [
      'a !name rule passes other names',
      spec({ destinations: [{ server: '*', namespace: '*' }, { name: '!prod', namespace: '*' }] }),
      { server: inCluster, name: 'staging', namespace: 'a' },
      true,
    ],
  ])('%s', (_name, project, dest, expected) => {
    expect(isDestinationPermitted(project, dest)).toBe(expected);
  });

  it('permitOnlyProjectScopedClusters needs the destination among the project clusters', () => {
    const project = spec({ destinations: [{ server: '*', namespace: '*' }], permitOnlyProjectScopedClusters: true });
    const dest = { server: 'https://a:6443', name: 'a', namespace: 'x' };
    expect(isDestinationPermitted(project, dest)).toBe(false);
    expect(isDestinationPermitted(project, dest, { projectClusters: [{ server: 'https://b:6443', name: 'b' }] })).toBe(false);
    expect(isDestinationPermitted(project, dest, { projectClusters: [{ server: 'https://a:6443' }] })).toBe(true);
  });
});

describe('isResourcePermitted', () => {
  it.each<[string, ProjectLike, string, string, boolean, string | undefined, boolean]>([
    ['default: any namespaced kind', builtinDefault, 'apps', 'Deployment', true, undefined, true],
    ['default: any cluster-scoped kind', builtinDefault, 'rbac.authorization.k8s.io', 'ClusterRole', false, undefined, true],
    ['no lists: namespaced allowed', spec({}), 'apps', 'Deployment', true, undefined, true],
    ['no lists: cluster-scoped denied', spec({}), '', 'Namespace', false, undefined, false],
    ['documented: whitelisted Namespace', documented, '', 'Namespace', false, 'team-a', true],
    ['documented: blacklisted Namespace name kube-*', documented, '', 'Namespace', false, 'kube-public', false],
    ['documented: ClusterRole not whitelisted', documented, 'rbac.authorization.k8s.io', 'ClusterRole', false, undefined, false],
    ['documented: whitelisted Deployment', documented, 'apps', 'Deployment', true, undefined, true],
    ['documented: DaemonSet missing from the whitelist', documented, 'apps', 'DaemonSet', true, undefined, false],
    ['documented: blacklisted ResourceQuota', documented, '', 'ResourceQuota', true, undefined, false],
    ['deny patterns: Cluster* RBAC blacklisted', denyPatterns, 'rbac.authorization.k8s.io', 'ClusterRoleBinding', false, undefined, false],
    ['deny patterns: other cluster kinds allowed', denyPatterns, 'apiextensions.k8s.io', 'CustomResourceDefinition', false, undefined, true],
    ['empty group matches only the core group', spec({ namespaceResourceBlacklist: [{ group: '', kind: 'Secret' }] }), 'example.com', 'Secret', true, undefined, true],
    ['explicit empty whitelist allows no namespaced kind', spec({ namespaceResourceWhitelist: [] }), '', 'ConfigMap', true, undefined, false],
    [
      'namespaced blacklist with wildcard kind',
      spec({ namespaceResourceBlacklist: [{ group: 'networking.k8s.io', kind: '*' }] }),
      'networking.k8s.io',
      'Ingress',
      true,
      undefined,
      false,
    ],
  ])('%s', (_name, project, group, kind, namespaced, name, expected) => {
    expect(isResourcePermitted(project, group, kind, namespaced, name)).toBe(expected);
  });
});

describe('isAppNamespacePermitted', () => {
  it.each([
    ['argocd', true],
    ['', true],
    ['argocd-apps-team1', true],
    ['team1', false],
  ])('documented project, app in %j → %s', (ns, expected) => {
    expect(isAppNamespacePermitted(documented, ns, 'argocd')).toBe(expected);
  });

  it('accepts /regexp/ entries', () => {
    expect(isAppNamespacePermitted(spec({ sourceNamespaces: ['/^team-[0-9]+$/'] }), 'team-42', 'argocd')).toBe(true);
    expect(isAppNamespacePermitted(spec({ sourceNamespaces: ['/^team-[0-9]+$/'] }), 'team-x', 'argocd')).toBe(false);
  });
});

describe('normalizeRepoUrl', () => {
  it.each([
    ['https://GitHub.com/Org/Repo.git/', 'https://github.com/org/repo'],
    ['git@github.com:org/repo.git', 'git@github.com/org/repo'],
    ['ssh://git@github.com/org/repo', 'git@github.com/org/repo'],
  ])('%s → %s', (url, expected) => {
    expect(normalizeRepoUrl(url)).toBe(expected);
  });
});

function project(specPatch: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p', namespace: 'argocd' }, spec: specPatch };
}

describe('validateAppProject rejects', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['spec as a string', { ...project({}), spec: 'x' }, 'spec: expected object, got string'],
    ['!* source', project({ sourceRepos: ['!*'] }), 'spec.sourceRepos[0]: "!*" is not allowed (it would deny every repository)'],
    ['duplicate source', project({ sourceRepos: ['https://a.example.com/x.git', 'https://A.example.com/x'] }), 'spec.sourceRepos[1]: "https://A.example.com/x" is listed twice'],
    ['!* namespace', project({ destinations: [{ server: '*', namespace: '!*' }] }), 'spec.destinations[0].namespace: "!*" is not allowed (it would deny every destination)'],
    ['kind restriction without group', project({ clusterResourceWhitelist: [{ kind: 'Namespace' }] }), 'spec.clusterResourceWhitelist[0].group: required'],
    ['role policy for another project', project({ roles: [{ name: 'ci', policies: ['p, proj:other:ci, applications, sync, other/*, allow'] }] }), 'spec.roles[0].policies[0]: subject must be "proj:p:ci", got "proj:other:ci"'],
    ['role policy object outside the project', project({ roles: [{ name: 'ci', policies: ['p, proj:p:ci, applications, sync, other/*, allow'] }] }), 'spec.roles[0].policies[0]: object must start with "p/", got "other/*"'],
    ['bad role name', project({ roles: [{ name: 'ci role' }] }), 'spec.roles[0].name: "ci role" must be letters, digits, "-" or "_", starting and ending with a letter or digit'],
    ['sync window kind', project({ syncWindows: [{ kind: 'maybe', schedule: '* * * * *', duration: '1h', applications: ['*'] }] }), 'spec.syncWindows[0].kind: must be one of "allow", "deny"'],
    ['sync window duration', project({ syncWindows: [{ kind: 'deny', schedule: '* * * * *', duration: '1 hour', applications: ['*'] }] }), 'spec.syncWindows[0].duration: not a duration like 1h/30m'],
    ['sync window schedule', project({ syncWindows: [{ kind: 'deny', schedule: 'daily', duration: '1h', clusters: ['*'] }] }), 'spec.syncWindows[0].schedule: "daily" is not a 5-field cron schedule'],
    ['sync window scope', project({ syncWindows: [{ kind: 'deny', schedule: '0 0 * * *', duration: '1h' }] }), 'spec.syncWindows[0]: needs at least one of applications, namespaces or clusters'],
  ])('%s', (_name, input, expected) => {
    const result = validateAppProject(input);
    expect(result.ok ? [] : result.errors).toContain(expected);
  });

  it('reads null metadata fields as absent', () => {
    const p = parseAppProject({ ...project({}), metadata: { name: 'p', namespace: 'argocd', labels: null, annotations: null } });
    expect(p.metadata).toEqual({ name: 'p', namespace: 'argocd' });
  });

  it('parseAppProject returns a typed project', () => {
    const p: AppProject = parseAppProject(project({ sourceRepos: ['*'] }));
    expect(p.spec.sourceRepos).toEqual(['*']);
  });
});
