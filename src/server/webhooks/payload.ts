// What a push webhook says was pushed: the repository (every clone URL the payload names), the ref,
// and — where the payload lists them — the files the pushed commits touched. Pure.
//
// One payload can update several refs (Bitbucket, Azure DevOps), so parsing yields a list of pushes.
// Events that are not pushes (GitHub `ping`, Bitbucket Server `diagnostics:ping`, …) yield none.
import { UserError, errorCodes } from '../../errors.js';
import { isRecord } from '../../model/validation.js';
import type { Provider } from './verify.js';

export interface PushEvent {
  /** Clone URLs of the repository (https and ssh forms), as the payload gives or implies them. */
  readonly repoUrls: readonly string[];
  /** Branch or tag name, without `refs/heads/` or `refs/tags/`. */
  readonly revision: string;
  readonly refType: 'branch' | 'tag';
  /** Files added, modified or removed by the pushed commits; undefined when the payload does not (fully) say. */
  readonly changedFiles: readonly string[] | undefined;
  /** The repository's default branch, when the payload names it (what `HEAD` means). */
  readonly defaultBranch: string | undefined;
}

type Json = Record<string, unknown>;

const bad = (provider: Provider, reason: string): UserError => new UserError(errorCodes.WEBHOOK_PAYLOAD_INVALID, `invalid ${provider} push payload: ${reason}`);

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const obj = (value: unknown): Json => (isRecord(value) ? value : {});
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const defined = (values: readonly (string | undefined)[]): string[] => [...new Set(values.filter((v): v is string => v !== undefined))];

/** `refs/heads/x` → branch x, `refs/tags/v1` → tag v1; anything else (notes, pull refs) is not for us. */
export function splitRef(ref: string): { revision: string; refType: 'branch' | 'tag' } | undefined {
  if (ref.startsWith('refs/heads/')) return { revision: ref.slice('refs/heads/'.length), refType: 'branch' };
  if (ref.startsWith('refs/tags/')) return { revision: ref.slice('refs/tags/'.length), refType: 'tag' };
  return undefined;
}

/**
 * Files of GitHub-style `commits` (GitHub, GitLab, Gitea, Gogs). Undefined when there are no commits
 * (a tag or a force-push to an existing commit) or the payload was cut short (GitLab lists 20 commits,
 * Gitea 10, and say how many there were): then nothing can be ruled out.
 */
function commitFiles(body: Json): string[] | undefined {
  const commits = arr(body['commits']).filter(isRecord);
  if (commits.length === 0) return undefined;
  const total = body['total_commits_count'] ?? body['total_commits'];
  if (typeof total === 'number' && total > commits.length) return undefined;
  const files = new Set<string>();
  for (const commit of commits) {
    for (const key of ['added', 'modified', 'removed']) {
      for (const file of arr(commit[key])) if (typeof file === 'string') files.add(file);
    }
  }
  return [...files];
}

function singleRef(provider: Provider, ref: unknown): { revision: string; refType: 'branch' | 'tag' } | undefined {
  const text = str(ref);
  if (text === undefined) throw bad(provider, '"ref" is missing');
  return splitRef(text);
}

function github(body: Json, provider: Provider): PushEvent[] {
  const ref = singleRef(provider, body['ref']);
  if (ref === undefined) return [];
  const repo = obj(body['repository']);
  const repoUrls = defined([str(repo['clone_url']), str(repo['ssh_url']), str(repo['html_url'])]);
  if (repoUrls.length === 0) throw bad(provider, 'the repository has no URL');
  return [{ ...ref, repoUrls, changedFiles: commitFiles(body), defaultBranch: str(repo['default_branch']) }];
}

function gitlab(body: Json): PushEvent[] {
  const kind = str(body['object_kind']) ?? str(body['event_name']);
  if (kind !== 'push' && kind !== 'tag_push') return [];
  const ref = singleRef('gitlab', body['ref']);
  if (ref === undefined) return [];
  const project = obj(body['project']);
  const repo = obj(body['repository']);
  const repoUrls = defined([
    str(project['git_http_url']),
    str(project['git_ssh_url']),
    str(project['web_url']),
    str(repo['git_http_url']),
    str(repo['git_ssh_url']),
    str(repo['homepage']),
  ]);
  if (repoUrls.length === 0) throw bad('gitlab', 'the project has no URL');
  return [{ ...ref, repoUrls, changedFiles: commitFiles(body), defaultBranch: str(project['default_branch']) }];
}

// Bitbucket Cloud names the repository but no clone URL; both URL forms follow from its full name.
function bitbucket(body: Json): PushEvent[] {
  const repo = obj(body['repository']);
  const fullName = str(repo['full_name']);
  const html = str(obj(obj(repo['links'])['html'])['href']);
  if (fullName === undefined && html === undefined) throw bad('bitbucket', 'the repository has no name');
  const host = (html === undefined ? undefined : /^https?:\/\/([^/]+)/i.exec(html)?.[1]) ?? 'bitbucket.org';
  const repoUrls = defined([html, fullName === undefined ? undefined : `https://${host}/${fullName}.git`, fullName === undefined ? undefined : `git@${host}:${fullName}.git`]);
  const defaultBranch = str(obj(repo['mainbranch'])['name']);
  const out: PushEvent[] = [];
  for (const change of arr(obj(body['push'])['changes']).filter(isRecord)) {
    // A deleted branch has no `new`; the old name still tells which apps lost their revision.
    const side = isRecord(change['new']) ? change['new'] : obj(change['old']);
    const name = str(side['name']);
    const type = str(side['type']);
    if (name === undefined || (type !== 'branch' && type !== 'tag' && type !== 'named_branch')) continue;
    out.push({ revision: name, refType: type === 'tag' ? 'tag' : 'branch', repoUrls, changedFiles: undefined, defaultBranch });
  }
  return out;
}

function bitbucketServer(body: Json): PushEvent[] {
  const repo = obj(body['repository']);
  const repoUrls = defined(arr(obj(repo['links'])['clone']).map((link) => str(obj(link)['href'])));
  if (repoUrls.length === 0) throw bad('bitbucketserver', 'the repository has no clone links');
  const out: PushEvent[] = [];
  for (const change of arr(body['changes']).filter(isRecord)) {
    const ref = splitRef(str(obj(change['ref'])['id']) ?? str(change['refId']) ?? '');
    if (ref !== undefined) out.push({ ...ref, repoUrls, changedFiles: undefined, defaultBranch: undefined });
  }
  return out;
}

// Azure DevOps gives the https remote `https://[org@]dev.azure.com/<org>/<project>/_git/<repo>`; its
// ssh form is `git@ssh.dev.azure.com:v3/<org>/<project>/<repo>`.
function azureSshUrl(remote: string): string | undefined {
  const match = /^https:\/\/(?:[^@/]+@)?dev\.azure\.com\/([^/]+)\/([^/]+)\/_git\/([^/]+?)\/?$/i.exec(remote);
  if (match === null) return undefined;
  const [, org = '', project = '', repo = ''] = match;
  return `git@ssh.dev.azure.com:v3/${org}/${project}/${repo}`;
}

function azureDevOps(body: Json): PushEvent[] {
  if (str(body['eventType']) !== 'git.push') return [];
  const resource = obj(body['resource']);
  const repo = obj(resource['repository']);
  const remote = str(repo['remoteUrl']);
  if (remote === undefined) throw bad('azuredevops', 'the repository has no remoteUrl');
  const repoUrls = defined([remote, str(repo['sshUrl']), azureSshUrl(remote)]);
  const defaultRef = splitRef(str(repo['defaultBranch']) ?? '');
  const out: PushEvent[] = [];
  for (const update of arr(resource['refUpdates']).filter(isRecord)) {
    const ref = splitRef(str(update['name']) ?? '');
    if (ref !== undefined) out.push({ ...ref, repoUrls, changedFiles: undefined, defaultBranch: defaultRef?.revision });
  }
  return out;
}

/** The pushes a webhook payload describes; [] for events that are not pushes. Throws WEBHOOK_PAYLOAD_INVALID. */
export function parsePush(provider: Provider, event: string | undefined, body: unknown): PushEvent[] {
  if (!isRecord(body)) throw bad(provider, 'the body is not a JSON object');
  switch (provider) {
    case 'github':
    case 'gitea':
    case 'gogs':
      return event === 'push' ? github(body, provider) : [];
    case 'gitlab':
      return gitlab(body);
    case 'bitbucket':
      return event === 'repo:push' ? bitbucket(body) : [];
    case 'bitbucketserver':
      return event === 'repo:refs_changed' ? bitbucketServer(body) : [];
    case 'azuredevops':
      return azureDevOps(body);
  }
}
