// Request and response shapes of the repository, credential-template, cluster, account and project-token
// routes, named after Argo CD's swagger definitions. Write shapes carry secrets; read shapes never do.
import { z } from 'zod';
import { REPOSITORY_TYPES, clusterConfigSchema } from '../model/index.js';
import { strictify } from './strict.js';
import { int64, kubeName, named, queryBool } from './schemas.js';

const strMap = z.record(z.string(), z.string());

/** A URL in a path parameter (URL-encoded by the client): no control characters, bounded. */
export const urlParam = z
  .string()
  .min(1)
  .max(2048)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters');

export const connectionStateSchema = named(
  'v1alpha1ConnectionState',
  z.object({
    status: z.enum(['Successful', 'Failed', 'Unknown']),
    message: z.string(),
    attemptedAt: z.string().optional(),
  }),
);
export type ConnectionState = z.output<typeof connectionStateSchema>;

// ---- repositories and credential templates --------------------------------------------------------

const credentialFields = {
  username: z.string().max(1024).optional(),
  password: z.string().max(65536).optional(),
  bearerToken: z.string().max(65536).optional(),
  sshPrivateKey: z.string().max(65536).optional(),
  tlsClientCertData: z.string().max(65536).optional(),
  tlsClientCertKey: z.string().max(65536).optional(),
  insecure: z.boolean().optional(),
  insecureIgnoreHostKey: z.boolean().optional().describe('deprecated alias of insecure for SSH'),
  enableLfs: z.boolean().optional(),
  enableOCI: z.boolean().optional(),
  forceHttpBasicAuth: z.boolean().optional(),
  proxy: z.string().max(2048).optional(),
  noProxy: z.string().max(4096).optional(),
  githubAppID: z.union([z.string(), z.number()]).transform(String).optional(),
  githubAppInstallationID: z.union([z.string(), z.number()]).transform(String).optional(),
  githubAppPrivateKey: z.string().max(65536).optional(),
  githubAppEnterpriseBaseUrl: z.string().max(2048).optional(),
  gcpServiceAccountKey: z.string().max(65536).optional(),
  useAzureWorkloadIdentity: z.boolean().optional(),
  type: z.enum(REPOSITORY_TYPES).optional(),
};

export const repositoryWriteSchema = named(
  'v1alpha1RepositoryWrite',
  z.strictObject({
    repo: z.string().min(1).max(2048).describe('the repository URL'),
    name: z.string().max(253).optional(),
    project: z.string().max(253).optional().describe('scope the repository to one project'),
    ...credentialFields,
    // Sent back by clients that read a repository and write it again; ignored.
    connectionState: z.unknown().optional(),
    inheritedCreds: z.unknown().optional(),
  }),
  'A repository as a client writes it (credentials included; they are stored in a Secret and never returned).',
);
export type RepositoryWrite = z.output<typeof repositoryWriteSchema>;

/** The connection settings a repository and a credential template answer alike (never a secret). */
const connectionFieldsOut = {
  forceHttpBasicAuth: z.boolean().optional(),
  proxy: z.string().optional(),
  noProxy: z.string().optional(),
  githubAppID: z.string().optional(),
  githubAppInstallationID: z.string().optional(),
  githubAppEnterpriseBaseUrl: z.string().optional(),
  useAzureWorkloadIdentity: z.boolean().optional(),
};

export const repositorySchema = named(
  'v1alpha1Repository',
  z.object({
    repo: z.string(),
    type: z.string().optional(),
    name: z.string().optional(),
    project: z.string().optional(),
    username: z.string().optional(),
    insecure: z.boolean().optional(),
    enableLfs: z.boolean().optional(),
    enableOCI: z.boolean().optional(),
    ...connectionFieldsOut,
    inheritedCreds: z.boolean().optional().describe('the credentials come from a credential template'),
    hasCredentials: z.boolean().optional().describe('kawa: whether credentials of its own are stored (they are never returned)'),
    connectionState: connectionStateSchema.optional(),
  }),
  'A repository as the API answers it: no password, key or token, ever.',
);
export type RepositoryOut = z.output<typeof repositorySchema>;

export const repositoryListSchema = named('v1alpha1RepositoryList', z.object({ metadata: z.object({}), items: z.array(repositorySchema) }));

export const repositoryQuerySchema = z.strictObject({
  repo: z.string().optional().describe('only this repository URL'),
  forceRefresh: queryBool.optional().describe('check the connection again instead of using the cached state'),
  appProject: z.string().optional().describe('only repositories of this project'),
});

export const repositoryUpsertQuerySchema = z.strictObject({
  upsert: queryBool.optional().describe('replace an existing repository'),
  credsOnly: queryBool.optional().describe('accepted for compatibility: the connection is never required to succeed'),
});

export const repoParamsSchema = z.strictObject({ repo: urlParam });
export const repoScopeQuerySchema = z.strictObject({
  appProject: z.string().optional(),
  forceRefresh: queryBool.optional(),
});

export const refsResponseSchema = named('repositoryRefs', z.object({ branches: z.array(z.string()), tags: z.array(z.string()) }));

export const repoCredsWriteSchema = named(
  'v1alpha1RepoCredsWrite',
  z.strictObject({ url: z.string().min(1).max(2048).describe('the URL prefix the credentials apply to'), ...credentialFields }),
);
export type RepoCredsWrite = z.output<typeof repoCredsWriteSchema>;

export const repoCredsSchema = named(
  'v1alpha1RepoCreds',
  z.object({
    url: z.string(),
    type: z.string().optional(),
    username: z.string().optional(),
    insecure: z.boolean().optional(),
    enableOCI: z.boolean().optional(),
    ...connectionFieldsOut,
    hasCredentials: z.boolean().optional(),
  }),
);
export type RepoCredsOut = z.output<typeof repoCredsSchema>;

export const repoCredsListSchema = named('v1alpha1RepoCredsList', z.object({ metadata: z.object({}), items: z.array(repoCredsSchema) }));
export const repoCredsQuerySchema = z.strictObject({ url: z.string().optional() });
export const repoCredsParamsSchema = z.strictObject({ url: urlParam });
export const upsertQuerySchema = z.strictObject({ upsert: queryBool.optional() });

// ---- clusters -------------------------------------------------------------------------------------

/** What a cluster write may configure: the model's cluster config, strict (keys and passwords are never returned). */
export const clusterConfigWriteSchema = strictify(clusterConfigSchema);

export const clusterWriteSchema = named(
  'v1alpha1ClusterWrite',
  z.strictObject({
    server: z.string().min(1).max(2048),
    name: z.string().min(1).max(253),
    config: clusterConfigWriteSchema.optional(),
    namespaces: z.array(z.string()).optional(),
    clusterResources: z.boolean().optional(),
    project: z.string().optional(),
    labels: strMap.optional(),
    annotations: strMap.optional(),
    shard: int64.optional(),
    // Sent back by clients that read a cluster and write it again; ignored.
    connectionState: z.unknown().optional(),
    serverVersion: z.unknown().optional(),
    info: z.unknown().optional(),
  }),
  'A cluster as a client writes it; bearer tokens, passwords and keys are stored in a Secret and never returned.',
);
export type ClusterWrite = z.output<typeof clusterWriteSchema>;

export const clusterSchema = named(
  'v1alpha1Cluster',
  z.object({
    server: z.string(),
    name: z.string(),
    config: z.object({
      username: z.string().optional(),
      tlsClientConfig: z.object({ insecure: z.boolean().optional(), serverName: z.string().optional(), caData: z.string().optional(), certData: z.string().optional() }).optional(),
      execProviderConfig: z.object({ command: z.string(), args: z.array(z.string()).optional(), apiVersion: z.string().optional(), installHint: z.string().optional() }).optional(),
      awsAuthConfig: z.object({ clusterName: z.string().optional(), roleARN: z.string().optional(), profile: z.string().optional() }).optional(),
      proxyUrl: z.string().optional(),
    }),
    namespaces: z.array(z.string()).optional(),
    clusterResources: z.boolean().optional(),
    project: z.string().optional(),
    labels: strMap.optional(),
    annotations: strMap.optional(),
    shard: z.number().optional(),
    connectionState: connectionStateSchema.optional(),
    serverVersion: z.string().optional(),
    info: z.object({ connectionState: connectionStateSchema.optional(), serverVersion: z.string().optional() }).optional(),
  }),
  'A cluster as the API answers it: no bearer token, password or key.',
);
export type ClusterOut = z.output<typeof clusterSchema>;

export const clusterListSchema = named('v1alpha1ClusterList', z.object({ metadata: z.object({}), items: z.array(clusterSchema) }));
export const clusterQuerySchema = z.strictObject({
  server: z.string().optional(),
  name: z.string().optional(),
  'id.type': z.enum(['url', 'name', 'name_escaped']).optional().describe('how {server} names the cluster (default url)'),
  'id.value': z.string().optional(),
  updatedFields: z.union([z.string(), z.array(z.string())]).optional().describe('PUT: only these fields are taken from the body'),
  upsert: queryBool.optional(),
});
export const clusterParamsSchema = z.strictObject({ server: urlParam });

// ---- accounts and project role tokens ---------------------------------------------------------------

/** What a token request may say of the token, for an account's API key and a project role's token alike. */
const tokenRequestFields = {
  expiresIn: int64.optional().describe('lifetime in seconds; 0 or absent: never expires'),
  id: z.string().max(128).regex(/^[A-Za-z0-9_.-]*$/).optional(),
};

export const accountTokenSchema = z.object({ id: z.string(), issuedAt: z.number(), expiresAt: z.number().optional() });

export const accountSchema = named(
  'accountAccount',
  z.object({ name: z.string(), enabled: z.boolean(), capabilities: z.array(z.string()), tokens: z.array(accountTokenSchema).optional() }),
);
export const accountListSchema = named('accountAccountsList', z.object({ items: z.array(accountSchema) }));
export const accountParamsSchema = z.strictObject({ name: z.string().min(1).max(64).regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/, 'must be an account name') });
export const tokenParamsSchema = z.strictObject({ name: accountParamsSchema.shape.name, id: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be a token id') });

export const canIParamsSchema = z.strictObject({
  resource: z.string().min(1).max(64),
  action: z.string().min(1).max(256),
  '*': z.string().max(1024).describe('the object (subresource), which may contain "/"'),
});
export const canIResponseSchema = named('accountCanIResponse', z.object({ value: z.enum(['yes', 'no']) }));

export const updatePasswordRequestSchema = named(
  'accountUpdatePasswordRequest',
  z.strictObject({
    newPassword: z.string().max(1024),
    currentPassword: z.string().max(1024),
    name: z.string().max(64).optional().describe('the account to change (default: the caller)'),
  }),
);

export const createTokenRequestSchema = named(
  'accountCreateTokenRequest',
  z.strictObject({ name: z.string().optional(), ...tokenRequestFields }),
);
export const createTokenResponseSchema = named('accountCreateTokenResponse', z.object({ token: z.string() }));

export const projectTokenParamsSchema = z.strictObject({ project: kubeName, role: z.string().min(1).max(253).regex(/^[A-Za-z0-9_.-]+$/) });
export const projectTokenDeleteParamsSchema = projectTokenParamsSchema.extend({ iat: z.string().regex(/^\d+$/).transform(Number) });
export const projectTokenDeleteQuerySchema = z.strictObject({ id: z.string().optional() });
export const projectTokenCreateRequestSchema = named(
  'projectProjectTokenCreateRequest',
  z.strictObject({
    project: z.string().optional(),
    role: z.string().optional(),
    description: z.string().max(1024).optional(),
    ...tokenRequestFields,
  }),
);
export const projectTokenResponseSchema = named('projectProjectTokenResponse', z.object({ token: z.string() }));
