import { describe, expect, it } from 'vitest';
import type { KubeJson } from '../store.js';
import { MANIFEST_GENERATE_PATHS_ANNOTATION as MANIFEST_GENERATE_PATHS } from '../../model/names.js';
import { appsToRefresh, refreshPaths, repoKey, revisionMatches, touches } from './match.js';
import type { PushEvent } from './payload.js';

describe('repoKey', () => {
  const same = [
    'https://github.com/Example-Org/Deploy.git',
    'https://github.com/example-org/deploy',
    'HTTPS://GITHUB.COM/Example-Org/Deploy/',
    'https://github.com/Example-Org/Deploy.git/',
    'http://github.com/Example-Org/Deploy',
    'git@github.com:Example-Org/Deploy.git',
    'ssh://git@github.com/Example-Org/Deploy.git',
    'ssh://git@github.com:22/Example-Org/Deploy',
    'https://github.com:443/Example-Org/Deploy',
  ];
  it.each(same)('%s is github.com/example-org/deploy', (url) => {
    expect(repoKey(url)).toBe('github.com/example-org/deploy');
  });

  it('tells different repositories apart, and refuses what is no repository URL', () => {
    expect(repoKey('https://github.com/Example-Org/Deploy2')).toBe('github.com/example-org/deploy2');
    expect(repoKey('https://gitlab.com/Example-Org/Deploy')).toBe('gitlab.com/example-org/deploy');
    expect(repoKey('https://fabrikam@dev.azure.com/fabrikam/P/_git/R')).toBe('dev.azure.com/fabrikam/p/_git/r');
    expect(repoKey('ext::sh -c touch% /tmp/x')).toBeUndefined();
    expect(repoKey('')).toBeUndefined();
  });
});

describe('revisionMatches', () => {
  const main = { revision: 'main', refType: 'branch', defaultBranch: 'main' } as const;
  const dev = { revision: 'dev', refType: 'branch', defaultBranch: 'main' } as const;
  const tag = { revision: 'v1.0.0', refType: 'tag', defaultBranch: 'main' } as const;
  const unknownDefault = { revision: 'dev', refType: 'branch', defaultBranch: undefined } as const;
  it.each<[string | undefined, Parameters<typeof revisionMatches>[1], boolean]>([
    ['HEAD', main, true],
    ['', main, true],
    [undefined, main, true],
    ['HEAD', dev, false],
    ['HEAD', tag, false],
    ['HEAD', unknownDefault, true],
    ['main', main, true],
    ['main', dev, false],
    ['refs/heads/main', main, true],
    ['refs/heads/dev', main, false],
    ['refs/tags/main', main, false],
    ['v1.0.0', tag, true],
    ['refs/tags/v1.0.0', tag, true],
    ['refs/heads/v1.0.0', tag, false],
    ['0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', main, false],
  ])('targetRevision %j vs %j → %s', (target, push, expected) => {
    expect(revisionMatches(target, push)).toBe(expected);
  });
});

describe('refreshPaths and touches', () => {
  it('uses the source path, or the annotation relative to it / absolute from the root', () => {
    expect(refreshPaths('apps/web', undefined)).toEqual(['apps/web']);
    expect(refreshPaths('./apps/web/', '')).toEqual(['apps/web']);
    expect(refreshPaths('apps/web', '.')).toEqual(['apps/web']);
    expect(refreshPaths('apps/web', '.; ../common ;/charts/base')).toEqual(['apps/web', 'apps/common', 'charts/base']);
    expect(refreshPaths(undefined, undefined)).toEqual(['']);
    expect(refreshPaths('.', undefined)).toEqual(['']);
    expect(refreshPaths('apps/web', ';;')).toEqual(['apps/web']);
  });

  it('matches files under a directory, never a sibling with the same prefix', () => {
    expect(touches(['apps/web'], ['apps/web/deploy.yaml'])).toBe(true);
    expect(touches(['apps/web'], ['apps/web'])).toBe(true);
    expect(touches(['apps/web'], ['apps/web2/deploy.yaml', 'README.md'])).toBe(false);
    expect(touches(['apps/web'], ['/apps/web/x.yaml'])).toBe(true);
    expect(touches([''], ['anything'])).toBe(true);
    expect(touches(['apps/web'], [])).toBe(false);
    expect(touches(['apps/web'], undefined)).toBe(true);
  });
});

function app(name: string, source: KubeJson | KubeJson[], annotations?: Record<string, string>): KubeJson {
  return {
    metadata: { name, namespace: 'argocd', ...(annotations === undefined ? {} : { annotations }) },
    spec: Array.isArray(source) ? { sources: source } : { source },
  };
}

const push: PushEvent = {
  repoUrls: ['https://github.com/Example-Org/Deploy.git', 'git@github.com:Example-Org/Deploy.git'],
  revision: 'main',
  refType: 'branch',
  changedFiles: ['guestbook/deployment.yaml', 'docs/old.md'],
  defaultBranch: 'main',
};

describe('appsToRefresh', () => {
  const names = (apps: KubeJson[]): unknown[] => apps.map((a) => (a['metadata'] as KubeJson)['name']);

  it('picks apps of the pushed repo, at the pushed revision, whose path the push touched', () => {
    const apps = [
      app('https-form', { repoURL: 'https://github.com/example-org/deploy', targetRevision: 'HEAD', path: 'guestbook' }),
      app('ssh-form', { repoURL: 'git@github.com:Example-Org/Deploy.git', targetRevision: 'main', path: 'guestbook/' }),
      app('other-repo', { repoURL: 'https://github.com/Example-Org/Other.git', targetRevision: 'HEAD', path: 'guestbook' }),
      app('other-path', { repoURL: 'https://github.com/Example-Org/Deploy.git', targetRevision: 'HEAD', path: 'helm-guestbook' }),
      app('other-branch', { repoURL: 'https://github.com/Example-Org/Deploy.git', targetRevision: 'dev', path: 'guestbook' }),
      app('root', { repoURL: 'https://github.com/Example-Org/Deploy.git', path: '.' }),
      app('chart', { repoURL: 'https://github.com/Example-Org/Deploy.git', chart: 'x', targetRevision: 'main' }),
      app('annotated', { repoURL: 'https://github.com/Example-Org/Deploy.git', path: 'apps/x' }, { [MANIFEST_GENERATE_PATHS]: '.;/docs' }),
      app('annotated-miss', { repoURL: 'https://github.com/Example-Org/Deploy.git', path: 'guestbook' }, { [MANIFEST_GENERATE_PATHS]: '/apps' }),
      app('multi', [
        { repoURL: 'https://github.com/Example-Org/Other.git', path: 'guestbook' },
        { repoURL: 'https://github.com/Example-Org/Deploy.git', path: 'docs', targetRevision: 'refs/heads/main' },
      ]),
      { metadata: { name: 'broken' }, spec: 'nonsense' },
    ];
    expect(names(appsToRefresh(apps, [push]))).toEqual(['https-form', 'ssh-form', 'root', 'chart', 'annotated', 'multi']);
  });

  it('refreshes every app of the repo and revision when the payload lists no files', () => {
    const apps = [
      app('a', { repoURL: 'https://github.com/Example-Org/Deploy.git', path: 'x' }),
      app('b', { repoURL: 'https://github.com/Example-Org/Deploy.git', path: 'y', targetRevision: 'dev' }),
    ];
    expect(names(appsToRefresh(apps, [{ ...push, changedFiles: undefined }]))).toEqual(['a']);
    expect(names(appsToRefresh(apps, [{ ...push, changedFiles: undefined }, { ...push, revision: 'dev', changedFiles: undefined }]))).toEqual(['a', 'b']);
  });
});
