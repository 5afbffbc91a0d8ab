// /api/v1/clusters (Argo CD's ClusterService). A cluster is named by its server URL, or by its name.
import { queryFlag, seg, type ApiClient, type QueryValue } from '../api.js';

type ConnectionState = { status?: string; message?: string };

export interface Cluster {
  server: string;
  name?: string;
  serverVersion?: string;
  project?: string;
  namespaces?: string[];
  connectionState?: ConnectionState;
  info?: { serverVersion?: string; connectionState?: ConnectionState };
}

/** What `cluster add` registers: the server, how to reach it, and its scope. */
export interface ClusterWrite {
  server: string;
  name: string;
  config: { bearerToken: string; tlsClientConfig: { insecure: boolean; caData?: string } };
  namespaces?: string[];
  clusterResources?: boolean;
  project?: string;
}

const base = '/api/v1/clusters';
/** Anything but an http(s) URL is a cluster name (`id.type=name`). */
const one = (serverOrName: string): { path: string; query: Record<string, QueryValue> } => ({
  path: `${base}/${seg(serverOrName)}`,
  query: /^https?:\/\//.test(serverOrName) ? {} : { 'id.type': 'name' },
});

export function clustersApi(client: ApiClient) {
  return {
    list: () => client.call<{ items?: Cluster[] | null }>('GET', base),
    get: (serverOrName: string) => {
      const { path, query } = one(serverOrName);
      return client.call<Cluster>('GET', path, { query });
    },
    create: (cluster: ClusterWrite, upsert: boolean | undefined) => client.call<unknown>('POST', base, { query: { upsert: queryFlag(upsert) }, body: cluster }),
    delete: (serverOrName: string) => {
      const { path, query } = one(serverOrName);
      return client.call<unknown>('DELETE', path, { query });
    },
  };
}
