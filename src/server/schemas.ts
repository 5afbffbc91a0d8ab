// Every request and response shape of the API, declared once: fastify validates requests with them and
// @fastify/swagger turns them into the OpenAPI document. Names follow the definitions of Argo CD's
// swagger.json (`v1alpha1Application`, `applicationApplicationSyncRequest`, …) so the two documents
// read alike.
//
// Requests are strict (see strict.ts): unknown fields are refused with their path. Responses use the
// model's loose schemas, so fields kawa does not model still reach the caller.
import { z } from 'zod';
import {
  APPLICATION_KIND,
  APPPROJECT_KIND,
  ARGOPROJ_API_VERSION,
  appProjectSchema,
  appProjectSpecSchema,
  applicationSchema,
  applicationSourceSchema,
  applicationSpecSchema,
  retryStrategySchema,
  syncOperationResourceSchema,
  syncStrategySchema,
  syncWindowSchema,
} from '../model/index.js';
import { strictify, type Extras } from './strict.js';
import { GO_FALSE_WORDS, GO_TRUE_WORDS, parseGoBool } from '../util/go-bool.js';

/** Names schemas for the OpenAPI document (components.schemas). */
export const schemaRegistry = z.registry<{ id: string; description?: string }>();

export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  schemaRegistry.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

// ---- building blocks --------------------------------------------------------------------------------

/**
 * A Kubernetes object name (RFC 1123 subdomain, as the API server requires of custom resources): so a
 * path parameter can never carry `/`, `..`, upper case or control characters.
 */
export const kubeName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a Kubernetes object name (lower-case letters, digits, "-" and ".")');

/** A namespace name (RFC 1123 label). */
export const namespaceName = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name');

/** A boolean query parameter, read like grpc-gateway reads it (Go's strconv.ParseBool). */
export const queryBool = z.enum([...GO_TRUE_WORDS, ...GO_FALSE_WORDS]).transform((v) => parseGoBool(v) === true);

/** A repeatable query parameter (`?projects=a&projects=b`); one value arrives as a string. */
export const queryList = z.union([z.string(), z.array(z.string())]).transform((v) => (typeof v === 'string' ? [v] : v));

/** An int64, which protobuf JSON writes as a string. */
export const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'must be an integer')]).transform((v) => Number(v));

/** The error body of every failure (Argo CD's `runtimeError`). */
export const errorBodySchema = named(
  'runtimeError',
  z.object({
    error: z.string(),
    code: z.number().int().describe('gRPC status code'),
    message: z.string(),
    details: z
      .array(z.object({ '@type': z.string(), reason: z.string(), domain: z.string(), metadata: z.record(z.string(), z.string()).optional() }))
      .optional()
      .describe('kawa only: a google.rpc.ErrorInfo whose reason (see apiReasons in src/errors.ts) says which cause refused the request'),
  }),
  'A failed request: the message, and the gRPC status code Argo CD would answer with.',
);

/** Response schemas for failures, added to every route. */
export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;

/** A route's responses: `ok` when it succeeds, the error body for every failure. */
export function answers<T extends z.ZodType>(ok: T): { 200: T } & typeof errorResponses {
  return { 200: ok, ...errorResponses };
}

export const emptySchema = named('emptyResponse', z.object({}));

// ---- object metadata --------------------------------------------------------------------------------

const strMap = z.record(z.string(), z.string());

/** Kubernetes ObjectMeta, every field, strict: a request may send back what it read. */
export const objectMetaWriteSchema = z.strictObject({
  name: kubeName,
  generateName: z.string().optional(),
  namespace: namespaceName.optional(),
  selfLink: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  deletionGracePeriodSeconds: z.number().int().optional(),
  labels: strMap.optional(),
  annotations: strMap.optional(),
  ownerReferences: z
    .array(
      z.strictObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(z.record(z.string(), z.unknown())).optional(),
});

/**
 * The type fields and metadata of an Argo CD object as a client writes it: apiVersion and kind are
 * optional (a client may send just metadata and spec; the server fills them in), metadata is strict.
 */
function objectWriteFields<K extends string>(kind: K) {
  return { apiVersion: z.literal(ARGOPROJ_API_VERSION).optional(), kind: z.literal(kind).optional(), metadata: objectMetaWriteSchema };
}

// Fields Argo CD 3 has that the model does not list yet; accepted so Argo CD manifests keep working.
const extras: Extras = new Map<z.ZodType, Record<string, z.ZodType>>([
  [applicationSourceSchema, { tagPrefix: z.string().optional() }],
  [appProjectSpecSchema, { sourceIntegrity: z.record(z.string(), z.unknown()).optional() }],
  [syncWindowSchema, { syncOverrun: z.boolean().optional() }],
]);

// ---- applications -----------------------------------------------------------------------------------

export const applicationSpecWriteSchema = named('v1alpha1ApplicationSpecWrite', strictify(applicationSpecSchema, extras));

export const applicationWriteSchema = named(
  'v1alpha1ApplicationWrite',
  z.strictObject({
    ...objectWriteFields(APPLICATION_KIND),
    spec: applicationSpecWriteSchema,
    // Accepted so an object read from the API can be sent back, and ignored as Argo CD does: operations
    // start through /sync and /rollback, and status belongs to the controller.
    operation: z.unknown().optional(),
    status: z.unknown().optional(),
  }),
  'An Application as a client writes it; operation and status are ignored.',
);

export const applicationResponseSchema = named('v1alpha1Application', applicationSchema);
export const applicationSpecResponseSchema = named('v1alpha1ApplicationSpec', applicationSpecSchema);

export const applicationListSchema = named(
  'v1alpha1ApplicationList',
  z.object({ metadata: z.object({ resourceVersion: z.string().optional() }), items: z.array(applicationResponseSchema) }),
);

/** Which applications a list or a stream is about: the same filters for both. */
export const applicationFilterFields = {
  name: z.string().optional().describe("the application's name"),
  projects: queryList.optional().describe('the project names to restrict returned list applications'),
  project: queryList.optional().describe('the project names (alias of projects)'),
  selector: z.string().optional().describe('the label selector to restrict returned list to applications only with matched labels'),
  appNamespace: z.string().optional().describe('the application namespace'),
};

const appFilter = applicationFilterFields;
// Named one by one so the parameters keep Argo CD's order in the OpenAPI document (generated clients follow it).
export const applicationQuerySchema = z.strictObject({
  name: appFilter.name,
  refresh: z.enum(['normal', 'hard']).optional().describe('forces application reconciliation if set (normal or hard)'),
  projects: appFilter.projects,
  project: appFilter.project,
  resourceVersion: z.string().optional().describe('when specified with a watch call, shows changes that occur after that particular version of a resource'),
  selector: appFilter.selector,
  repo: z.string().optional().describe('the repoURL to restrict returned list applications'),
  appNamespace: appFilter.appNamespace,
});

export const appScopeQuerySchema = z.strictObject({
  appNamespace: z.string().optional(),
  project: z.string().optional().describe('the project the application must belong to'),
});

export const nameParamsSchema = z.strictObject({ name: kubeName });

export const createQuerySchema = z.strictObject({
  upsert: queryBool.optional().describe('update the application if it exists and differs'),
  validate: queryBool.optional().describe('validate the spec (default true)'),
});

export const updateQuerySchema = z.strictObject({
  validate: queryBool.optional(),
  project: z.string().optional(),
  appNamespace: z.string().optional(),
});

export const deleteQuerySchema = z.strictObject({
  cascade: queryBool.optional().describe('delete the managed resources too (default true)'),
  propagationPolicy: z.string().optional().describe('foreground or background (when cascading)'),
  appNamespace: z.string().optional(),
  project: z.string().optional(),
});

export const applicationPatchRequestSchema = named(
  'applicationApplicationPatchRequest',
  z.strictObject({
    name: z.string().optional(),
    patch: z.string().describe('the patch document, as a JSON string'),
    patchType: z.enum(['json', 'merge', '']).optional().describe('json (RFC 6902, the default) or merge (RFC 7386)'),
    appNamespace: z.string().optional(),
    project: z.string().optional(),
  }),
);

const infoSchema = z.strictObject({ name: z.string(), value: z.string() });

export const applicationSyncRequestSchema = named(
  'applicationApplicationSyncRequest',
  z.strictObject({
    name: z.string().optional(),
    revision: z.string().optional(),
    dryRun: z.boolean().optional(),
    prune: z.boolean().optional(),
    strategy: strictify(syncStrategySchema, extras).optional(),
    resources: z.array(strictify(syncOperationResourceSchema, extras)).optional(),
    manifests: z.array(z.string()).optional(),
    infos: z.array(infoSchema).optional(),
    retryStrategy: strictify(retryStrategySchema, extras).optional(),
    syncOptions: z.strictObject({ items: z.array(z.string()).optional() }).optional(),
    appNamespace: z.string().optional(),
    project: z.string().optional(),
    revisions: z.array(z.string()).optional(),
    sourcePositions: z.array(int64).optional(),
  }),
);

export const applicationRollbackRequestSchema = named(
  'applicationApplicationRollbackRequest',
  z.strictObject({
    name: z.string().optional(),
    id: int64.describe('the history entry to roll back to'),
    dryRun: z.boolean().optional(),
    prune: z.boolean().optional(),
    appNamespace: z.string().optional(),
    project: z.string().optional(),
  }),
);

// ---- projects ---------------------------------------------------------------------------------------

export const appProjectWriteSchema = named(
  'v1alpha1AppProjectWrite',
  z.strictObject({
    ...objectWriteFields(APPPROJECT_KIND),
    spec: strictify(appProjectSpecSchema, extras),
    // Kept from the stored project on update: role token lists are changed through the token routes.
    status: z.unknown().optional(),
  }),
);

export const appProjectResponseSchema = named('v1alpha1AppProject', appProjectSchema);

export const appProjectListSchema = named(
  'v1alpha1AppProjectList',
  z.object({ metadata: z.object({ resourceVersion: z.string().optional() }), items: z.array(appProjectResponseSchema) }),
);

export const projectCreateRequestSchema = named(
  'projectProjectCreateRequest',
  z.strictObject({ project: appProjectWriteSchema, upsert: z.boolean().optional() }),
);

export const projectUpdateRequestSchema = named('projectProjectUpdateRequest', z.strictObject({ project: appProjectWriteSchema }));

export const projectQuerySchema = z.strictObject({ name: z.string().optional() });

// ---- session and version ----------------------------------------------------------------------------

export const sessionCreateRequestSchema = named(
  'sessionSessionCreateRequest',
  z.strictObject({
    username: z.string().max(1024).optional(),
    password: z.string().max(1024).optional(),
    token: z.string().max(8192).optional().describe('a token to turn into a session cookie, instead of username and password'),
  }),
);

export const sessionResponseSchema = named('sessionSessionResponse', z.object({ token: z.string().optional() }));

export const userInfoSchema = named(
  'sessionGetUserInfoResponse',
  z.object({ loggedIn: z.boolean(), username: z.string().optional(), iss: z.string().optional(), groups: z.array(z.string()).optional() }),
);

export const versionMessageSchema = named(
  'versionVersionMessage',
  z.object({
    Version: z.string(),
    BuildDate: z.string().optional(),
    GitCommit: z.string().optional(),
    GitTag: z.string().optional(),
    GitTreeState: z.string().optional(),
    GoVersion: z.string().optional(),
    Compiler: z.string().optional(),
    Platform: z.string().optional(),
    KustomizeVersion: z.string().optional(),
    HelmVersion: z.string().optional(),
    KubectlVersion: z.string().optional(),
    JsonnetVersion: z.string().optional(),
    ExtraBuildInfo: z.string().optional(),
  }),
);

export const healthQuerySchema = z.strictObject({ full: queryBool.optional().describe('also check the Kubernetes API') });
