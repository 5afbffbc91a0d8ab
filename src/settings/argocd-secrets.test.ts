import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { parseArgoCdSecrets } from './argocd-secrets.js';

const secret = (name: string, type: string | undefined, stringData: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, ...(type === undefined ? {} : { labels: { 'argocd.argoproj.io/secret-type': type } }) },
  stringData,
});

describe('parseArgoCdSecrets', () => {
  it('sorts repository, repo-creds and cluster Secrets, skips other Secrets, and reports a malformed one without dropping the rest', () => {
    const skipped: string[] = [];
    const parsed = parseArgoCdSecrets(
      [
        secret('repo', 'repository', { url: 'https://git.example.com/a.git', project: 'team' }),
        secret('creds', 'repo-creds', { url: 'https://git.example.com', username: 'u', password: 'p' }),
        secret('cluster', 'cluster', { name: 'prod', server: 'https://prod.example.com' }),
        secret('broken', 'repository', {}),
        secret('argocd-secret', undefined, { 'server.secretkey': 'k' }),
      ],
      (name, problem) => skipped.push(`${name ?? ''}: ${problem}`),
    );
    expect(parsed.repositories.map((r) => [r.secretName, r.project])).toEqual([['repo', 'team']]);
    expect(parsed.templates.map((t) => [t.secretName, t.username])).toEqual([['creds', 'u']]);
    expect(parsed.clusters.map((c) => c.name)).toEqual(['prod']);
    expect(skipped).toEqual([expect.stringMatching(/^broken: .*url.*required/)]);
  });
});
