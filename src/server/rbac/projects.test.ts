import { describe, expect, it } from 'vitest';
import { loadProjectRoles, parseProjectRoleSubject, projectRoleRules, projectRoleSubject } from './projects.js';

describe('project role subjects', () => {
  it.each([
    ['proj:team-a:ci', { project: 'team-a', role: 'ci' }],
    ['proj:team-a', undefined],
    ['proj:team-a:ci:x', undefined],
    ['proj::ci', undefined],
    ['alice', undefined],
    ['proj:login', undefined],
  ])('%s', (subject, parts) => {
    expect(parseProjectRoleSubject(subject)).toEqual(parts);
  });

  it('round-trips', () => {
    expect(parseProjectRoleSubject(projectRoleSubject('p', 'r'))).toEqual({ project: 'p', role: 'r' });
  });
});

describe('loadProjectRoles', () => {
  it('reads roles, groups and tokens from spec and status', () => {
    const { roles, problems } = loadProjectRoles([
      {
        metadata: { name: 'team-a' },
        spec: {
          roles: [
            { name: 'ci', policies: ['p, proj:team-a:ci, applications, sync, team-a/*, allow'], groups: ['g1'], jwtTokens: [{ id: 't1', iat: 100, exp: 200 }] },
            { name: 'empty' },
          ],
        },
        status: { jwtTokensByRole: { ci: { items: [{ id: 't1', iat: 100, exp: 200 }, { id: 't2', iat: '300' }] } } },
      },
      { metadata: { name: 'no-roles' }, spec: {} },
    ]);
    expect(problems).toEqual([]);
    expect(roles).toEqual([
      {
        project: 'team-a',
        name: 'ci',
        policies: ['p, proj:team-a:ci, applications, sync, team-a/*, allow'],
        groups: ['g1'],
        jwtTokens: [
          { id: 't1', iat: 100, exp: 200 },
          { id: 't2', iat: 300, exp: undefined },
        ],
      },
      { project: 'team-a', name: 'empty', policies: [], groups: [], jwtTokens: [] },
    ]);
  });

  it('skips a malformed project and says why', () => {
    const { roles, problems } = loadProjectRoles([{ metadata: { name: 'bad' }, spec: { roles: [{ name: 'ci', policies: 'not a list' }] } }, 'junk']);
    expect(roles).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/^AppProject bad skipped: spec\.roles\.0\.policies/), expect.stringMatching(/^AppProject \(unnamed\) skipped/)]);
  });
});

describe('projectRoleRules', () => {
  const role = (policies: string[]) => ({ project: 'team-a', name: 'ci', policies, groups: ['g1', ' '], jwtTokens: [] });

  it('confines objects to the project', () => {
    const { rules, problems } = projectRoleRules(
      [
        role([
          'p, proj:team-a:ci, applications, *, *, allow',
          'p, proj:team-a:ci, projects, get, *, allow',
          'p, proj:team-a:ci, projects, get, team-a, allow',
          'p, proj:team-a:ci, logs, get, team-a/web, deny',
          '# a comment',
        ]),
      ],
      'glob',
    );
    expect(problems).toEqual([]);
    expect(rules.map((r) => r.rule)).toEqual([
      { kind: 'p', subject: 'proj:team-a:ci', resource: 'applications', action: '*', object: 'team-a/*', effect: 'allow' },
      { kind: 'p', subject: 'proj:team-a:ci', resource: 'projects', action: 'get', object: 'team-a', effect: 'allow' },
      { kind: 'p', subject: 'proj:team-a:ci', resource: 'projects', action: 'get', object: 'team-a', effect: 'allow' },
      { kind: 'p', subject: 'proj:team-a:ci', resource: 'logs', action: 'get', object: 'team-a/web', effect: 'deny' },
      { kind: 'g', member: 'g1', role: 'proj:team-a:ci' },
    ]);
  });

  it('wraps regex objects so an alternation cannot leave the project', () => {
    const { rules, problems } = projectRoleRules([role(['p, proj:team-a:ci, applications, get, team-a/web|other/.*, allow', 'p, proj:team-a:ci, applications, get, team-a/*, allow'])], 'regex');
    expect(problems).toEqual([]);
    expect(rules.map((r) => (r.rule.kind === 'p' ? r.rule.object : ''))).toEqual(['team-a\\/(?:web|other/.*)', 'team-a\\/.*', '']);
  });

  it.each([
    ['g, x, proj:team-a:ci', /only "p" lines/],
    ['p, proj:team-b:ci, applications, get, team-a/*, allow', /subject must be "proj:team-a:ci"/],
    ['p, proj:team-a:ci, applications, get, team-ab/*, allow', /object must be "team-a"/],
    ['p, proj:team-a:ci, applications, get, */*, allow', /object must be "team-a"/],
    ['p, proj:team-a:ci, *, get, team-a/*, allow', /resource must be one of/],
    ['p, proj:team-a:ci, clusters, get', /"p" line has 3 fields/],
  ])('skips %s', (policy, reason) => {
    const { rules, problems } = projectRoleRules([role([policy])], 'glob');
    expect(rules.filter((r) => r.rule.kind === 'p')).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(reason)]);
    expect(problems[0]).toMatch(/^AppProject team-a role ci policy 1 skipped: /);
  });
});
