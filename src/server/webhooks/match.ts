// Which Applications a push concerns. Pure.
//
// An app is refreshed when one of its sources
//   - names the pushed repository: compared by host and path, case-insensitively, ignoring scheme,
//     user, port, `.git` and trailing `/` (as Argo CD's webhook does), so the https and ssh forms of a
//     repository match each other;
//   - tracks the pushed ref: `HEAD`/empty tracks the default branch (any pushed branch when the payload
//     does not name one: refreshing once too often is cheap, missing a push is not); `refs/heads/x`
//     only branch x; `refs/tags/x` only tag x; a bare name either;
//   - and the push touched its path, or one of the `manifest-generate-paths` annotation's paths (`;`-
//     separated; relative to the source path, `/`-absolute from the repository root; `.` is the source
//     path). A payload that lists no files rules nothing out.
import { posix } from 'node:path';
import { parseRepoUrl } from '../../git/url.js';
import { isRecord } from '../../model/validation.js';
import type { KubeJson } from '../store.js';
import type { PushEvent } from './payload.js';
import { MANIFEST_GENERATE_PATHS_ANNOTATION } from '../../model/names.js';



/**
 * The key two URLs of one repository share: `host/path`, lower-case. Undefined for a URL that is not a
 * repository URL at all. Credentials in the URL (Azure DevOps puts the organisation there) are dropped
 * before parsing, since parseRepoUrl refuses them.
 */
export function repoKey(url: string): string | undefined {
  const withoutUser = url.replace(/^(https?:\/\/)[^@/]*@/i, '$1');
  try {
    const parsed = parseRepoUrl(withoutUser);
    // Not `normalized`: that keeps scheme, user and port apart on purpose (a clone-cache key), while a
    // push names the same repository under all of them. Host (lower-cased by parseRepoUrl) and path count.
    const path = parsed.path.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/^\/+|\/+$/g, '');
    return `${parsed.host}/${path}`.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether a source's `targetRevision` follows the pushed ref. */
export function revisionMatches(targetRevision: string | undefined, push: Pick<PushEvent, 'revision' | 'refType' | 'defaultBranch'>): boolean {
  const target = (targetRevision ?? '').trim();
  if (target === '' || target === 'HEAD') {
    if (push.refType !== 'branch') return false;
    return push.defaultBranch === undefined || push.defaultBranch === push.revision;
  }
  if (target.startsWith('refs/heads/')) return push.refType === 'branch' && target.slice('refs/heads/'.length) === push.revision;
  if (target.startsWith('refs/tags/')) return push.refType === 'tag' && target.slice('refs/tags/'.length) === push.revision;
  return target === push.revision;
}

/** A repository-relative directory or file: no leading `/` or `./`, no trailing `/`; '' is the root. */
function clean(path: string): string {
  const normalized = posix.normalize(`/${path}`).replace(/\/+$/, '');
  return normalized.replace(/^\/+/, '');
}

/** The directories whose changes concern a source: its path, or the annotation's paths. */
export function refreshPaths(sourcePath: string | undefined, annotation: string | undefined): string[] {
  const base = clean(sourcePath ?? '');
  if (annotation === undefined || annotation.trim() === '') return [base];
  const paths: string[] = [];
  for (const item of annotation.split(';').map((p) => p.trim())) {
    if (item === '') continue;
    paths.push(item.startsWith('/') ? clean(item) : clean(posix.join(base, item)));
  }
  return paths.length === 0 ? [base] : paths;
}

/** Whether any changed file lies under any of the directories (or is one of them). */
export function touches(paths: readonly string[], changedFiles: readonly string[] | undefined): boolean {
  if (changedFiles === undefined) return true;
  const files = changedFiles.map(clean);
  return paths.some((dir) => dir === '' || files.some((file) => file === dir || file.startsWith(`${dir}/`)));
}

interface Source {
  repoURL: string;
  targetRevision: string | undefined;
  path: string | undefined;
}

function sourcesOf(app: KubeJson): Source[] {
  const spec = isRecord(app['spec']) ? app['spec'] : {};
  const out: Source[] = [];
  const add = (source: unknown): void => {
    if (!isRecord(source) || typeof source['repoURL'] !== 'string') return;
    const text = (key: string): string | undefined => (typeof source[key] === 'string' ? source[key] : undefined);
    out.push({ repoURL: source['repoURL'], targetRevision: text('targetRevision'), path: text('path') });
  };
  add(spec['source']);
  if (Array.isArray(spec['sources'])) spec['sources'].forEach(add);
  return out;
}

function annotationOf(app: KubeJson, key: string): string | undefined {
  const meta = isRecord(app['metadata']) ? app['metadata'] : {};
  const annotations = isRecord(meta['annotations']) ? meta['annotations'] : {};
  const value = annotations[key];
  return typeof value === 'string' ? value : undefined;
}

/** Whether one push concerns the app. */
export function appMatches(app: KubeJson, push: PushEvent): boolean {
  const pushed = new Set(push.repoUrls.map(repoKey).filter((k): k is string => k !== undefined));
  const annotation = annotationOf(app, MANIFEST_GENERATE_PATHS_ANNOTATION);
  return sourcesOf(app).some((source) => {
    const key = repoKey(source.repoURL);
    if (key === undefined || !pushed.has(key)) return false;
    if (!revisionMatches(source.targetRevision, push)) return false;
    return touches(refreshPaths(source.path, annotation), push.changedFiles);
  });
}

/** The apps any of the pushes concerns, in the order given. */
export function appsToRefresh(apps: readonly KubeJson[], pushes: readonly PushEvent[]): KubeJson[] {
  return apps.filter((app) => pushes.some((push) => appMatches(app, push)));
}
