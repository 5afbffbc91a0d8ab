// The declarative Secrets the reader keeps, parsed: repositories, credential templates (`repo-creds`) and
// clusters. Every role that needs them (controller, repo server, API server) reads them the same way; a
// malformed Secret is reported and skipped, so one typo never hides the others.
import { messageOf } from '../errors.js';
import type { KubeObject } from '../kube/objects.js';
import { parseClusterSecret, parseRepoCredsSecret, parseRepositorySecret, secretTypeOf, type Cluster, type RepoCreds, type Repository } from '../model/secrets.js';

export interface ArgoCdSecrets {
  readonly clusters: Cluster[];
  readonly repositories: Repository[];
  readonly templates: RepoCreds[];
}

/** Parse the repository, repo-creds and cluster Secrets among `secrets`; `skipped` hears of each malformed one. */
export function parseArgoCdSecrets(secrets: Iterable<KubeObject>, skipped: (name: string | undefined, problem: string) => void): ArgoCdSecrets {
  const out: ArgoCdSecrets = { clusters: [], repositories: [], templates: [] };
  for (const secret of secrets) {
    try {
      switch (secretTypeOf(secret)) {
        case 'cluster':
          out.clusters.push(parseClusterSecret(secret));
          break;
        case 'repository':
          out.repositories.push(parseRepositorySecret(secret));
          break;
        case 'repo-creds':
          out.templates.push(parseRepoCredsSecret(secret));
          break;
        case undefined:
          break;
      }
    } catch (err) {
      skipped(secret.metadata?.name, messageOf(err));
    }
  }
  return out;
}
