import { describe, expect, it } from 'vitest';
import type { RepoCreds, Repository } from '../model/index.js';
import { repoCredentialsFrom } from './credentials.js';

const repo = (url: string, extra: Partial<Repository> = {}): Repository => ({ secretName: url, url, type: 'git', extra: {}, ...extra });
const template = (url: string, extra: Partial<RepoCreds> = {}): RepoCreds => ({ secretName: url, url, type: 'git', extra: {}, ...extra });

describe('repoCredentialsFrom', () => {
  const sources = {
    repositories: [
      repo('https://git.example.com/team.git', { project: 'team', username: 'team', password: 'p1' }),
      repo('https://charts.example.com/stable', { type: 'helm', name: 'stable' }),
      repo('https://charts.example.com/team', { type: 'helm', name: 'team-charts', project: 'team' }),
    ],
    templates: [template('https://charts.example.com', { username: 'charts', password: 'p2' })],
  };
  const creds = repoCredentialsFrom(() => sources);

  it("answers with the resolver: a project's own Secret only for that project", () => {
    expect(creds.credentials('https://git.example.com/team.git', 'team')).toMatchObject({ username: 'team', password: 'p1' });
    expect(creds.credentials('https://git.example.com/team.git', 'other')).toBeUndefined();
  });

  it('lists the Helm repositories a project sees, each with the credentials it gets', () => {
    expect(creds.helmRepositories('team').map((r) => [r.name, r.creds?.username])).toEqual([
      ['stable', 'charts'],
      ['team-charts', 'charts'],
    ]);
    expect(creds.helmRepositories(undefined).map((r) => r.name)).toEqual(['stable']);
  });

  it("sends a remote repo server only the Secrets a project may use: its own and the global ones", () => {
    const scoped = repoCredentialsFrom(() => ({
      repositories: [...sources.repositories, repo('https://git.example.com/other.git', { project: 'other', password: 'p3' })],
      templates: [...sources.templates, template('https://git.example.com', { project: 'other', password: 'p4' })],
    }));
    const urls = (project: string | undefined): string[] => {
      const s = scoped.sources(project);
      return [...s.repositories.map((r) => r.url), ...s.templates.map((t) => `template ${t.url}`)];
    };
    expect(urls('team')).toEqual(['https://git.example.com/team.git', 'https://charts.example.com/stable', 'https://charts.example.com/team', 'template https://charts.example.com']);
    expect(urls(undefined)).toEqual(['https://charts.example.com/stable', 'template https://charts.example.com']);
    expect(JSON.stringify(scoped.sources('team'))).not.toMatch(/p3|p4/);
  });
});
