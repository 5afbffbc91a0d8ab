// Helm chart repositories over HTTP(S): the `index.yaml` (parsed, checked, cached per repository and
// credentials with a short TTL, revalidated with ETags), version resolution the way `helm pull`
// resolves it, and the download of a chart archive (digest checked when the index gives one).
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import type { GitCredentials } from '../../git/credentials.js';
import { isRecord } from '../manifests.js';
import { httpGet, shownUrl } from './http.js';
import { ConstraintSyntaxError, pickVersion } from './semver.js';

export interface ChartVersionEntry {
  version: string;
  urls: string[];
  /** sha256 of the archive, hex, when the index gives it. */
  digest?: string;
}

export interface ChartIndex {
  /** The index.yaml as served (written to Helm's cache for `helm dependency build --skip-refresh`). */
  raw: Buffer;
  entries: ReadonlyMap<string, readonly ChartVersionEntry[]>;
}

/** `https://host/path` without trailing slashes: the form repository URLs are compared in. */
export function normalizeRepoUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** Parses an index.yaml; entries that are not chart versions (no version, no URL) are skipped like Helm skips them. */
export function parseIndex(raw: Buffer, shown: string): ChartIndex {
  let doc: unknown;
  try {
    doc = parse(raw.toString('utf8'), { maxAliasCount: 100 });
  } catch (err) {
    throw new UserError(errorCodes.HELM_REPO_FAILED, `${shown}: index.yaml is not valid YAML: ${messageOf(err).split('\n')[0] ?? ''}`);
  }
  if (!isRecord(doc) || !isRecord(doc['entries'])) {
    throw new UserError(errorCodes.HELM_REPO_FAILED, `${shown}: index.yaml has no "entries" map (is this a Helm chart repository?)`);
  }
  const entries = new Map<string, ChartVersionEntry[]>();
  for (const [name, list] of Object.entries(doc['entries'])) {
    if (!Array.isArray(list)) continue;
    const versions: ChartVersionEntry[] = [];
    for (const item of list) {
      if (!isRecord(item)) continue;
      const version = item['version'];
      const urls = Array.isArray(item['urls']) ? item['urls'].filter((u): u is string => typeof u === 'string' && u !== '') : [];
      if (typeof version !== 'string' || version === '' || urls.length === 0) continue;
      const digest = item['digest'];
      versions.push({ version, urls, ...(typeof digest === 'string' && /^[0-9a-f]{64}$/i.test(digest) ? { digest: digest.toLowerCase() } : {}) });
    }
    entries.set(name, versions);
  }
  return { raw, entries };
}

/** The index entry `wanted` (exact version or constraint; '' = latest release) names. */
export function findChartVersion(index: ChartIndex, chart: string, wanted: string, shown: string): ChartVersionEntry {
  const versions = index.entries.get(chart);
  if (versions === undefined || versions.length === 0) {
    throw new UserError(errorCodes.HELM_CHART_NOT_FOUND, `chart "${chart}" is not in ${shown}`);
  }
  let picked: string | undefined;
  try {
    picked = pickVersion(
      versions.map((v) => v.version),
      wanted,
    );
  } catch (err) {
    if (err instanceof ConstraintSyntaxError) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `targetRevision: ${err.message}`);
    throw err;
  }
  const entry = picked === undefined ? undefined : versions.find((v) => v.version === picked);
  if (entry === undefined) {
    const newest = versions
      .slice(0, 5)
      .map((v) => v.version)
      .join(', ');
    throw new UserError(errorCodes.HELM_CHART_NOT_FOUND, `no version of chart "${chart}" in ${shown} matches "${wanted === '' ? '*' : wanted}" (it has ${newest}${versions.length > 5 ? ', …' : ''})`);
  }
  return entry;
}

export interface RepoLimits {
  timeoutMs: number;
  maxIndexBytes: number;
  maxChartBytes: number;
}

interface CachedIndex {
  at: number;
  etag: string | undefined;
  index: Promise<ChartIndex>;
}

const credsKey = (creds: GitCredentials | undefined): string => createHash('sha256').update(JSON.stringify(creds ?? {})).digest('hex');

/** Index downloads shared by every caller: one in flight per repository + credentials, reused for `ttlMs`. */
export class IndexCache {
  private readonly cache = new Map<string, CachedIndex>();
  /** Index downloads (full answers) and revalidations answered 304. */
  readonly counters = { downloads: 0, notModified: 0 };

  constructor(
    private readonly limits: RepoLimits,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(repoURL: string, creds: GitCredentials | undefined, fresh = false): Promise<ChartIndex> {
    const base = normalizeRepoUrl(repoURL);
    const key = `${base}\0${credsKey(creds)}`;
    const cached = this.cache.get(key);
    if (!fresh && cached !== undefined && this.now() - cached.at < this.ttlMs) return cached.index;
    const url = `${base}/index.yaml`;
    const previous = cached?.index;
    const load = async (): Promise<ChartIndex> => {
      const res = await httpGet(url, { creds, maxBytes: this.limits.maxIndexBytes, timeoutMs: this.limits.timeoutMs, etag: previous === undefined ? undefined : cached?.etag });
      if (res.notModified && previous !== undefined) {
        this.counters.notModified++;
        return previous;
      }
      if (res.notModified) throw new UserError(errorCodes.HELM_REPO_FAILED, `GET ${shownUrl(url)}: 304 without a cached copy`);
      this.counters.downloads++;
      entry.etag = res.etag;
      return parseIndex(res.body, shownUrl(base));
    };
    // load() reaches `entry` only after its first await, when entry exists.
    const entry: CachedIndex = { at: this.now(), etag: cached?.etag, index: load() };
    this.cache.set(key, entry);
    // A failed download is not remembered: the next caller tries again.
    entry.index.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    return entry.index;
  }
}

/** Downloads the archive of an index entry, resolving a relative URL against the repository's. */
export async function downloadChart(repoURL: string, entry: ChartVersionEntry, creds: GitCredentials | undefined, limits: RepoLimits, passCredentials: boolean): Promise<Buffer> {
  const first = entry.urls[0] ?? '';
  // Helm resolves chart URLs against the repository URL taken as a directory.
  const url = new URL(first, `${normalizeRepoUrl(repoURL)}/`).toString();
  if (!/^https?:\/\//i.test(url)) throw new UserError(errorCodes.HELM_REPO_FAILED, `chart URL "${shownUrl(url)}" in ${shownUrl(repoURL)}/index.yaml is not http(s)`);
  const credentialsOrigin = new URL(normalizeRepoUrl(repoURL)).origin;
  const res = await httpGet(url, { creds, passCredentials, credentialsOrigin, maxBytes: limits.maxChartBytes, timeoutMs: limits.timeoutMs });
  if (res.notModified) throw new UserError(errorCodes.HELM_REPO_FAILED, `GET ${shownUrl(url)}: unexpected 304`);
  if (entry.digest !== undefined) {
    const actual = createHash('sha256').update(res.body).digest('hex');
    if (actual !== entry.digest) {
      throw new UserError(errorCodes.HELM_REPO_FAILED, `GET ${shownUrl(url)}: the archive's sha256 ${actual} is not the index's digest ${entry.digest}`);
    }
  }
  return res.body;
}
