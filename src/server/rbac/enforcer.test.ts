// Table-driven RBAC cases, most taken from the examples in Argo CD's rbac.md.
import { describe, expect, it } from 'vitest';
import { customAction, resourceAction } from './actions.js';
import { buildEnforcer, groupsFromClaims, type EnforcerOptions, type RbacSubject } from './enforcer.js';
import { loadProjectRoles } from './projects.js';

type Case = [who: string, subject: RbacSubject, resource: string, action: string, object: string, allowed: boolean];

interface Scenario {
  name: string;
  data?: Record<string, string>;
  projects?: unknown[];
  options?: EnforcerOptions;
  cases: Case[];
}

const user = (name: string, groups: string[] = []): RbacSubject => ({ user: name, groups });
const projectToken = (project: string, role: string): RbacSubject => ({
  user: `proj:${project}:${role}`,
  groups: [],
  projectRoleToken: { project, role },
});

const appProject = (name: string, roles: unknown[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name }, spec: { roles } });

const SCENARIOS: Scenario[] = [
  {
    name: 'built-in policy only',
    cases: [
      ['admin gets an app', user('admin'), 'applications', 'get', 'default/guestbook', true],
      ['admin syncs an app', user('admin'), 'applications', 'sync', 'default/guestbook', true],
      ['admin deletes a cluster', user('admin'), 'clusters', 'delete', 'https://kubernetes.default.svc', true],
      ['admin updates an app resource', user('admin'), 'applications', 'update/apps/Deployment/prod/web', 'default/guestbook', true],
      ['admin runs an action', user('admin'), 'applications', 'action/apps/Deployment/restart', 'default/guestbook', true],
      ['admin execs into a pod', user('admin'), 'exec', 'create', 'default/guestbook', true],
      ['admin updates an account', user('admin'), 'accounts', 'update', 'alice', true],
      ['admin in another namespace', user('admin'), 'applications', 'delete', 'default/team-ns/guestbook', true],
      ['unknown user gets nothing', user('alice'), 'applications', 'get', 'default/guestbook', false],
      ['role:readonly gets clusters', user('role:readonly'), 'clusters', 'get', 'https://kubernetes.default.svc', true],
      ['role:readonly cannot sync', user('role:readonly'), 'applications', 'sync', 'default/guestbook', false],
      ['role:readonly reads logs', user('role:readonly'), 'logs', 'get', 'default/guestbook', true],
      ['role:readonly cannot exec', user('role:readonly'), 'exec', 'create', 'default/guestbook', false],
      ['admin cannot do what does not exist', user('admin'), 'accounts', 'delete', 'alice', false],
    ],
  },
  {
    name: 'policy.default: role:readonly',
    data: { 'policy.default': 'role:readonly' },
    cases: [
      ['any user gets apps', user('alice'), 'applications', 'get', 'default/guestbook', true],
      ['any user gets repositories', user('alice'), 'repositories', 'get', 'https://github.com/argoproj/argocd-example-apps', true],
      ['but cannot sync', user('alice'), 'applications', 'sync', 'default/guestbook', false],
      ['nor create projects', user('alice'), 'projects', 'create', 'team-a', false],
    ],
  },
  {
    name: 'custom roles and groups (argocd-rbac-cm.yaml example)',
    data: {
      'policy.csv': [
        '# Grant all members of my-org:team-alpha the ability to sync apps in my-project',
        'p, my-org:team-alpha, applications, sync, my-project/*, allow',
        'g, my-org:team-beta, role:admin',
        'g, user@example.org, role:admin',
        'p, role:org-admin, applications, *, */*, allow',
        'p, role:org-admin, clusters, get, *, allow',
        'p, role:org-admin, repositories, get, *, allow',
        'p, role:org-admin, repositories, create, *, allow',
        'g, your-github-org:your-team, role:org-admin',
        'p, my-local-user, applications, sync, my-project/*, allow',
      ].join('\n'),
    },
    cases: [
      ['team-alpha syncs in my-project', user('sso|1', ['my-org:team-alpha']), 'applications', 'sync', 'my-project/guestbook', true],
      ['team-alpha not elsewhere', user('sso|1', ['my-org:team-alpha']), 'applications', 'sync', 'other/guestbook', false],
      ['team-alpha cannot get without a default role', user('sso|1', ['my-org:team-alpha']), 'applications', 'get', 'my-project/guestbook', false],
      ['team-beta is admin', user('sso|2', ['my-org:team-beta']), 'clusters', 'delete', 'https://k8s.example', true],
      ['a user mapped to admin', user('user@example.org'), 'projects', 'delete', 'team-a', true],
      ['org-admin does anything to apps', user('sso|3', ['your-github-org:your-team']), 'applications', 'delete', 'any/app', true],
      ['org-admin creates repositories', user('sso|3', ['your-github-org:your-team']), 'repositories', 'create', 'https://git.example/x', true],
      ['org-admin cannot delete clusters', user('sso|3', ['your-github-org:your-team']), 'clusters', 'delete', 'https://k8s.example', false],
      ['a policy on a local user', user('my-local-user'), 'applications', 'sync', 'my-project/app', true],
    ],
  },
  {
    name: 'deny wins',
    data: {
      'policy.csv': [
        'p, alice, applications, delete, prod/*, deny',
        'p, alice, applications, *, */*, allow',
        'p, role:dev, applications, sync, */*, allow',
        'g, devs, role:dev',
        'p, auditors, applications, sync, prod/*, deny',
        'p, bob, applications, get, */*, deny',
      ].join('\n'),
      'policy.default': 'role:readonly',
    },
    cases: [
      ['allow where nothing denies', user('alice'), 'applications', 'delete', 'staging/web', true],
      ['deny listed before the allow still wins', user('alice'), 'applications', 'delete', 'prod/web', false],
      ['a group role allows', user('carol', ['devs']), 'applications', 'sync', 'prod/web', true],
      ["one group's deny beats another group's allow", user('carol', ['devs', 'auditors']), 'applications', 'sync', 'prod/web', false],
      ["a group's deny beats the user's own allow", user('alice', ['auditors']), 'applications', 'sync', 'prod/web', false],
      ['the default role cannot be reduced by a deny', user('bob'), 'applications', 'get', 'prod/web', true],
    ],
  },
  {
    name: 'a deny in the default role is final',
    data: {
      'policy.csv': ['p, role:limited, applications, get, secret/*, deny', 'p, role:limited, applications, get, */*, allow', 'g, carol, role:admin'].join('\n'),
      'policy.default': 'role:limited',
    },
    cases: [
      ['even an admin is denied what the default role denies', user('carol'), 'applications', 'get', 'secret/vault', false],
      ['the admin keeps the rest', user('carol'), 'applications', 'delete', 'secret/vault', true],
    ],
  },
  {
    name: 'fine-grained application actions and globs',
    data: {
      'policy.csv': [
        'p, pod-deleter, applications, delete/*/Pod/*/*, default/prod-app, allow',
        'p, res-updater, applications, update/*, default/prod-app, allow',
        'p, careful, applications, delete, default/prod-app, deny',
        'p, careful, applications, delete/*/Pod/*/*, default/prod-app, allow',
        'p, actor, applications, action//Pod/maintenance-off, default/*, allow',
        'p, actor, applications, action/extensions/DaemonSet/*, default/*, allow',
        'p, ns-reader, applications, get, */app-namespace/*, allow',
        'p, globber, applications, get, "team-{a,b}/*", allow',
        'p, globber, clusters, get, https://kube-[0-9].example, allow',
        'p, globber, repositories, get, https://git.example/repo?, allow',
        'p, loose, applications, delete/*/kind/*, default/app, allow',
        'p, ext-user, applications, get, default/*, allow',
        'p, ext-user, extensions, invoke, httpbin, allow',
      ].join('\n'),
    },
    cases: [
      ['delete a Pod of the app', user('pod-deleter'), 'applications', 'delete//Pod/prod/web-1', 'default/prod-app', true],
      ['not a Deployment', user('pod-deleter'), 'applications', 'delete/apps/Deployment/prod/web', 'default/prod-app', false],
      ['not the app itself', user('pod-deleter'), 'applications', 'delete', 'default/prod-app', false],
      ['update any resource of the app', user('res-updater'), 'applications', 'update/apps/Deployment/prod/web', 'default/prod-app', true],
      ['but not the app (Argo CD 3)', user('res-updater'), 'applications', 'update', 'default/prod-app', false],
      ['deny the app, allow its Pods: Pod', user('careful'), 'applications', 'delete//Pod/prod/web-1', 'default/prod-app', true],
      ['deny the app, allow its Pods: app', user('careful'), 'applications', 'delete', 'default/prod-app', false],
      ['named action on a Pod', user('actor'), 'applications', 'action//Pod/maintenance-off', 'default/guestbook', true],
      ['other action on a Pod', user('actor'), 'applications', 'action//Pod/restart', 'default/guestbook', false],
      ['any DaemonSet action', user('actor'), 'applications', 'action/extensions/DaemonSet/restart', 'default/guestbook', true],
      ['no Deployment action', user('actor'), 'applications', 'action/apps/Deployment/restart', 'default/guestbook', false],
      ['app in the allowed namespace', user('ns-reader'), 'applications', 'get', 'team/app-namespace/web', true],
      ['app in another namespace', user('ns-reader'), 'applications', 'get', 'team/other-namespace/web', false],
      ['brace alternative a', user('globber'), 'applications', 'get', 'team-a/web', true],
      ['brace alternative missing', user('globber'), 'applications', 'get', 'team-c/web', false],
      ['character class', user('globber'), 'clusters', 'get', 'https://kube-7.example', true],
      ['character class miss', user('globber'), 'clusters', 'get', 'https://kube-x.example', false],
      ['question mark', user('globber'), 'repositories', 'get', 'https://git.example/repo1', true],
      ['"*" crosses "/" (documented quirk)', user('loose'), 'applications', 'delete/g/Kind/kind/name', 'default/app', true],
      ['extension with app access', user('ext-user'), 'extensions', 'invoke', 'httpbin', true],
      ['other extension', user('ext-user'), 'extensions', 'invoke', 'metrics', false],
    ],
  },
  {
    name: 'Argo CD 2 fine-grained inheritance',
    data: { 'policy.csv': ['p, u, applications, delete, default/app, allow', 'p, u, applications, delete/*/Pod/*/*, default/app, deny'].join('\n') },
    options: { applicationFineGrainedInheritance: true },
    cases: [
      ['delete on the app covers its resources', user('u'), 'applications', 'delete/apps/Deployment/ns/web', 'default/app', true],
      ['but a sub-resource deny takes it back (kawa: Argo CD would allow)', user('u'), 'applications', 'delete//Pod/ns/web-1', 'default/app', false],
      ['other apps stay closed', user('u'), 'applications', 'delete//Pod/ns/web-1', 'default/other', false],
    ],
  },
  ...fineGrainedScenarios(),
  {
    name: 'regex match mode',
    data: {
      'policy.matchMode': 'regex',
      'policy.csv': [
        'p, alice, applications, get, "prod-(eu|us)/.*", allow',
        'p, alice, applications, (get|sync), staging/.*, allow',
        'p, bob, applications, update/.*, default/app, allow',
        'p, carol, clusters, *, *, allow',
      ].join('\n'),
    },
    cases: [
      ['regex alternative', user('alice'), 'applications', 'get', 'prod-eu/web', true],
      ['regex alternative miss', user('alice'), 'applications', 'get', 'prod-asia/web', false],
      ['anchored: no match inside a longer name', user('alice'), 'applications', 'get', 'not-prod-eu/web', false],
      ['regex action', user('alice'), 'applications', 'sync', 'staging/web', true],
      ['regex action miss', user('alice'), 'applications', 'delete', 'staging/web', false],
      ['regex fine-grained action', user('bob'), 'applications', 'update/apps/Deployment/ns/web', 'default/app', true],
      ['a bare "*" still means everything', user('carol'), 'clusters', 'delete', 'https://k8s.example', true],
      ['built-in globs keep working', user('admin'), 'applications', 'update/apps/Deployment/ns/web', 'default/app', true],
    ],
  },
  {
    name: 'project roles',
    data: { 'policy.default': 'role:readonly' },
    projects: [
      appProject('team-a', [
        {
          name: 'ci',
          policies: [
            'p, proj:team-a:ci, applications, sync, team-a/*, allow',
            'p, proj:team-a:ci, applications, get, team-a/*, allow',
            'p, proj:team-a:ci, applications, get, team-b/*, allow',
            'p, proj:team-b:ci, applications, delete, team-b/*, allow',
            'p, proj:team-a:ci, accounts, update, team-a, allow',
          ],
          groups: ['my-org:team-a'],
          jwtTokens: [{ id: 'tok-1', iat: 1700000000 }],
        },
        { name: 'admin', policies: ['p, proj:team-a:admin, applications, *, *, allow'], groups: ['my-org:team-a-admins'] },
      ]),
      appProject('team-b', [{ name: 'ci', policies: ['p, proj:team-b:ci, applications, sync, team-b/*, allow'] }]),
    ],
    cases: [
      ['token syncs in its project', projectToken('team-a', 'ci'), 'applications', 'sync', 'team-a/web', true],
      ['token cannot delete', projectToken('team-a', 'ci'), 'applications', 'delete', 'team-a/web', false],
      ['a policy reaching into another project is skipped', projectToken('team-a', 'ci'), 'applications', 'get', 'team-b/web', false],
      ['a policy naming another role is skipped', projectToken('team-b', 'ci'), 'applications', 'delete', 'team-b/web', false],
      ['project roles cannot grant accounts', projectToken('team-a', 'ci'), 'accounts', 'update', 'team-a', false],
      ['tokens do not get the default role', projectToken('team-a', 'ci'), 'clusters', 'get', 'https://k8s.example', false],
      ["a token cannot claim another project's role", { user: 'proj:team-a:ci', groups: [], projectRoleToken: { project: 'team-b', role: 'ci' } }, 'applications', 'sync', 'team-b/web', false],
      ['an SSO group bound to the role', user('sso|4', ['my-org:team-a']), 'applications', 'sync', 'team-a/web', true],
      ['and the default role on top', user('sso|4', ['my-org:team-a']), 'clusters', 'get', 'https://k8s.example', true],
      ['"*" object means this project only', user('sso|5', ['my-org:team-a-admins']), 'applications', 'delete', 'team-a/web', true],
      ['not the next project', user('sso|5', ['my-org:team-a-admins']), 'applications', 'delete', 'team-b/web', false],
      ['an SSO subject named like the role gets none of its policies', user('proj:team-a:ci'), 'applications', 'sync', 'team-a/web', false],
      ['nor does a groups claim named like it', user('sso|6', ['proj:team-a:ci']), 'applications', 'sync', 'team-a/web', false],
      ['a proj: subject still gets the default role', user('proj:team-a:ci'), 'clusters', 'get', 'https://k8s.example', true],
    ],
  },
  {
    name: 'groups from other scopes',
    data: { 'policy.csv': 'g, user@example.org, role:admin\np, team-x, applications, sync, */*, allow', scopes: '[groups, email]' },
    cases: [
      ['email claim as a group', user('CiQ0', groupsFromClaims({ sub: 'CiQ0', email: 'user@example.org', groups: ['team-y'] }, ['groups', 'email'])), 'projects', 'delete', 'p', true],
      ['groups claim as groups', user('CiQ1', groupsFromClaims({ sub: 'CiQ1', groups: ['team-x'] }, ['groups', 'email'])), 'applications', 'sync', 'p/app', true],
      ['email not in scopes is ignored', user('CiQ2', groupsFromClaims({ sub: 'CiQ2', email: 'user@example.org' }, ['groups'])), 'projects', 'delete', 'p', false],
    ],
  },
];

/**
 * Patching and deleting live resources (`update/<group>/<kind>/<ns>/<name>`, `delete/…`) and resource
 * actions (`action/<group>/<kind>/<name>`): one policy judged with inheritance off (Argo CD 3's default)
 * and on. Each case: who, the request, allowed without inheritance, allowed with it.
 */
function fineGrainedScenarios(): Scenario[] {
  const policy = [
    // Plain verbs on the app only.
    'p, app-editor, applications, update, default/*, allow',
    'p, app-editor, applications, delete, default/*, allow',
    // Argo CD's documented example: the Deployments of any app of project default, update only.
    'p, role:x, applications, update/apps/Deployment/*/*, default/*, allow',
    'g, deploy-patcher, role:x',
    // Globs in each part.
    'p, globs, applications, update/*/ConfigMap/team-*/*, default/*, allow',
    'p, globs, applications, delete//Pod/*/web-?, default/*, allow',
    'p, globs, applications, "update/{apps,batch}/*/prod/*", default/*, allow',
    'p, globs, applications, delete/*/*/*/[a-c]*, default/app, allow',
    // Deny rules: a fine-grained deny beside a broad allow, and a group's deny.
    'p, careful, applications, update, default/*, allow',
    'p, careful, applications, update/*, default/*, allow',
    'p, careful, applications, update//Secret/*/*, default/*, deny',
    'p, auditors, applications, update/apps/*/*/*, default/*, deny',
    // rbac.md: "delete Pods of the app, but not the app itself".
    'p, pod-only, applications, delete, default/prod-app, deny',
    'p, pod-only, applications, delete/*/Pod/*/*, default/prod-app, allow',
    // Resource actions.
    'p, restarter, applications, action/apps/Deployment/restart, default/*, allow',
    'p, restarter, applications, update, default/*, allow',
    'p, any-action, applications, action/*, default/*, allow',
    'p, any-action, applications, action/apps/Deployment/pause, default/*, deny',
  ].join('\n');
  type Row = [who: string, subject: RbacSubject, action: string, object: string, withoutInheritance: boolean, withInheritance: boolean];
  const deployment = { group: 'apps', kind: 'Deployment', namespace: 'ns', name: 'web' };
  const rows: Row[] = [
    ['app update alone cannot patch a Deployment', user('app-editor'), resourceAction('update', deployment), 'default/app', false, true],
    ['app delete alone cannot delete a Pod', user('app-editor'), resourceAction('delete', { group: '', kind: 'Pod', namespace: 'ns', name: 'web-1' }), 'default/app', false, true],
    ['app update still updates the app', user('app-editor'), 'update', 'default/app', true, true],
    ['nor reaches another project', user('app-editor'), resourceAction('update', deployment), 'team/app', false, false],
    ['update/apps/Deployment/*/* patches a Deployment', user('deploy-patcher'), resourceAction('update', deployment), 'default/app', true, true],
    ['but does not delete it', user('deploy-patcher'), resourceAction('delete', deployment), 'default/app', false, false],
    ['nor patch a StatefulSet', user('deploy-patcher'), resourceAction('update', { ...deployment, kind: 'StatefulSet' }), 'default/app', false, false],
    ['nor a Deployment of another group', user('deploy-patcher'), resourceAction('update', { ...deployment, group: 'extensions' }), 'default/app', false, false],
    ['nor the app itself', user('deploy-patcher'), 'update', 'default/app', false, false],
    ['nor in another project', user('deploy-patcher'), resourceAction('update', deployment), 'team/app', false, false],
    ['namespace glob matches', user('globs'), 'update//ConfigMap/team-a/settings', 'default/app', true, true],
    ['namespace glob misses', user('globs'), 'update//ConfigMap/prod/settings', 'default/app', false, false],
    ['name glob matches', user('globs'), 'delete//Pod/ns/web-1', 'default/app', true, true],
    ['name glob misses', user('globs'), 'delete//Pod/ns/web-10', 'default/app', false, false],
    ['group alternative apps', user('globs'), 'update/apps/Deployment/prod/web', 'default/app', true, true],
    ['group alternative batch', user('globs'), 'update/batch/Job/prod/migrate', 'default/app', true, true],
    ['group alternative misses the core group', user('globs'), 'update//Service/prod/web', 'default/app', false, false],
    ['character class on the name', user('globs'), 'delete/apps/Deployment/ns/api', 'default/app', true, true],
    ['character class miss', user('globs'), 'delete/apps/Deployment/ns/web', 'default/app', false, false],
    ['a fine-grained deny beats update/*', user('careful'), 'update//Secret/ns/creds', 'default/app', false, false],
    ['the rest of update/* stands', user('careful'), 'update//ConfigMap/ns/settings', 'default/app', true, true],
    ["a group's deny beats the user's allow", user('careful', ['auditors']), 'update/apps/Deployment/ns/web', 'default/app', false, false],
    ['the deny on the app does not stop its Pods', user('pod-only'), 'delete//Pod/ns/web-1', 'default/prod-app', true, true],
    ['nor is it lifted for the app', user('pod-only'), 'delete', 'default/prod-app', false, false],
    ['nor for its other resources, even inheriting', user('pod-only'), 'delete/apps/Deployment/ns/web', 'default/prod-app', false, false],
    ['a named resource action', user('restarter'), customAction({ group: 'apps', kind: 'Deployment' }, 'restart'), 'default/app', true, true],
    ['another action', user('restarter'), customAction({ group: 'apps', kind: 'Deployment' }, 'pause'), 'default/app', false, false],
    ['update never grants actions', user('app-editor'), customAction({ group: 'apps', kind: 'Deployment' }, 'restart'), 'default/app', false, false],
    ['action/* grants every action', user('any-action'), customAction({ group: 'argoproj.io', kind: 'Rollout' }, 'promote-full'), 'default/app', true, true],
    ['except the one denied', user('any-action'), customAction({ group: 'apps', kind: 'Deployment' }, 'pause'), 'default/app', false, false],
    ['admin patches any resource', user('admin'), resourceAction('update', deployment), 'default/app', true, true],
    ['malformed: too few parts, even for admin', user('admin'), 'update/apps/Deployment', 'default/app', false, false],
    ['malformed: too many parts', user('admin'), 'delete/apps/Deployment/ns/web/x', 'default/app', false, false],
    ['malformed: an action without a name', user('admin'), 'action/apps/Deployment', 'default/app', false, false],
    ['malformed: an unknown prefix', user('admin'), 'sync/apps/Deployment/ns/web', 'default/app', false, false],
  ];
  const scenario = (inherit: boolean): Scenario => ({
    name: `fine-grained resource rules, inheritance ${inherit ? 'on' : 'off'}`,
    data: { 'policy.csv': policy },
    options: { applicationFineGrainedInheritance: inherit },
    cases: rows.map(([who, subject, action, object, off, on]): Case => [who, subject, 'applications', action, object, inherit ? on : off]),
  });
  return [
    scenario(false),
    scenario(true),
    {
      name: 'fine-grained rules and the default role, inheritance on',
      data: { 'policy.csv': 'p, role:editor, applications, update, */*, allow', 'policy.default': 'role:editor' },
      options: { applicationFineGrainedInheritance: true },
      cases: [
        ['the default role inherits too', user('anyone'), 'applications', 'update//ConfigMap/ns/x', 'default/app', true],
        ['actions of other resources are not read as fine-grained', user('admin'), 'clusters', 'update/x', 'https://k8s.example', false],
      ],
    },
    {
      name: 'fine-grained rules of a project token',
      projects: [appProject('team', [{ name: 'ci', policies: ['p, proj:team:ci, applications, update, team/*, allow', 'p, proj:team:ci, applications, delete/apps/Deployment/*/*, team/*, allow'] }])],
      cases: [
        ['a token with update cannot patch without inheritance', projectToken('team', 'ci'), 'applications', 'update/apps/Deployment/ns/web', 'team/app', false],
        ['its fine-grained rule deletes a Deployment', projectToken('team', 'ci'), 'applications', 'delete/apps/Deployment/ns/web', 'team/app', true],
        ['not in another project', projectToken('team', 'ci'), 'applications', 'delete/apps/Deployment/ns/web', 'other/app', false],
      ],
    },
    {
      name: 'fine-grained rules of a project token, inheritance on',
      projects: [appProject('team', [{ name: 'ci', policies: ['p, proj:team:ci, applications, update, team/*, allow'] }])],
      options: { applicationFineGrainedInheritance: true },
      cases: [
        ['update inherits', projectToken('team', 'ci'), 'applications', 'update/apps/Deployment/ns/web', 'team/app', true],
        ['not in another project', projectToken('team', 'ci'), 'applications', 'update/apps/Deployment/ns/web', 'other/app', false],
      ],
    },
  ];
}

describe('Enforcer', () => {
  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      const enforcer = buildEnforcer(scenario.data, loadProjectRoles(scenario.projects ?? []).roles, scenario.options);
      it.each(scenario.cases)('%s', async (_who, subject, resource, action, object, allowed) => {
        expect((await enforcer).enforce(subject, resource, action, object)).toBe(allowed);
      });
    });
  }

  it('reports the project role policies it skipped', async () => {
    const projects = SCENARIOS.find((s) => s.name === 'project roles')?.projects ?? [];
    const enforcer = await buildEnforcer({}, loadProjectRoles(projects).roles);
    expect(enforcer.problems).toEqual([
      expect.stringMatching(/^AppProject team-a role ci policy 3 skipped: the object must be "team-a"/),
      expect.stringMatching(/^AppProject team-a role ci policy 4 skipped: the subject must be "proj:team-a:ci"/),
      expect.stringMatching(/^AppProject team-a role ci policy 5 skipped: the resource must be one of/),
    ]);
  });

  it('exposes the scopes it was configured with', async () => {
    expect((await buildEnforcer({ scopes: '[groups, email]' })).scopes).toEqual(['groups', 'email']);
    expect((await buildEnforcer({})).scopes).toEqual(['groups']);
  });

  it('tolerates duplicate lines', async () => {
    const enforcer = await buildEnforcer({ 'policy.csv': 'p, a, applications, get, */*, allow\np, a, applications, get, */*, allow\ng, admin, role:admin' });
    expect(enforcer.enforce(user('a'), 'applications', 'get', 'x/y')).toBe(true);
  });
});

describe('groupsFromClaims', () => {
  it.each([
    [{ groups: ['a', 'b'] }, ['groups'], ['a', 'b']],
    [{ groups: 'a' }, ['groups'], ['a']],
    [{ groups: ['a', 3, '', null] }, ['groups'], ['a']],
    [{ groups: ['a'], email: 'e@x' }, ['groups', 'email'], ['a', 'e@x']],
    [{ email: 'e@x' }, ['groups'], []],
    [{ groups: ['a', 'a'] }, ['groups'], ['a']],
  ])('%j with %j', (claims, scopes, groups) => {
    expect(groupsFromClaims(claims, scopes)).toEqual(groups);
  });
});
