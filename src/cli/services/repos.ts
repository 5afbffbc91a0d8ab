// Tables of repositories, credential templates and clusters, with argocd's columns.
import { formatTable } from './table.js';

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

export interface RepoCreds {
  url: string;
  username?: string;
  type?: string;
  sshPrivateKey?: string;
  tlsClientCertData?: string;
  hasCredentials?: boolean;
}

export interface Cluster {
  server: string;
  name?: string;
  serverVersion?: string;
  project?: string;
  namespaces?: string[];
  connectionState?: { status?: string; message?: string };
  info?: { serverVersion?: string; connectionState?: { status?: string; message?: string } };
}

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
