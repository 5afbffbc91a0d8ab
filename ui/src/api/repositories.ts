// /api/v1/repositories (Argo CD's RepositoryService).
import { http, seg } from './http';
import type { ListOf, Repository } from './types';

export const repositoryService = {
  list: () => http.get<ListOf<Repository>>('/api/v1/repositories'),
  create: (repo: Repository) => http.post<Repository>('/api/v1/repositories', repo),
  delete: (url: string) => http.del<unknown>(`/api/v1/repositories/${seg(url)}`),
  /** Branches and tags, for the revision field's suggestions. */
  refs: (url: string) => http.get<{ branches?: string[]; tags?: string[] }>(`/api/v1/repositories/${seg(url)}/refs`),
  /** Directories that look like apps, for the path field's suggestions. */
  apps: (url: string, revision: string) => http.get<{ items?: { type?: string; path: string }[] }>(`/api/v1/repositories/${seg(url)}/apps`, { revision }),
};
