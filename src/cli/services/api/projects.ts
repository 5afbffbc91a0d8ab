// /api/v1/projects (Argo CD's ProjectService).
import type { AppProject } from '../../../model/index.js';
import { seg, type ApiClient } from '../api.js';
import type { TokenRequest } from './accounts.js';

const base = '/api/v1/projects';
const one = (name: string): string => `${base}/${seg(name)}`;

export function projectsApi(client: ApiClient) {
  return {
    list: () => client.call<{ items?: AppProject[] | null }>('GET', base),
    get: (name: string) => client.call<AppProject>('GET', one(name)),
    create: (project: AppProject, upsert: boolean | undefined) => client.call<unknown>('POST', base, { body: { project, ...(upsert === true ? { upsert: true } : {}) } }),
    update: (project: AppProject) => client.call<AppProject>('PUT', one(project.metadata.name), { body: { project } }),
    delete: (name: string) => client.call<unknown>('DELETE', one(name)),
    /** A JWT for a project role. */
    createRoleToken: (project: string, role: string, request: TokenRequest) =>
      client.call<{ token?: string }>('POST', `${one(project)}/roles/${seg(role)}/token`, {
        body: { project, role, expiresIn: request.expiresIn, ...(request.id === undefined ? {} : { id: request.id }) },
      }),
  };
}
