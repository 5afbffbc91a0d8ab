// /api/v1/repocreds (Argo CD's RepoCredsService): credential templates by URL prefix.
import { queryFlag, seg, type ApiClient } from '../api.js';

export interface RepoCreds {
  url: string;
  username?: string;
  password?: string;
  type?: string;
  sshPrivateKey?: string;
  tlsClientCertData?: string;
  hasCredentials?: boolean;
}

const base = '/api/v1/repocreds';

export function repoCredsApi(client: ApiClient) {
  return {
    list: () => client.call<{ items?: RepoCreds[] | null }>('GET', base),
    create: (creds: RepoCreds, upsert: boolean | undefined) => client.call<unknown>('POST', base, { query: { upsert: queryFlag(upsert) }, body: creds }),
    delete: (url: string) => client.call<unknown>('DELETE', `${base}/${seg(url)}`),
  };
}
