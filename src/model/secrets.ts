// Argo CD's declarative Secrets: repositories, credential templates (`repo-creds`) and clusters, told
// apart by the label `argocd.argoproj.io/secret-type`. Values come base64-encoded in `data` (what the
// API server returns) or in plain text in `stringData` (what users write in YAML); both are read.
//
// A malformed Secret throws a UserError naming the Secret and the key, never echoing a secret value,
// so the caller can skip that one Secret and keep the others working.
import { z } from 'zod';
import { UserError, errorCodes } from '../errors.js';
import { parseGoBool } from '../util/go-bool.js';
import { issuesToErrors } from './validation.js';

export const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';
export const SECRET_TYPES = ['repository', 'repo-creds', 'cluster'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

/** The shape of a core/v1 Secret this module reads (a client-node V1Secret fits). */
export interface SecretLike {
  metadata?: {
    name?: string | undefined;
    namespace?: string | undefined;
    labels?: Record<string, string> | undefined;
    annotations?: Record<string, string> | undefined;
  };
  data?: Record<string, string> | undefined;
  stringData?: Record<string, string> | undefined;
}

function secretName(secret: SecretLike): string {
  const name = secret.metadata?.name ?? '(unnamed)';
  return secret.metadata?.namespace === undefined ? name : `${secret.metadata.namespace}/${name}`;
}

function invalid(secret: SecretLike, key: string, problem: string): UserError {
  return new UserError(errorCodes.SECRET_INVALID, `secret ${secretName(secret)}: ${key}: ${problem}`);
}

/** The kind of Argo CD Secret, or undefined for any other Secret (or an unknown label value). */
export function secretTypeOf(secret: SecretLike): SecretType | undefined {
  const value = secret.metadata?.labels?.[SECRET_TYPE_LABEL];
  return SECRET_TYPES.find((t) => t === value);
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The Secret's values as text: `data` decoded from base64, overlaid with `stringData` (which the API
 * server would merge the same way on write). Throws when a `data` value is not base64.
 */
export function secretValues(secret: SecretLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, encoded] of Object.entries(secret.data ?? {})) {
    const compact = encoded.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !base64Pattern.test(compact)) throw invalid(secret, `data.${key}`, 'not valid base64');
    out[key] = Buffer.from(compact, 'base64').toString('utf8');
  }
  Object.assign(out, secret.stringData ?? {});
  return out;
}

/** Go's strconv.ParseBool, which Argo CD uses for flags stored in Secrets. */
function parseBool(secret: SecretLike, values: Record<string, string>, key: string): boolean | undefined {
  const raw = values[key];
  if (raw === undefined || raw === '') return undefined;
  const value = parseGoBool(raw);
  if (value === undefined) throw invalid(secret, key, `expected "true" or "false", got "${raw}"`);
  return value;
}

function text(values: Record<string, string>, key: string): string | undefined {
  const v = values[key];
  return v === undefined || v === '' ? undefined : v;
}

// ---- repositories and credential templates --------------------------------------------------------

export const REPOSITORY_TYPES = ['git', 'helm', 'oci'] as const;
export type RepositoryType = (typeof REPOSITORY_TYPES)[number];

/** Credentials and connection settings shared by `repository` and `repo-creds` Secrets. */
export interface RepositoryCredentials {
  username?: string;
  password?: string;
  /** HTTPS bearer token (Bitbucket Data Center, Azure DevOps). */
  bearerToken?: string;
  sshPrivateKey?: string;
  /** PEM client certificate and key for mutual TLS. */
  tlsClientCertData?: string;
  tlsClientCertKey?: string;
  /** Skip TLS verification (HTTPS) or host key checking (SSH). */
  insecure?: boolean;
  /** Helm repositories that are OCI registries. */
  enableOCI?: boolean;
  enableLfs?: boolean;
  forceHttpBasicAuth?: boolean;
  /** HTTP(S) proxy URL and the hosts that bypass it. */
  proxy?: string;
  noProxy?: string;
  githubAppID?: string;
  githubAppInstallationID?: string;
  githubAppPrivateKey?: string;
  githubAppEnterpriseBaseUrl?: string;
  gcpServiceAccountKey?: string;
  useAzureWorkloadIdentity?: boolean;
}

export interface Repository extends RepositoryCredentials {
  /** Name of the Secret it came from. */
  secretName: string;
  url: string;
  /** `git` when the Secret does not say. */
  type: RepositoryType;
  /** Display name; for Helm repositories also the alias charts refer to. */
  name?: string;
  /** Set when the repository is scoped to one AppProject. */
  project?: string;
  /** Keys kawa does not read, kept so tools can round-trip them. Values are secret: never log them. */
  extra: Record<string, string>;
}

/** A credential template: its credentials apply to every repository whose URL starts with `url`. */
export interface RepoCreds extends RepositoryCredentials {
  secretName: string;
  url: string;
  type: RepositoryType;
  /** Set when the template serves only the apps of one AppProject. */
  project?: string;
  extra: Record<string, string>;
}

const credentialTextKeys = [
  'username',
  'password',
  'bearerToken',
  'sshPrivateKey',
  'tlsClientCertData',
  'tlsClientCertKey',
  'proxy',
  'noProxy',
  'githubAppID',
  'githubAppInstallationID',
  'githubAppPrivateKey',
  'githubAppEnterpriseBaseUrl',
  'gcpServiceAccountKey',
] as const satisfies readonly (keyof RepositoryCredentials)[];

const credentialBoolKeys = [
  'insecure',
  'enableOCI',
  'enableLfs',
  'forceHttpBasicAuth',
  'useAzureWorkloadIdentity',
] as const satisfies readonly (keyof RepositoryCredentials)[];

/** Every credential key of a `repository` or `repo-creds` Secret: what an API write may set. */
export const REPOSITORY_CREDENTIAL_KEYS = [...credentialTextKeys, ...credentialBoolKeys] as const;

/** The credential keys whose values are secret: the API never answers them. */
export const SECRET_CREDENTIAL_KEYS = [
  'password',
  'bearerToken',
  'sshPrivateKey',
  'tlsClientCertKey',
  'githubAppPrivateKey',
  'gcpServiceAccountKey',
] as const satisfies readonly (typeof credentialTextKeys)[number][];

const repositoryOwnKeys = ['url', 'type', 'name', 'project'];
/** The keys kawa reads from a repository or template Secret; any other is kept as `extra`. */
export const KNOWN_REPOSITORY_KEYS: ReadonlySet<string> = new Set<string>([...repositoryOwnKeys, ...REPOSITORY_CREDENTIAL_KEYS]);

function readCredentials(secret: SecretLike, values: Record<string, string>): RepositoryCredentials {
  const creds: RepositoryCredentials = {};
  for (const key of credentialTextKeys) {
    const v = text(values, key);
    if (v !== undefined) creds[key] = v;
  }
  for (const key of credentialBoolKeys) {
    const v = parseBool(secret, values, key);
    if (v !== undefined) creds[key] = v;
  }
  if ((creds.tlsClientCertData === undefined) !== (creds.tlsClientCertKey === undefined)) {
    throw invalid(secret, creds.tlsClientCertData === undefined ? 'tlsClientCertData' : 'tlsClientCertKey', 'tlsClientCertData and tlsClientCertKey must be set together');
  }
  return creds;
}

function readRepositoryBase(secret: SecretLike, expected: SecretType): { values: Record<string, string>; url: string; type: RepositoryType; extra: Record<string, string> } {
  const actual = secretTypeOf(secret);
  if (actual !== expected) throw invalid(secret, `metadata.labels["${SECRET_TYPE_LABEL}"]`, `expected "${expected}", got ${actual === undefined ? 'none' : `"${actual}"`}`);
  const values = secretValues(secret);
  const url = text(values, 'url')?.trim();
  if (url === undefined) throw invalid(secret, 'url', 'required');
  const rawType = text(values, 'type') ?? 'git';
  const type = REPOSITORY_TYPES.find((t) => t === rawType);
  if (type === undefined) throw invalid(secret, 'type', `must be one of ${REPOSITORY_TYPES.join(', ')}, got "${rawType}"`);
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (!KNOWN_REPOSITORY_KEYS.has(key)) extra[key] = value;
  return { values, url, type, extra };
}

/** A `repository` Secret. */
export function parseRepositorySecret(secret: SecretLike): Repository {
  const { values, url, type, extra } = readRepositoryBase(secret, 'repository');
  const repo: Repository = { secretName: secret.metadata?.name ?? '', url, type, ...readCredentials(secret, values), extra };
  const name = text(values, 'name');
  if (name !== undefined) repo.name = name;
  const project = text(values, 'project');
  if (project !== undefined) repo.project = project;
  return repo;
}

/** A `repo-creds` Secret (credential template). */
export function parseRepoCredsSecret(secret: SecretLike): RepoCreds {
  const { values, url, type, extra } = readRepositoryBase(secret, 'repo-creds');
  const creds: RepoCreds = { secretName: secret.metadata?.name ?? '', url, type, ...readCredentials(secret, values), extra };
  const project = text(values, 'project');
  if (project !== undefined) creds.project = project;
  return creds;
}

// ---- clusters -------------------------------------------------------------------------------------

/** The JSON in a cluster Secret's `config` key (a subset of client-go's rest.Config). */
export const clusterConfigSchema = z.looseObject({
  username: z.string().optional(),
  password: z.string().optional(),
  bearerToken: z.string().optional(),
  tlsClientConfig: z
    .looseObject({
      insecure: z.boolean().optional(),
      serverName: z.string().optional(),
      // Base64 of PEM, as Go encodes []byte in JSON.
      caData: z.string().describe('base64 PEM').optional(),
      certData: z.string().describe('base64 PEM').optional(),
      keyData: z.string().describe('base64 PEM').optional(),
    })
    .optional(),
  execProviderConfig: z
    .looseObject({
      command: z.string(),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      apiVersion: z.string().optional(),
      installHint: z.string().optional(),
    })
    .optional(),
  awsAuthConfig: z.looseObject({ clusterName: z.string().optional(), roleARN: z.string().optional(), profile: z.string().optional() }).optional(),
  proxyUrl: z.string().optional(),
  disableCompression: z.boolean().optional(),
});

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

export interface Cluster {
  secretName: string;
  /** Display name; applications may use it as `destination.name`. */
  name: string;
  /** API server URL; applications may use it as `destination.server`. */
  server: string;
  /** When set, only these namespaces are managed (and cluster-scoped objects only with clusterResources). */
  namespaces: string[];
  clusterResources: boolean;
  project?: string;
  /** Controller shard pinned to this cluster. */
  shard?: number;
  config: ClusterConfig;
  /** The Secret's labels and annotations (minus the secret-type label): ApplicationSet selectors read them. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The address kawa's own cluster goes by, and its default name, as in Argo CD. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const IN_CLUSTER_NAME = 'in-cluster';

/**
 * The cluster kawa runs in, as apps may name it when no cluster Secret declares it (Argo CD's default).
 * `onlyNamespace`: a namespace install, whose roles hold Roles in their own namespace only — kawa manages
 * that namespace alone there, and no cluster-scoped objects (a cluster Secret for the in-cluster server
 * overrides this, as it overrides the whole default).
 */
export function inClusterDefault(options: { onlyNamespace?: string | undefined } = {}): Cluster {
  const only = options.onlyNamespace;
  const scope = only === undefined || only === '' ? { namespaces: [], clusterResources: true } : { namespaces: [only], clusterResources: false };
  return { secretName: '', name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, ...scope, config: {}, labels: {}, annotations: {} };
}

/** The in-cluster destination among the cluster Secrets: the one for its server, else the default (see {@link inClusterDefault}). */
export function inClusterOf(clusters: readonly Cluster[], options: { onlyNamespace?: string | undefined } = {}): Cluster {
  return clusters.find((c) => c.server === IN_CLUSTER_SERVER) ?? inClusterDefault(options);
}

/** A `cluster` Secret. */
export function parseClusterSecret(secret: SecretLike): Cluster {
  const actual = secretTypeOf(secret);
  if (actual !== 'cluster') throw invalid(secret, `metadata.labels["${SECRET_TYPE_LABEL}"]`, `expected "cluster", got ${actual === undefined ? 'none' : `"${actual}"`}`);
  const values = secretValues(secret);

  const server = text(values, 'server')?.trim();
  if (server === undefined) throw invalid(secret, 'server', 'required');
  let serverUrl: URL;
  try {
    serverUrl = new URL(server);
  } catch {
    throw invalid(secret, 'server', `"${server}" is not a URL`);
  }
  if (serverUrl.protocol !== 'https:' && serverUrl.protocol !== 'http:') throw invalid(secret, 'server', `"${server}" must be an http(s) URL`);
  // Argo CD names an unnamed in-cluster Secret "in-cluster"; other clusters need a name to be addressable.
  const name = text(values, 'name') ?? (server === IN_CLUSTER_SERVER ? IN_CLUSTER_NAME : undefined);
  if (name === undefined) throw invalid(secret, 'name', 'required');

  let rawConfig: unknown = {};
  const configText = text(values, 'config');
  if (configText !== undefined) {
    try {
      rawConfig = JSON.parse(configText) as unknown;
    } catch {
      throw invalid(secret, 'config', 'not valid JSON');
    }
  }
  const parsed = clusterConfigSchema.safeParse(rawConfig);
  if (!parsed.success) {
    throw new UserError(errorCodes.SECRET_INVALID, `secret ${secretName(secret)}: ${issuesToErrors(parsed.error.issues, rawConfig, 'config').join('; ')}`);
  }
  const config = parsed.data;
  for (const field of ['caData', 'certData', 'keyData'] as const) {
    const v = config.tlsClientConfig?.[field];
    if (v !== undefined && (v.replace(/\s+/g, '').length % 4 !== 0 || !base64Pattern.test(v.replace(/\s+/g, '')))) {
      throw invalid(secret, `config.tlsClientConfig.${field}`, 'not valid base64');
    }
  }
  if ((config.tlsClientConfig?.certData === undefined) !== (config.tlsClientConfig?.keyData === undefined)) {
    throw invalid(secret, 'config.tlsClientConfig', 'certData and keyData must be set together');
  }

  const cluster: Cluster = {
    secretName: secret.metadata?.name ?? '',
    name,
    server,
    namespaces: (text(values, 'namespaces') ?? '')
      .split(',')
      .map((ns) => ns.trim())
      .filter((ns) => ns !== ''),
    clusterResources: parseBool(secret, values, 'clusterResources') ?? false,
    config,
    labels: Object.fromEntries(Object.entries(secret.metadata?.labels ?? {}).filter(([k]) => k !== SECRET_TYPE_LABEL)),
    annotations: { ...(secret.metadata?.annotations ?? {}) },
  };
  const project = text(values, 'project');
  if (project !== undefined) cluster.project = project;
  const shard = text(values, 'shard');
  if (shard !== undefined) {
    if (!/^\d+$/.test(shard)) throw invalid(secret, 'shard', `expected a non-negative integer, got "${shard}"`);
    cluster.shard = Number(shard);
  }
  return cluster;
}

/** Whether kawa may manage objects in `namespace` ('' for cluster-scoped objects) on this cluster. */
export function isNamespaceManaged(cluster: Pick<Cluster, 'namespaces' | 'clusterResources'>, namespace: string): boolean {
  if (cluster.namespaces.length === 0) return true;
  return namespace === '' ? cluster.clusterResources : cluster.namespaces.includes(namespace);
}

