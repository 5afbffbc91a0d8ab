import { describe, expect, it } from 'vitest';
import { errorCodes, UserError } from '../../errors.js';
import { parsePolicyLine, parseRbacConfigMap, parseScopes, policyKeys, splitPolicyLine } from './policy.js';

describe('splitPolicyLine', () => {
  it.each([
    ['p, alice, applications, get, */*, allow', ['p', 'alice', 'applications', 'get', '*/*', 'allow']],
    ['p,alice,applications,get,*/*', ['p', 'alice', 'applications', 'get', '*/*']],
    ['  g ,  bob , role:admin  ', ['g', 'bob', 'role:admin']],
    ['p, a, applications, get, "team-{a,b}/*", allow', ['p', 'a', 'applications', 'get', 'team-{a,b}/*', 'allow']],
    ['p, "say ""hi""", x', ['p', 'say "hi"', 'x']],
    ['p, a,', ['p', 'a', '']],
  ])('%s', (line, fields) => {
    expect(splitPolicyLine(line)).toEqual(fields);
  });

  it.each([['p, "open, x'], ['p, "a" b, c']])('rejects %s', (line) => {
    expect(() => splitPolicyLine(line)).toThrow();
  });
});

describe('parsePolicyLine', () => {
  it('defaults the effect to allow', () => {
    expect(parsePolicyLine('p, alice, applications, get, */*', 'glob')).toEqual({
      kind: 'p',
      subject: 'alice',
      resource: 'applications',
      action: 'get',
      object: '*/*',
      effect: 'allow',
    });
  });

  it('reads a grouping line', () => {
    expect(parsePolicyLine('g, my-org:team, role:admin', 'glob')).toEqual({ kind: 'g', member: 'my-org:team', role: 'role:admin' });
  });

  it.each([
    ['p, alice, applications, get', 'glob', /"p" line has 3 fields/],
    ['p, alice, applications, get, x, allow, extra', 'glob', /"p" line has 6 fields/],
    ['p, alice, applications, get, x, Allow', 'glob', /effect is "Allow"; it must be "allow" or "deny"/],
    ['p, alice, applications, get, x, grant', 'glob', /effect is "grant"/],
    ['p, alice, , get, x', 'glob', /a field is empty/],
    ['g, alice', 'glob', /"g" line has 1 fields/],
    ['g, alice, role:a, role:b', 'glob', /"g" line has 3 fields/],
    ['r, alice, applications', 'glob', /unknown line type "r"/],
    ['p, alice, applications, get, team-[a', 'glob', /object is not a valid glob pattern: invalid glob "team-\[a": "\[" is not closed/],
    ['p, alice, applications, get, "team-{a,b/*"', 'glob', /"\{" is not closed/],
    ['p, alice, applications, get, prod/(a', 'regex', /object is not a valid regex pattern/],
    ['p, alice, applications, +get, x', 'regex', /action is not a valid regex pattern/],
  ] as const)('rejects %s (%s)', (line, mode, message) => {
    expect(() => parsePolicyLine(line, mode)).toThrow(message);
  });
});

describe('policyKeys', () => {
  it('puts policy.csv first and overlays in key order', () => {
    const data = { 'policy.B.csv': '', scopes: '', 'policy.csv': '', 'policy.A.csv': '', 'policy.default': '', 'policy.csv.bak': '' };
    expect(policyKeys(data)).toEqual(['policy.csv', 'policy.A.csv', 'policy.B.csv']);
  });

  it('works without a policy.csv', () => {
    expect(policyKeys({ 'policy.tester-overlay.csv': '' })).toEqual(['policy.tester-overlay.csv']);
  });
});

describe('parseScopes', () => {
  it.each([
    [undefined, ['groups']],
    ['', ['groups']],
    ['[groups]', ['groups']],
    ['[groups, email]', ['groups', 'email']],
    ["['groups', 'email']", ['groups', 'email']],
    ['email', ['email']],
  ])('%j', (raw, scopes) => {
    expect(parseScopes(raw)).toEqual(scopes);
  });

  it.each([['{groups: 1}'], ['[groups, 3]'], ['[groups']])('rejects %j', (raw) => {
    expect(() => parseScopes(raw)).toThrow(/scopes/);
  });
});

describe('parseRbacConfigMap', () => {
  it('reads every key', () => {
    const config = parseRbacConfigMap({
      'policy.csv': '# comment\n\np, alice, applications, get, .*/.*, allow\n',
      'policy.overlay.csv': 'g, bob, role:admin',
      'policy.default': ' role:readonly ',
      scopes: '[groups, email]',
      'policy.matchMode': 'regex',
    });
    expect(config.defaultRole).toBe('role:readonly');
    expect(config.scopes).toEqual(['groups', 'email']);
    expect(config.matchMode).toBe('regex');
    expect(config.rules.map((r) => r.where)).toEqual(['policy.csv line 3', 'policy.overlay.csv line 1']);
  });

  it('has defaults for an empty or missing ConfigMap', () => {
    expect(parseRbacConfigMap(undefined)).toEqual({ rules: [], defaultRole: undefined, scopes: ['groups'], matchMode: 'glob' });
    expect(parseRbacConfigMap({ 'policy.default': '' }).defaultRole).toBeUndefined();
  });

  it('rejects the whole policy, naming each bad line by key and number', () => {
    let error: unknown;
    try {
      parseRbacConfigMap({
        'policy.csv': 'p, alice, applications, get, */*, allow\np, alice, applications, get\n# fine\np, bob, clusters, get, *, Deny',
        'policy.extra.csv': 'g, carol',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    const userError = error as UserError;
    expect(userError.code).toBe(errorCodes.RBAC_POLICY_INVALID);
    expect(userError.message).toContain('policy.csv line 2: a "p" line has 3 fields');
    expect(userError.message).toContain('"p, alice, applications, get"');
    expect(userError.message).toContain('policy.csv line 4: the effect is "Deny"');
    expect(userError.message).toContain('policy.extra.csv line 1: a "g" line has 1 fields');
    expect(userError.message).not.toContain('line 1: a "p"');
  });

  it.each([
    [{ 'policy.matchMode': 'regexp' }, /policy.matchMode is "regexp"; it must be "glob" or "regex"/],
    [{ scopes: '{a: b}' }, /scopes must be a list of claim names/],
    [{ 'policy.matchMode': 'regex', 'policy.csv': 'p, a, applications, get, *(' }, /policy.csv line 1: the object is not a valid regex pattern/],
  ])('rejects %j', (data, message) => {
    expect(() => parseRbacConfigMap(data)).toThrow(message);
  });
});
