import { describe, expect, it } from 'vitest';
import type { RepoCreds, Repository } from '../model/index.js';
import { credentialsIdentity, findRepository, resolveRepoCredentials, servesProject, type CredentialSources } from './repo-credentials.js';

const URL_A = 'https://git.example.com/team-a/private.git';

const repo = (secretName: string, url: string, extra: Partial<Repository> = {}): Repository => ({ secretName, url, type: 'git', extra: {}, ...extra });
const template = (secretName: string, url: string, extra: Partial<RepoCreds> = {}): RepoCreds => ({ secretName, url, type: 'git', extra: {}, ...extra });

/** The user name of the credentials chosen, or `-` for none: one short word per table row. */
function who(url: string, project: string | undefined, sources: CredentialSources): string {
  return resolveRepoCredentials(url, project, sources)?.username ?? '-';
}

describe('resolveRepoCredentials: which Secret serves which project', () => {
  const scopedA = repo('a', URL_A, { project: 'team-a', username: 'a-user', password: 'a-pass' });
  const scopedB = repo('b', URL_A, { project: 'team-b', username: 'b-user', password: 'b-pass' });
  const global = repo('g', URL_A, { username: 'global-user', password: 'g-pass' });
  const bareScopedA = repo('a-bare', URL_A, { project: 'team-a' });
  const tplGlobal = template('tg', 'https://git.example.com', { username: 'tpl-global' });
  const tplA = template('ta', 'https://git.example.com', { project: 'team-a', username: 'tpl-a' });
  const tplALonger = template('ta2', 'https://git.example.com/team-a', { project: 'team-a', username: 'tpl-a-longer' });
  const tplGlobalLonger = template('tg2', 'https://git.example.com/team-a', { username: 'tpl-global-longer' });
  const tplB = template('tb', 'https://git.example.com', { project: 'team-b', username: 'tpl-b' });

  it.each<[string, CredentialSources, string | undefined, string]>([
    ['a scoped Secret serves its own project', { repositories: [scopedA], templates: [] }, 'team-a', 'a-user'],
    ['a scoped Secret does not serve another project', { repositories: [scopedA], templates: [] }, 'team-b', '-'],
    ['a scoped Secret does not serve an unscoped lookup', { repositories: [scopedA], templates: [] }, undefined, '-'],
    ['a global Secret serves every project', { repositories: [global], templates: [] }, 'team-b', 'global-user'],
    ['a global Secret serves an unscoped lookup', { repositories: [global], templates: [] }, undefined, 'global-user'],
    ['the project’s own Secret wins over a global one (global listed first)', { repositories: [global, scopedA], templates: [] }, 'team-a', 'a-user'],
    ['another project’s app falls back to the global Secret', { repositories: [scopedA, global], templates: [] }, 'team-b', 'global-user'],
    ['each project gets its own Secret for the same URL', { repositories: [scopedA, scopedB], templates: [] }, 'team-b', 'b-user'],
    ['a bare scoped Secret inherits from a template, not from the global Secret', { repositories: [global, bareScopedA], templates: [tplGlobal] }, 'team-a', 'tpl-global'],
    ['a scoped template serves its own project', { repositories: [], templates: [tplA] }, 'team-a', 'tpl-a'],
    ['a scoped template does not serve another project', { repositories: [], templates: [tplA] }, 'team-b', '-'],
    ['a scoped template does not serve an unscoped lookup', { repositories: [], templates: [tplA, tplB] }, undefined, '-'],
    ['equal prefixes: the project’s template wins (global listed first)', { repositories: [], templates: [tplGlobal, tplA] }, 'team-a', 'tpl-a'],
    ['equal prefixes, other project: the global template', { repositories: [], templates: [tplA, tplGlobal] }, 'team-b', 'tpl-global'],
    ['a longer global prefix wins over a shorter scoped one', { repositories: [], templates: [tplA, tplGlobalLonger] }, 'team-a', 'tpl-global-longer'],
    ['a longer scoped prefix wins over a shorter global one', { repositories: [], templates: [tplGlobal, tplALonger] }, 'team-a', 'tpl-a-longer'],
    ['a repository’s own credentials win over any template', { repositories: [scopedA], templates: [tplALonger] }, 'team-a', 'a-user'],
    ['no Secret at all: anonymous', { repositories: [], templates: [] }, 'team-a', '-'],
  ])('%s', (_name, sources, project, expected) => {
    expect(who(URL_A, project, sources)).toBe(expected);
  });

  it.each([
    'https://git.example.com/team-a/private',
    'https://GIT.example.com/Team-A/private.git/',
    'https://git.example.com/team-a/private/',
  ])('matches the repository Secret in Argo CD’s normalized form: %s', (url) => {
    expect(who(url, 'team-a', { repositories: [scopedA], templates: [] })).toBe('a-user');
  });

  it('does not match another repository with a common prefix', () => {
    expect(findRepository('https://git.example.com/team-a/private-2', 'team-a', [scopedA])).toBeUndefined();
  });

  it('an empty project field is global', () => {
    expect(servesProject('', 'team-a')).toBe(true);
    expect(servesProject('team-a', '')).toBe(false);
  });
});

describe('credentialsIdentity', () => {
  it('tells credentials apart without showing them', () => {
    const a = credentialsIdentity({ username: 'u', password: 'secret-one' });
    expect(a).toBe(credentialsIdentity({ username: 'u', password: 'secret-one' }));
    expect(a).not.toBe(credentialsIdentity({ username: 'u', password: 'secret-two' }));
    expect(a).not.toBe(credentialsIdentity(undefined));
    expect(credentialsIdentity(undefined)).toBe(credentialsIdentity({}));
    expect(a).not.toContain('secret');
  });
});
