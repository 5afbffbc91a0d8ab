export { RepoService, type ChartFetcher, type ManifestRequest, type ManifestResponse, type RepoServiceOptions, type RepoServiceStats, type ResolveOptions } from './service.js';
export {
  ConcurrencyLimiter,
  RepoServerClient,
  parseRepoServerUrl,
  startRepoServerHttp,
  REPO_SERVER_API,
  type ManifestSource,
  type RepoServerClientOptions,
  type RepoServerErrorBody,
  type RepoServerHttp,
  type RepoServerHttpOptions,
} from './http.js';
export { renderApp, type RenderAppOptions, type RenderedApp } from './render-app.js';
export { repoCredentialsFrom, watchedRepoCredentials, type RepoCredentials } from './credentials.js';
export { describeIssues, fromRequestCredentials, redactSecrets, requestCredentialsSchema, secretValuesOf, toRequestCredentials, type RequestCredentials } from './request-credentials.js';
