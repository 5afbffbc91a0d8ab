import { describe, expect, it } from 'vitest';
import type { KubeJson } from '../store.js';
import { RepoIndex, repoKeysOf } from './app-index.js';
import type { PushEvent } from './payload.js';

const app = (name: string, repos: string[], namespace = 'argocd'): KubeJson => ({
  metadata: { name, namespace },
  spec: repos.length === 1 ? { source: { repoURL: repos[0] } } : { sources: repos.map((repoURL) => ({ repoURL })) },
});
const push = (...repoUrls: string[]): PushEvent => ({ repoUrls, revision: 'main', refType: 'branch', changedFiles: undefined, defaultBranch: 'main' });
const names = (apps: KubeJson[]): string[] => apps.map((a) => `${String((a['metadata'] as KubeJson)['namespace'])}/${String((a['metadata'] as KubeJson)['name'])}`);

describe('repoKeysOf', () => {
  it('names each repository of source and sources once, normalized', () => {
    expect(repoKeysOf(app('a', ['https://github.com/Org/Repo.git', 'git@github.com:org/repo.git', 'https://gitlab.com/x/y']))).toEqual(['github.com/org/repo', 'gitlab.com/x/y']);
    expect(repoKeysOf({ metadata: { name: 'x' }, spec: { source: { repoURL: 'not a url' } } })).toEqual([]);
  });
});

describe('RepoIndex', () => {
  it('finds the apps of the pushed repository under any of its URL forms', () => {
    const index = new RepoIndex();
    index.apply({ type: 'ADDED', app: app('a', ['https://github.com/org/repo.git']) });
    index.apply({ type: 'ADDED', app: app('b', ['https://github.com/org/other.git', 'https://github.com/org/repo']) });
    index.apply({ type: 'ADDED', app: app('c', ['https://github.com/org/other.git']) });
    index.apply({ type: 'ADDED', app: app('a', ['https://github.com/org/repo.git'], 'team') });
    expect(names(index.candidates([push('git@github.com:Org/Repo.git')]))).toEqual(['argocd/a', 'argocd/b', 'team/a']);
    expect(names(index.candidates([push('https://github.com/org/none')]))).toEqual([]);
    // Two pushes naming overlapping apps give each app once.
    expect(names(index.candidates([push('https://github.com/org/repo'), push('https://github.com/org/other')]))).toEqual(['argocd/a', 'argocd/b', 'argocd/c', 'team/a']);
  });

  it('follows a changed source and a deleted app, and forgets empty repositories', () => {
    const index = new RepoIndex();
    index.apply({ type: 'ADDED', app: app('a', ['https://github.com/org/repo']) });
    index.apply({ type: 'MODIFIED', app: app('a', ['https://github.com/org/moved']) });
    expect(names(index.candidates([push('https://github.com/org/repo')]))).toEqual([]);
    expect(names(index.candidates([push('https://github.com/org/moved')]))).toEqual(['argocd/a']);
    expect(index.repositories).toBe(1);
    index.apply({ type: 'DELETED', app: app('a', ['https://github.com/org/moved']) });
    expect(index.candidates([push('https://github.com/org/moved')])).toEqual([]);
    expect(index.repositories).toBe(0);
  });

  it('hands out the latest object of an app', () => {
    const index = new RepoIndex();
    index.apply({ type: 'ADDED', app: app('a', ['https://github.com/org/repo']) });
    const newer = { ...app('a', ['https://github.com/org/repo']), status: { v: 2 } };
    index.apply({ type: 'MODIFIED', app: newer });
    expect(index.candidates([push('https://github.com/org/repo')])[0]).toBe(newer);
  });
});
