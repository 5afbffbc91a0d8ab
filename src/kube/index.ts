// The Kubernetes edge of kawa: discovery, the live-state cache (list+watch), resource filters, tracking,
// and the writes (server-side apply, replace, create, delete) as raw JSON.
export {
  APPLY_PATCH_CONTENT_TYPE,
  ApplyError,
  create,
  deleteObject,
  describeRef,
  getObject,
  isRetryable,
  replace,
  resourcePath,
  serverSideApply,
  withRetry,
  withTrackingMarks,
  type ApplyOptions,
  type DeleteOptions,
  type DeletePropagation,
  type WriteOptions as ObjectWriteOptions,
} from './apply.js';
export { ClusterCache, HEAP_BYTES_PER_JSON_BYTE, type CacheEvent, type CacheListener, type CacheStats, type ClusterCacheOptions, type TypeStats } from './cache.js';
export {
  Discovery,
  apiVersionOfResource,
  collectionPath,
  discoverApiResources,
  isWatchable,
  type ApiResource,
  type DiscoveryOptions,
  type DiscoveryResult,
} from './discovery.js';
export { globMatch } from './glob.js';
export {
  DEFAULT_BACKOFF,
  Informer,
  backoffDelay,
  realSleep,
  type BackoffOptions,
  type InformerEvent,
  type InformerEventType,
  type InformerLogger as KubeLogger,
  type InformerOptions,
  type InformerStats,
  type ListPage,
  type ListWatch,
  type Sleep,
  type WatchHandle,
} from './informer.js';
export { kubeListWatch } from './listwatch.js';
export {
  apiVersionOf,
  groupKindKey,
  groupOf,
  keyOf,
  parseResourceKey,
  refOf,
  resourceKey,
  versionOf,
  type GroupKind,
  type KubeObject,
  type KubeObjectMeta,
  type OwnerReference,
  type ResourceRef,
} from './objects.js';
export {
  ALWAYS_EXCLUDED,
  DEFAULT_EXCLUSIONS,
  ResourceFilter,
  parseResourceFilterSettings,
  type ExclusionReason,
  type FilteredResource,
  type ResourceFilterSettings,
} from './resource-filter.js';
export { KubeApiError, KubeRest, isGone, statusCodeOf, type HttpMethod, type QueryParams, type RequestEvent, type RequestOptions, type WriteOptions } from './rest.js';
export { LAST_APPLIED_ANNOTATION, stripForCache } from './strip.js';
export {
  DEFAULT_INSTANCE_LABEL,
  TRACKING_ID_ANNOTATION,
  TRACKING_METHODS,
  appInstanceName,
  formatTrackingId,
  parseAppInstanceName,
  parseTrackingId,
  parseTrackingMethod,
  trackedAppInstance,
  trackingIdMatches,
  trackingMarks,
  type AppRef,
  type TrackingId,
  type TrackingMethod,
  type TrackingOptions,
} from './tracking.js';
