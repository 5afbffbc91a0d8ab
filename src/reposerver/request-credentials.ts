// Repository credentials inside a repo server request, as Argo CD's controller and API server send them to
// argocd-repo-server: the caller (which may read the repository and repo-creds Secrets) sends those an app
// of the request's project may use, and the repo server (which has no Kubernetes access at all) uses them
// for that one request. They are never kept: the caches key by a digest of them (credentialsIdentity),
// never by the values. Only the fields credential resolution reads travel (no `extra` keys).
//
// Whatever the repo server answers or logs goes through redactSecrets with the request's secret values,
// so a password a tool echoed back, or a value a validation message quoted, never leaves it.
import { z } from 'zod';
import type { CredentialSources } from '../git/repo-credentials.js';
import { REPOSITORY_TYPES, type RepoCreds, type Repository, type RepositoryCredentials } from '../model/index.js';

const credentialFields = {
  username: z.string().optional(),
  password: z.string().optional(),
  bearerToken: z.string().optional(),
  sshPrivateKey: z.string().optional(),
  tlsClientCertData: z.string().optional(),
  tlsClientCertKey: z.string().optional(),
  insecure: z.boolean().optional(),
};

const wireRepositorySchema = z.object({
  url: z.string().min(1),
  type: z.enum(REPOSITORY_TYPES),
  /** Helm repositories: the alias chart dependencies name (`@name`). */
  name: z.string().optional(),
  project: z.string().optional(),
  /** The Secret it came from (shown in messages; not secret). */
  secretName: z.string().optional(),
  ...credentialFields,
});

const wireTemplateSchema = z.object({
  url: z.string().min(1),
  type: z.enum(REPOSITORY_TYPES),
  project: z.string().optional(),
  secretName: z.string().optional(),
  ...credentialFields,
});

/** One set of git credentials, as the refs probe sends it (a repository Secret's own, not an app's). */
export const gitCredentialsSchema = z.object({ ...credentialFields, caData: z.string().optional(), knownHosts: z.string().optional() });

export const requestCredentialsSchema = z.object({
  repositories: z.array(wireRepositorySchema),
  templates: z.array(wireTemplateSchema),
});

export type RequestCredentials = z.infer<typeof requestCredentialsSchema>;

/** The fields of RepositoryCredentials that carry secrets (redacted wherever a message might show them). */
const SECRET_FIELDS = ['password', 'bearerToken', 'sshPrivateKey', 'tlsClientCertKey'] as const satisfies readonly (keyof RepositoryCredentials)[];

function credentialsOf(c: RepositoryCredentials): RepositoryCredentials {
  const out: RepositoryCredentials = {};
  for (const key of ['username', 'password', 'bearerToken', 'sshPrivateKey', 'tlsClientCertData', 'tlsClientCertKey'] as const) {
    const value = c[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  if (c.insecure !== undefined) out.insecure = c.insecure;
  return out;
}

/** What a caller sends: the Secrets' URLs, scopes and credentials, without `extra` keys. */
export function toRequestCredentials(sources: CredentialSources): RequestCredentials {
  return {
    repositories: sources.repositories.map((r) => ({
      url: r.url,
      type: r.type,
      ...(r.name === undefined ? {} : { name: r.name }),
      ...(r.project === undefined ? {} : { project: r.project }),
      secretName: r.secretName,
      ...credentialsOf(r),
    })),
    templates: sources.templates.map((t) => ({ url: t.url, type: t.type, ...(t.project === undefined ? {} : { project: t.project }), secretName: t.secretName, ...credentialsOf(t) })),
  };
}

/** What the repo server resolves credentials from, for the one request that carried them. */
export function fromRequestCredentials(wire: RequestCredentials): CredentialSources {
  const repositories: Repository[] = wire.repositories.map((r) => ({
    secretName: r.secretName ?? '',
    url: r.url,
    type: r.type,
    extra: {},
    ...(r.name === undefined ? {} : { name: r.name }),
    ...(r.project === undefined ? {} : { project: r.project }),
    ...credentialsOf(r),
  }));
  const templates: RepoCreds[] = wire.templates.map((t) => ({
    secretName: t.secretName ?? '',
    url: t.url,
    type: t.type,
    extra: {},
    ...(t.project === undefined ? {} : { project: t.project }),
    ...credentialsOf(t),
  }));
  return { repositories, templates };
}

/**
 * Values shorter than this are not redacted inside other text: replacing every `ab` of a message would
 * make it unreadable and hides nothing a guess would not find (no real password or token is that short).
 */
const MIN_REDACTED_LENGTH = 4;

/** The secret strings of a request's credentials: each whole value, and each line of a multi-line one (keys). */
export function secretValuesOf(credentials: RequestCredentials | CredentialSources | RepositoryCredentials | undefined): string[] {
  if (credentials === undefined) return [];
  const entries: RepositoryCredentials[] = 'repositories' in credentials ? [...credentials.repositories, ...credentials.templates] : [credentials];
  const values = new Set<string>();
  for (const entry of entries) {
    for (const field of SECRET_FIELDS) {
      const value = entry[field];
      if (value === undefined) continue;
      for (const part of [value, ...value.split(/\r?\n/).map((line) => line.trim())]) if (part.length >= MIN_REDACTED_LENGTH) values.add(part);
    }
  }
  // Longest first: a whole key goes before its lines, so no fragment of it is left behind.
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every secret value replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/**
 * Validation problems of a request body, each as `path: message`; inside `credentials` only the path and
 * the kind of problem, never a message that might quote the value.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = issue.path.map(String).join('.') || '(body)';
    return issue.path[0] === 'credentials' ? `${where}: invalid (${issue.code}; value not shown)` : `${where}: ${issue.message}`;
  });
}
