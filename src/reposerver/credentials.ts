// What a RepoService needs to fetch with credentials, from the parsed repository and repo-creds Secrets:
// the credentials an app of a project uses for a URL (the one resolver, git/repo-credentials.ts) and the
// Helm repositories that project sees (chart dependencies name them `@name`). One copy for every role
// that runs a RepoService; `watchedRepoCredentials` feeds it from the shared settings reader.
import type { GitCredentials } from '../git/credentials.js';
import { resolveRepoCredentials, servesProject, type CredentialSources } from '../git/repo-credentials.js';
import type { HelmRepository } from '../render/index.js';
import { parseArgoCdSecrets, type SettingsReader } from '../settings/index.js';

export interface RepoCredentials {
  /** The credentials an app of `project` uses for `repoURL` (undefined project: global Secrets only). */
  readonly credentials: (repoURL: string, project: string | undefined) => GitCredentials | undefined;
  /** Helm repositories declared as repository Secrets of type `helm` that an app of `project` may use, each with its credentials. */
  readonly helmRepositories: (project: string | undefined) => HelmRepository[];
  /**
   * The repository and repo-creds Secrets an app of `project` may use (its project's own and the global
   * ones, nothing of other projects): what a caller sends a remote repo server with each request.
   */
  readonly sources: (project: string | undefined) => CredentialSources;
}

/** Credentials over whatever `sources()` holds when asked (it may change between calls). */
export function repoCredentialsFrom(sources: () => CredentialSources): RepoCredentials {
  const credentials = (repoURL: string, project: string | undefined): GitCredentials | undefined => resolveRepoCredentials(repoURL, project, sources());
  return {
    credentials,
    sources: (project) => {
      const all = sources();
      return { repositories: all.repositories.filter((r) => servesProject(r.project, project)), templates: all.templates.filter((t) => servesProject(t.project, project)) };
    },
    helmRepositories: (project) =>
      sources()
        .repositories.filter((r) => r.type === 'helm' && servesProject(r.project, project))
        .map((r) => {
          const creds = credentials(r.url, project);
          return { ...(r.name === undefined ? {} : { name: r.name }), url: r.url, ...(creds === undefined ? {} : { creds }) };
        }),
  };
}

/** Credentials from the repository Secrets the settings reader watches, parsed again only after a change. */
export function watchedRepoCredentials(reader: SettingsReader, skipped: (name: string | undefined, problem: string) => void): RepoCredentials {
  let parsed: { version: number; sources: CredentialSources } | undefined;
  return repoCredentialsFrom(() => {
    if (parsed?.version !== reader.version) {
      const version = reader.version;
      const { repositories, templates } = parseArgoCdSecrets(reader.allSecrets(), skipped);
      parsed = { version, sources: { repositories, templates } };
    }
    return parsed.sources;
  });
}
