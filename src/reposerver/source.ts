// What the controller and the API server need of a repo server, whether it runs in their process
// (RepoService) or behind `kawa repo-server` (RepoServerClient): one interface both implement, so the roles
// never depend on where rendering happens.
import type { RevisionMetadata } from '../git/mirror.js';
import type { ApplicationSource } from '../model/index.js';
import type { ManifestRequest, ManifestResponse, ResolveOptions } from './service.js';

export interface ManifestSource {
  /** Renders a source at its target revision (or `request.revision`) with the credentials of `request.project`. */
  generateManifests(request: ManifestRequest): Promise<ManifestResponse>;
  /** The commit SHA (or chart version) a source's target revision names now. */
  resolveRevision(source: ApplicationSource, options?: ResolveOptions): Promise<string>;
  /** Author, date, message and tags of a commit, as the credentials of `project` see the repository. */
  revisionMetadata(repoURL: string, revision: string, project?: string): Promise<RevisionMetadata>;
  /**
   * Forget what is known of a repository's refs (someone asked for a refresh): the next resolve of it asks
   * the remote again. A remote repo server is told with the next request for that repository.
   */
  invalidate(repoURL: string): void;
}
