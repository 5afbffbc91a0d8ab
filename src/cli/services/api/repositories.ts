// /api/v1/repositories (Argo CD's RepositoryService).
import { queryFlag, seg, type ApiClient } from '../api.js';

/** A repository as the CLI writes and reads it (Argo CD's fields; kawa's answers are a subset). */
export interface Repository {
  repo: string;
  type?: string;
  name?: string;
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  insecure?: boolean;
  enableOCI?: boolean;
  enableLfs?: boolean;
  project?: string;
  inheritedCreds?: boolean;
  /** kawa: credentials of its own are stored (never returned). */
  hasCredentials?: boolean;
  connectionState?: { status?: string; message?: string };
}

const base = '/api/v1/repositories';

export function repositoriesApi(client: ApiClient) {
  return {
    /** With `forceRefresh`, the server checks each connection again. */
    list: (forceRefresh: boolean) => client.call<{ items?: Repository[] | null }>('GET', base, { query: { forceRefresh: queryFlag(forceRefresh) } }),
    get: (url: string) => client.call<Repository>('GET', `${base}/${seg(url)}`),
    create: (repository: Repository, upsert: boolean | undefined) => client.call<unknown>('POST', base, { query: { upsert: queryFlag(upsert) }, body: repository }),
    delete: (url: string) => client.call<unknown>('DELETE', `${base}/${seg(url)}`),
  };
}
