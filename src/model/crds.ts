// The CustomResourceDefinitions for Application and AppProject, written by hand as structural
// OpenAPI schemas. The aim: any Application or AppProject YAML that Argo CD accepts is accepted here
// unchanged, and nothing a user sets is pruned by the API server.
//
// How the schemas are built:
// - Documented fields are typed, so `spec: "oops"` or `revisionHistoryLimit: "ten"` is rejected at
//   `kubectl apply` time, before kawa ever sees it.
// - Every object node below `spec`, `operation` and `status` also has
//   `x-kubernetes-preserve-unknown-fields: true`: fields kawa does not model yet (newer Argo CD
//   releases add some in most minors) are stored instead of silently pruned. The price is that a
//   misspelt field is kept rather than rejected; kawa's own validation (application.ts) reports the
//   consequences (a missing source, say) as an InvalidSpecError condition.
// - Open-ended data (helm `valuesObject`, `sourceIntegrity`) is an untyped preserved object.
// - Rules across fields (exactly one of destination server/name, …) are not in the CRD: Argo CD
//   accepts such objects and reports them as conditions, and an app-of-apps parent must not fail to
//   sync because one child is wrong.
//
// These are plain JSON in the API's own field names (`x-kubernetes-preserve-unknown-fields`). Do not
// send them through @kubernetes/client-node's typed CRD serializer (KubernetesObjectApi, or
// ApiextensionsV1Api.create/replace): it expects its own property names (`x_kubernetes_…`) inside
// `properties` and silently drops ours, and the API server then prunes every unmodelled field.
// `ApiextensionsV1Api.patchCustomResourceDefinition` sends its body untouched and works, as does any
// raw JSON request (see test/e2e/model.test.ts).
import { APPLICATION_KIND, ARGOPROJ_GROUP, ARGOPROJ_VERSION } from './application.js';
import { APPPROJECT_KIND } from './project.js';

/** An OpenAPI v3 schema node as apiextensions.k8s.io/v1 accepts it (the subset used here). */
export interface JsonSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps;
  items?: JsonSchemaProps;
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 shows in `kubectl get`; higher only with `-o wide`. */
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources?: { status?: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

export const APPLICATION_CRD_NAME = `applications.${ARGOPROJ_GROUP}`;
export const APPPROJECT_CRD_NAME = `appprojects.${ARGOPROJ_GROUP}`;

// ---- schema builders ------------------------------------------------------------------------------

const str = (description?: string): JsonSchemaProps => (description === undefined ? { type: 'string' } : { type: 'string', description });
const bool: JsonSchemaProps = { type: 'boolean' };
const int64: JsonSchemaProps = { type: 'integer', format: 'int64' };
const strings: JsonSchemaProps = { type: 'array', items: { type: 'string' } };
const stringMap: JsonSchemaProps = { type: 'object', additionalProperties: { type: 'string' } };
const intOrString: JsonSchemaProps = { 'x-kubernetes-int-or-string': true };
/** Any JSON object, stored as given. */
const anyObject = (description?: string): JsonSchemaProps => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  'x-kubernetes-preserve-unknown-fields': true,
});
const list = (items: JsonSchemaProps, description?: string): JsonSchemaProps => ({
  type: 'array',
  ...(description === undefined ? {} : { description }),
  items,
});

/** A typed object that also keeps fields it does not list (see the header). */
function obj(properties: Record<string, JsonSchemaProps>, options: { required?: string[]; description?: string } = {}): JsonSchemaProps {
  return {
    type: 'object',
    ...(options.description === undefined ? {} : { description: options.description }),
    properties,
    ...(options.required === undefined ? {} : { required: options.required }),
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

/** The root of a kind's schema: the object envelope (apiVersion, kind, metadata) and its own top-level fields. */
function kindRoot(description: string, fields: Record<string, JsonSchemaProps>): JsonSchemaProps {
  return {
    type: 'object',
    description,
    required: ['metadata', 'spec'],
    properties: { apiVersion: str(), kind: str(), metadata: { type: 'object' }, ...fields },
  };
}

// ---- Application ----------------------------------------------------------------------------------

const jsonnetVar = obj({ name: str(), value: str(), code: bool }, { required: ['name', 'value'] });

const helm = obj(
  {
    valueFiles: strings,
    values: str('Values as a YAML string; valuesObject wins when both are set.'),
    valuesObject: anyObject('Values as an object.'),
    parameters: list(obj({ name: str(), value: str(), forceString: bool })),
    fileParameters: list(obj({ name: str(), path: str() })),
    releaseName: str(),
    version: str(),
    passCredentials: bool,
    ignoreMissingValueFiles: bool,
    skipCrds: bool,
    skipTests: bool,
    skipSchemaValidation: bool,
    namespace: str(),
    kubeVersion: str(),
    apiVersions: strings,
  },
  { description: 'Helm options.' },
);

const kustomize = obj(
  {
    namePrefix: str(),
    nameSuffix: str(),
    images: strings,
    commonLabels: stringMap,
    commonAnnotations: stringMap,
    commonAnnotationsEnvsubst: bool,
    forceCommonLabels: bool,
    forceCommonAnnotations: bool,
    labelWithoutSelector: bool,
    labelIncludeTemplates: bool,
    namespace: str(),
    replicas: list(obj({ name: str(), count: intOrString }, { required: ['name', 'count'] })),
    patches: list(
      obj({
        path: str(),
        patch: str(),
        target: obj({
          group: str(),
          version: str(),
          kind: str(),
          name: str(),
          namespace: str(),
          labelSelector: str(),
          annotationSelector: str(),
        }),
        options: { type: 'object', additionalProperties: bool },
      }),
    ),
    components: strings,
    ignoreMissingComponents: bool,
    version: str(),
    kubeVersion: str(),
    apiVersions: strings,
  },
  { description: 'Kustomize options.' },
);

const directory = obj(
  {
    recurse: bool,
    include: str('Glob of files to use.'),
    exclude: str('Glob of files to skip; wins over include.'),
    jsonnet: obj({ extVars: list(jsonnetVar), tlas: list(jsonnetVar), libs: strings }),
  },
  { description: 'Plain manifests and Jsonnet options.' },
);

const plugin = obj(
  {
    name: str(),
    env: list(obj({ name: str(), value: str() }, { required: ['name', 'value'] })),
    parameters: list(obj({ name: str(), string: str(), array: strings, map: stringMap })),
  },
  { description: 'Config management plugin options.' },
);

const source = obj(
  {
    repoURL: str('Git, Helm repository or OCI URL.'),
    path: str(),
    targetRevision: str('Branch, tag, commit or chart version; empty means HEAD.'),
    chart: str(),
    ref: str('Name other sources use as $<ref> (multi-source apps).'),
    name: str(),
    helm,
    kustomize,
    directory,
    plugin,
  },
  { required: ['repoURL'] },
);

const destination = obj({ server: str(), name: str(), namespace: str() }, { description: 'Exactly one of server or name.' });

const retry = obj({
  limit: { ...int64, description: 'Retries after a failure; negative means unlimited.' },
  backoff: obj({ duration: str(), factor: int64, maxDuration: str() }),
  refresh: bool,
});

const applicationSpec = obj(
  {
    source,
    sources: list(source),
    sourceHydrator: obj(
      {
        drySource: obj({ repoURL: str(), targetRevision: str(), path: str() }, { required: ['repoURL'] }),
        syncSource: obj({ targetBranch: str(), path: str() }),
        hydrateTo: obj({ targetBranch: str() }),
      },
      { required: ['drySource', 'syncSource'] },
    ),
    destination,
    project: str(),
    syncPolicy: obj({
      automated: obj({ prune: bool, selfHeal: bool, allowEmpty: bool, enabled: bool }),
      syncOptions: strings,
      retry,
      managedNamespaceMetadata: obj({ labels: stringMap, annotations: stringMap }),
    }),
    ignoreDifferences: list(
      obj(
        {
          group: str(),
          kind: str(),
          name: str(),
          namespace: str(),
          jsonPointers: strings,
          jqPathExpressions: strings,
          managedFieldsManagers: strings,
        },
        { required: ['kind'] },
      ),
    ),
    info: list(obj({ name: str(), value: str() })),
    revisionHistoryLimit: int64,
  },
  { required: ['destination', 'project'] },
);

const operation = obj(
  {
    sync: obj({
      revision: str(),
      revisions: strings,
      prune: bool,
      dryRun: bool,
      resources: list(obj({ group: str(), kind: str(), name: str(), namespace: str() }, { required: ['kind', 'name'] })),
      syncOptions: strings,
      syncStrategy: obj({ apply: obj({ force: bool }), hook: obj({ force: bool }) }),
      source,
      sources: list(source),
      manifests: strings,
      autoHealAttemptsCount: int64,
    }),
    initiatedBy: obj({ username: str(), automated: bool }),
    info: list(obj({ name: str(), value: str() }, { required: ['name', 'value'] })),
    retry,
  },
  { description: 'A requested or running operation (sync or rollback).' },
);

// Status is the controller's to write and its shape is validated by kawa (application.ts); the CRD only
// types what printer columns read, so `kubectl get` never shows garbage.
const applicationStatus = obj(
  {
    sync: obj({ status: str(), revision: str(), revisions: strings }),
    health: obj({ status: str(), message: str() }),
  },
  { description: 'Written by the controller through the status subresource.' },
);

const applicationRoot = kindRoot('An Argo CD compatible Application: what to deploy (source), where (destination) and how (syncPolicy).', {
  spec: applicationSpec,
  operation,
  status: applicationStatus,
});

type CrdVersion = CustomResourceDefinition['spec']['versions'][number];

/** A namespaced argoproj.io CRD with one served, stored version whose schema is `root`. */
function argoprojCrd(
  name: string,
  names: CustomResourceDefinition['spec']['names'],
  root: JsonSchemaProps,
  extra: Pick<CrdVersion, 'subresources' | 'additionalPrinterColumns'> = {},
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'kawa' } },
    spec: {
      group: ARGOPROJ_GROUP,
      names,
      scope: 'Namespaced',
      versions: [{ name: ARGOPROJ_VERSION, served: true, storage: true, schema: { openAPIV3Schema: root }, ...extra }],
    },
  };
}

/**
 * The Application CRD.
 *
 * Unlike Argo CD's, it has a status subresource. Argo CD writes status through the main resource, so
 * anyone who can update an Application (a user, `kubectl apply` of an exported object, a parent
 * app-of-apps) can overwrite or wipe its status. With the subresource, writes to the main resource
 * ignore `status` and writes to `/status` ignore everything else: status belongs to the controller,
 * and status-only writes no longer bump `metadata.generation`, which then tracks spec changes alone.
 * The consequences: kawa writes status only through `/status`, and a tool that writes status through
 * the main resource (Argo CD's own controller, were it pointed at this CRD) would see its status
 * writes dropped. `operation` is a top-level field, not status, so the API and CLI still set it with a
 * normal update, as in Argo CD.
 */
export function applicationCrd(): CustomResourceDefinition {
  return argoprojCrd(
    APPLICATION_CRD_NAME,
    { kind: APPLICATION_KIND, listKind: `${APPLICATION_KIND}List`, plural: 'applications', singular: 'application', shortNames: ['app', 'apps'] },
    applicationRoot,
    {
      subresources: { status: {} },
      // Same columns as Argo CD, so `kubectl get apps` reads the same (no AGE column there either).
      additionalPrinterColumns: [
        { name: 'Sync Status', type: 'string', jsonPath: '.status.sync.status' },
        { name: 'Health Status', type: 'string', jsonPath: '.status.health.status' },
        { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision', priority: 10 },
        { name: 'Project', type: 'string', jsonPath: '.spec.project', priority: 10 },
      ],
    },
  );
}

// ---- AppProject -----------------------------------------------------------------------------------

const groupKind = obj({ group: str(), kind: str() }, { required: ['group', 'kind'] });
const clusterResource = obj({ group: str(), kind: str(), name: str('Optional glob over object names.') }, { required: ['group', 'kind'] });
const jwtToken = obj({ iat: int64, exp: int64, id: str() }, { required: ['iat'] });

const appProjectSpec = obj({
  description: str(),
  sourceRepos: { ...strings, description: 'Repository URL globs; a leading ! denies.' },
  sourceNamespaces: strings,
  destinations: list(obj({ server: str(), name: str(), namespace: str() })),
  destinationServiceAccounts: list(
    obj({ server: str(), namespace: str(), defaultServiceAccount: str() }, { required: ['server', 'defaultServiceAccount'] }),
  ),
  permitOnlyProjectScopedClusters: bool,
  clusterResourceWhitelist: list(clusterResource),
  clusterResourceBlacklist: list(clusterResource),
  namespaceResourceWhitelist: list(groupKind),
  namespaceResourceBlacklist: list(groupKind),
  orphanedResources: obj({ warn: bool, ignore: list(obj({ group: str(), kind: str(), name: str() })) }),
  syncWindows: list(
    obj({
      kind: str('allow or deny'),
      schedule: str('Cron schedule of the window start.'),
      duration: str(),
      applications: strings,
      namespaces: strings,
      clusters: strings,
      manualSync: bool,
      timeZone: str(),
      andOperator: bool,
      description: str(),
    }),
  ),
  roles: list(
    obj(
      { name: str(), description: str(), policies: strings, groups: strings, jwtTokens: list(jwtToken) },
      { required: ['name'] },
    ),
  ),
  signatureKeys: list(obj({ keyID: str() }, { required: ['keyID'] })),
  sourceIntegrity: anyObject(),
});

const appProjectRoot = kindRoot('An Argo CD compatible AppProject: which sources, destinations and kinds its Applications may use.', {
  spec: appProjectSpec,
  status: obj({ jwtTokensByRole: { type: 'object', additionalProperties: obj({ items: list(jwtToken) }) } }),
});

/**
 * The AppProject CRD. No status subresource, like Argo CD: the API server keeps role tokens in both
 * spec and status and writes them together in one update.
 */
export function appProjectCrd(): CustomResourceDefinition {
  return argoprojCrd(
    APPPROJECT_CRD_NAME,
    { kind: APPPROJECT_KIND, listKind: `${APPPROJECT_KIND}List`, plural: 'appprojects', singular: 'appproject', shortNames: ['appproj', 'appprojs'] },
    appProjectRoot,
  );
}

/** Both CRDs, in install order. */
export function kawaCrds(): CustomResourceDefinition[] {
  return [applicationCrd(), appProjectCrd()];
}

/** Whether a CRD read back from the API server is `Established` (its API is being served). */
export function isCrdEstablished(crd: { status?: { conditions?: readonly { type?: string; status?: string }[] | undefined } | undefined }): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}
