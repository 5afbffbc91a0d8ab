import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { parsePush, splitRef } from './payload.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./testdata/${name}.json`, import.meta.url), 'utf8')) as unknown;

describe('parsePush', () => {
  it('GitHub push: clone URLs, branch, default branch and the files of all commits', () => {
    expect(parsePush('github', 'push', fixture('github-push'))).toEqual([
      {
        repoUrls: ['https://github.com/Example-Org/Deploy.git', 'git@github.com:Example-Org/Deploy.git', 'https://github.com/Example-Org/Deploy'],
        revision: 'main',
        refType: 'branch',
        changedFiles: ['guestbook/service.yaml', 'guestbook/deployment.yaml', 'docs/old.md'],
        defaultBranch: 'main',
      },
    ]);
  });

  it('GitHub ping and other events yield nothing', () => {
    expect(parsePush('github', 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).toEqual([]);
    expect(parsePush('github', 'pull_request', fixture('github-push'))).toEqual([]);
  });

  it('GitHub push without commits (tag, force-push) lists no files', () => {
    const body = { ...(fixture('github-push') as Record<string, unknown>), ref: 'refs/tags/v1.2.0', commits: [] };
    expect(parsePush('github', 'push', body)[0]).toMatchObject({ revision: 'v1.2.0', refType: 'tag', changedFiles: undefined });
  });

  it('GitLab push hook and tag push hook', () => {
    expect(parsePush('gitlab', 'Push Hook', fixture('gitlab-push'))).toEqual([
      {
        repoUrls: ['https://gitlab.example.com/mike/diaspora.git', 'git@gitlab.example.com:mike/diaspora.git', 'https://gitlab.example.com/mike/diaspora'],
        revision: 'develop',
        refType: 'branch',
        changedFiles: ['apps/web/values.yaml', 'README.md', 'apps/api/old.yaml'],
        defaultBranch: 'main',
      },
    ]);
    expect(parsePush('gitlab', 'Tag Push Hook', fixture('gitlab-tag-push'))).toEqual([
      expect.objectContaining({ revision: 'v1.0.0', refType: 'tag', changedFiles: undefined, defaultBranch: 'master' }),
    ]);
  });

  it('GitLab: a payload cut short (more commits than listed) rules no file out', () => {
    const body = { ...(fixture('gitlab-push') as Record<string, unknown>), total_commits_count: 42 };
    expect(parsePush('gitlab', 'Push Hook', body)[0]?.changedFiles).toBeUndefined();
    expect(parsePush('gitlab', 'Merge Request Hook', { object_kind: 'merge_request' })).toEqual([]);
  });

  it('Bitbucket Cloud repo:push: URLs from the full name, one push per change, deleted branches by their old name', () => {
    const urls = ['https://bitbucket.org/team/deploy-config', 'https://bitbucket.org/team/deploy-config.git', 'git@bitbucket.org:team/deploy-config.git'];
    expect(parsePush('bitbucket', 'repo:push', fixture('bitbucket-push'))).toEqual([
      { repoUrls: urls, revision: 'master', refType: 'branch', changedFiles: undefined, defaultBranch: 'master' },
      { repoUrls: urls, revision: 'feature/old', refType: 'branch', changedFiles: undefined, defaultBranch: 'master' },
    ]);
    expect(parsePush('bitbucket', 'pullrequest:created', fixture('bitbucket-push'))).toEqual([]);
  });

  it('Bitbucket Server repo:refs_changed: clone links, branches and tags', () => {
    const urls = ['ssh://git@bitbucket.example.com:7999/proj/repository.git', 'https://bitbucket.example.com/scm/proj/repository.git'];
    expect(parsePush('bitbucketserver', 'repo:refs_changed', fixture('bitbucketserver-refs-changed'))).toEqual([
      { repoUrls: urls, revision: 'master', refType: 'branch', changedFiles: undefined, defaultBranch: undefined },
      { repoUrls: urls, revision: 'v2', refType: 'tag', changedFiles: undefined, defaultBranch: undefined },
    ]);
    expect(parsePush('bitbucketserver', 'diagnostics:ping', { test: true })).toEqual([]);
  });

  it('Gitea and Gogs push (GitHub-shaped)', () => {
    const expected = [
      {
        repoUrls: ['https://gitea.example.com/ops/infra.git', 'ssh://git@gitea.example.com:2222/ops/infra.git', 'https://gitea.example.com/ops/infra'],
        revision: 'main',
        refType: 'branch',
        changedFiles: ['overlays/prod/kustomization.yaml'],
        defaultBranch: 'main',
      },
    ];
    expect(parsePush('gitea', 'push', fixture('gitea-push'))).toEqual(expected);
    expect(parsePush('gogs', 'push', fixture('gitea-push'))).toEqual(expected);
  });

  it('Azure DevOps git.push: the remote URL, its ssh form, the pushed refs', () => {
    expect(parsePush('azuredevops', undefined, fixture('azuredevops-push'))).toEqual([
      {
        repoUrls: ['https://fabrikam@dev.azure.com/fabrikam/Fabrikam/_git/Fabrikam-Fiber-Git', 'git@ssh.dev.azure.com:v3/fabrikam/Fabrikam/Fabrikam-Fiber-Git'],
        revision: 'main',
        refType: 'branch',
        changedFiles: undefined,
        defaultBranch: 'main',
      },
    ]);
    expect(parsePush('azuredevops', undefined, { eventType: 'git.pullrequest.created' })).toEqual([]);
  });

  it('refuses bodies that are not the announced push', () => {
    expect(() => parsePush('github', 'push', [])).toThrow(UserError);
    expect(() => parsePush('github', 'push', { repository: {} })).toThrow('invalid github push payload: "ref" is missing');
    expect(() => parsePush('github', 'push', { ref: 'refs/heads/main', repository: {} })).toThrow('the repository has no URL');
    expect(() => parsePush('bitbucketserver', 'repo:refs_changed', { changes: [] })).toThrow('no clone links');
  });

  it('ignores refs that are neither branches nor tags', () => {
    expect(parsePush('github', 'push', { ref: 'refs/notes/commits', repository: { clone_url: 'https://github.com/a/b.git' } })).toEqual([]);
    expect(splitRef('refs/heads/feature/x')).toEqual({ revision: 'feature/x', refType: 'branch' });
    expect(splitRef('main')).toBeUndefined();
  });
});
