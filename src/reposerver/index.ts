export { RepoService, type ChartFetcher, type ManifestRequest, type ManifestResponse, type RepoServiceOptions, type RepoServiceStats } from './service.js';
