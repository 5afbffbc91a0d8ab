// /api/v1/projects (Argo CD's ProjectService).
import { http, seg } from './http';
import type { AppProject, ListOf } from './types';

export const projectService = {
  list: () => http.get<ListOf<AppProject>>('/api/v1/projects'),
  get: (name: string) => http.get<AppProject>(`/api/v1/projects/${seg(name)}`),
  create: (project: AppProject) => http.post<AppProject>('/api/v1/projects', { project }),
  update: (project: AppProject) => http.put<AppProject>(`/api/v1/projects/${seg(project.metadata.name)}`, { project }),
  delete: (name: string) => http.del<unknown>(`/api/v1/projects/${seg(name)}`),
};
