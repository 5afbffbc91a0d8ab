// Charts from Helm chart repositories (`index.yaml` over HTTP(S)) and OCI registries: the repo
// server's ChartFetcher for `source.chart`, and the index cache that `helm dependency build` reuses.
import { createHash } from 'node:crypto';
import { UserError, errorCodes } from '../../errors.js';
import type { GitCredentials } from '../../git/credentials.js';
import type { ToolPaths } from '../tools.js';
import { isOciRepo, ociReference, pullOciChart, resolveOciVersion } from './oci.js';
import { downloadChart, findChartVersion, IndexCache, normalizeRepoUrl, type ChartIndex, type RepoLimits } from './repo.js';
import { ConstraintSyntaxError, isExactVersion, parseConstraint } from './semver.js';
import { DEFAULT_MAX_CHART_BYTES, unpackChart } from './tar.js';
import { shownUrl } from './http.js';

export { isOciRepo } from './oci.js';
export { normalizeRepoUrl } from './repo.js';
export { pickVersion, parseVersion, parseConstraint, compareVersions } from './semver.js';

/** A Helm repository known by name (repository Secrets of `type: helm`), for dependencies written `@name` / `alias:name`. */
export interface HelmRepository {
  /** The Secret's `name`: what `repository: "@name"` refers to. */
  name?: string;
  url: string;
  creds?: GitCredentials;
}

export interface HelmChartsOptions {
  tools?: ToolPaths;
  /** How long an index.yaml or a resolved OCI range is reused (default 3 s; a refresh pass fetches it once). */
  indexTtlMs?: number;
  /** Per download or helm call (default 60 s). */
  timeoutMs?: number;
  /** index.yaml cap (default 64 MiB: big public indexes are tens of MiB). */
  maxIndexBytes?: number;
  /** Chart archive cap, compressed (default 20 MiB); decompressed it is capped at 100 MiB like Helm does. */
  maxChartBytes?: number;
  /** Where private helper directories go (default: the OS temp directory). */
  tempRoot?: string;
  now?: () => number;
}

export interface ChartArgs {
  repoURL: string;
  chart: string;
  version: string;
  creds?: GitCredentials;
  /** Send the credentials to a chart URL on another host too (`helm.passCredentials`). */
  passCredentials?: boolean;
}

export interface HelmChartsStats {
  indexDownloads: number;
  indexNotModified: number;
  ociResolves: number;
  chartDownloads: number;
}

function checkChartName(chart: string): void {
  if (chart === '' || chart.startsWith('-') || chart.includes('..') || /[\s\\?#]/.test(chart)) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `chart "${chart}" is not a valid chart name`);
  }
}

function checkConstraint(version: string): void {
  if (version === '' || isExactVersion(version)) return;
  try {
    parseConstraint(version);
  } catch (err) {
    if (err instanceof ConstraintSyntaxError) throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `targetRevision: ${err.message}`);
    throw err;
  }
}

export class HelmCharts {
  private readonly indexes: IndexCache;
  private readonly limits: RepoLimits;
  private readonly options: HelmChartsOptions;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly ociVersions = new Map<string, { at: number; version: Promise<string> }>();
  private readonly counters = { ociResolves: 0, chartDownloads: 0 };

  constructor(options: HelmChartsOptions = {}) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.ttlMs = options.indexTtlMs ?? 3_000;
    this.limits = {
      timeoutMs: options.timeoutMs ?? 60_000,
      maxIndexBytes: options.maxIndexBytes ?? 64 * 1024 * 1024,
      maxChartBytes: options.maxChartBytes ?? 20 * 1024 * 1024,
    };
    this.indexes = new IndexCache(this.limits, this.ttlMs, this.now);
  }

  stats(): HelmChartsStats {
    return { indexDownloads: this.indexes.counters.downloads, indexNotModified: this.indexes.counters.notModified, ...this.counters };
  }

  /** The parsed index.yaml of an HTTP(S) chart repository (cached; see indexTtlMs). */
  index(repoURL: string, creds?: GitCredentials): Promise<ChartIndex> {
    return this.indexes.get(repoURL, creds);
  }

  /** The exact chart version `version` (exact, a semver range, or '' for the latest release) names now. */
  async resolveVersion(args: ChartArgs): Promise<string> {
    checkChartName(args.chart);
    checkConstraint(args.version);
    if (isOciRepo(args.repoURL)) {
      // An exact version needs no registry call; a range is resolved by helm (it lists the tags).
      if (isExactVersion(args.version)) return args.version;
      return this.resolveOci(args);
    }
    const index = await this.index(args.repoURL, args.creds);
    return findChartVersion(index, args.chart, args.version, shownUrl(normalizeRepoUrl(args.repoURL))).version;
  }

  private resolveOci(args: ChartArgs): Promise<string> {
    const { ref } = ociReference(args.repoURL, args.chart);
    const key = `${ref}\0${args.version}\0${createHash('sha256').update(JSON.stringify(args.creds ?? {})).digest('hex')}`;
    const cached = this.ociVersions.get(key);
    if (cached !== undefined && this.now() - cached.at < this.ttlMs) return cached.version;
    this.counters.ociResolves++;
    const version = resolveOciVersion(this.ociCall(args), args.repoURL, args.chart, args.version);
    const entry = { at: this.now(), version };
    // Expired answers are dropped once the map grows, so it stays bounded by what one TTL window asks.
    if (this.ociVersions.size >= 1_000) {
      for (const [k, v] of this.ociVersions) if (this.now() - v.at >= this.ttlMs) this.ociVersions.delete(k);
    }
    this.ociVersions.set(key, entry);
    version.catch(() => {
      if (this.ociVersions.get(key) === entry) this.ociVersions.delete(key);
    });
    return version;
  }

  private ociCall(args: ChartArgs): Parameters<typeof pullOciChart>[0] {
    const { host } = ociReference(args.repoURL, args.chart);
    return {
      registries: new Map([[host, args.creds]]),
      timeoutMs: this.limits.timeoutMs,
      ...(this.options.tools ? { tools: this.options.tools } : {}),
      ...(this.options.tempRoot ? { tempRoot: this.options.tempRoot } : {}),
    };
  }

  /** Unpacks chart `version` (exact, as resolveVersion gave it) into `destDir` (empty); the chart's files land in `destDir` itself. */
  async fetch(args: ChartArgs & { destDir: string }): Promise<void> {
    checkChartName(args.chart);
    this.counters.chartDownloads++;
    let archive: Buffer;
    let shown: string;
    if (isOciRepo(args.repoURL)) {
      archive = await pullOciChart(this.ociCall(args), args.repoURL, args.chart, args.version);
      shown = `chart ${ociReference(args.repoURL, args.chart).ref}:${args.version}`;
    } else {
      const index = await this.index(args.repoURL, args.creds);
      const repo = shownUrl(normalizeRepoUrl(args.repoURL));
      const entry = findChartVersion(index, args.chart, args.version, repo);
      archive = await downloadChart(args.repoURL, entry, args.creds, this.limits, args.passCredentials === true);
      shown = `chart ${args.chart}-${entry.version} from ${repo}`;
    }
    await unpackChart(archive, args.destDir, { shown, maxBytes: DEFAULT_MAX_CHART_BYTES });
  }
}
