// /api/v1/clusters (Argo CD's ClusterService).
import { http } from './http';
import type { Cluster, ListOf } from './types';

export const clusterService = {
  list: () => http.get<ListOf<Cluster>>('/api/v1/clusters'),
};
