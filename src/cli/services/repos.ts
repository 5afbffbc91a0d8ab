// Tables of repositories, credential templates and clusters, with argocd's columns.
import type { Cluster } from './api/clusters.js';
import type { RepoCreds } from './api/repocreds.js';
import type { Repository } from './api/repositories.js';
import { formatTable } from './table.js';

const yesNo = (b: boolean | undefined): string => String(b === true);

export function repoTable(repos: readonly Repository[]): string {
  return formatTable(
    ['TYPE', 'NAME', 'REPO', 'INSECURE', 'OCI', 'LFS', 'CREDS', 'STATUS', 'MESSAGE', 'PROJECT'],
    repos.map((r) => [
      r.type ?? 'git',
      r.name ?? '',
      r.repo,
      yesNo(r.insecure),
      yesNo(r.enableOCI),
      yesNo(r.enableLfs),
      String(r.inheritedCreds === true || r.hasCredentials === true || (r.username !== undefined && r.username !== '')),
      r.connectionState?.status ?? '',
      r.connectionState?.message ?? '',
      r.project ?? '',
    ]),
  );
}

export function credsTable(creds: readonly RepoCreds[]): string {
  return formatTable(
    ['URL PATTERN', 'USERNAME', 'SSH_CREDS', 'TLS_CREDS'],
    creds.map((c) => [c.url, c.username ?? '', yesNo(c.sshPrivateKey !== undefined && c.sshPrivateKey !== ''), yesNo(c.tlsClientCertData !== undefined && c.tlsClientCertData !== '')]),
  );
}

export function clusterTable(clusters: readonly Cluster[]): string {
  return formatTable(
    ['SERVER', 'NAME', 'VERSION', 'STATUS', 'MESSAGE', 'PROJECT'],
    clusters.map((c) => {
      const state = c.info?.connectionState ?? c.connectionState;
      return [c.server, c.name ?? '', c.info?.serverVersion ?? c.serverVersion ?? '', state?.status ?? '', state?.message ?? '', c.project ?? ''];
    }),
  );
}
