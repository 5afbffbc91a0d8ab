// The refs a remote advertises (`git ls-remote --symref`), and resolving a revision against them.
// Pure, so a refresh pass can run one ls-remote per repository and resolve every app from it.

export interface RemoteRefs {
  /** Ref name → SHA, with `HEAD` and peeled tags as `refs/tags/<name>^{}` → commit. */
  readonly refs: ReadonlyMap<string, string>;
  /** The branch HEAD points to (`refs/heads/main`), when the server says. */
  readonly headTarget: string | undefined;
}

/** Parse `git ls-remote --symref` output. */
export function parseLsRemote(stdout: string): RemoteRefs {
  const refs = new Map<string, string>();
  let headTarget: string | undefined;
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab === -1) continue;
    const left = line.slice(0, tab);
    const name = line.slice(tab + 1).trim();
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') headTarget = left.slice('ref: '.length).trim();
    } else if (/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(left)) {
      refs.set(name, left);
    }
  }
  return { refs, headTarget };
}

/**
 * The commit SHA `revision` names among the remote's refs, or undefined. `HEAD` is the default
 * branch; a full `refs/…` name is taken as is; a short name is tried as a branch, then as a tag
 * (a branch wins when both exist, as in Argo CD). Annotated tags resolve to their commit.
 */
export function resolveFromRefs(remote: RemoteRefs, revision: string): string | undefined {
  const candidates =
    revision === 'HEAD' ? ['HEAD'] : revision.startsWith('refs/') ? [revision] : [`refs/heads/${revision}`, `refs/tags/${revision}`];
  for (const name of candidates) {
    const sha = remote.refs.get(`${name}^{}`) ?? remote.refs.get(name);
    if (sha !== undefined) return sha;
  }
  return undefined;
}
