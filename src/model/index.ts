// kawa's model of what users already have from Argo CD: Application and AppProject (schemas, types,
// validation, defaults, permission checks), their CRDs, declarative Secrets and argocd-cm settings.
// Pure: no I/O anywhere under src/model.
export * from './application.js';
export * from './project.js';
export * from './secrets.js';
export * from './names.js';
export * from './settings.js';
export * from './crds.js';
export { parseDuration, isDuration, formatDuration, type ParseDurationOptions } from './duration.js';
export { type Validation } from './validation.js';
