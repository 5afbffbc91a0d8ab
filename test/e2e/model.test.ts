// The model against a real API server: kawa's CRDs install (idempotently), every documented
// Application fixture is accepted unchanged with nothing pruned, status goes through the status
// subresource only, `kubectl get` columns render, and the schema rejects malformed objects.
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  APPLICATION_CRD_NAME,
  ARGOPROJ_GROUP,
  ARGOPROJ_VERSION,
  isCrdEstablished,
  kawaCrds,
  validateAppProject,
  validateApplication,
} from '../../src/model/index.js';
import { ApplyError } from '../../src/kube/apply.js';
import { TEST_FIELD_MANAGER, serverSideApply, testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';

const ns = useNamespace('model');
const testdata = new URL('../../src/model/testdata/', import.meta.url);

type Json = Record<string, unknown>;

function fixtures(prefix: string): [string, Json][] {
  return readdirSync(testdata)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.yaml'))
    .map((f) => [f, parseYaml(readFileSync(new URL(f, testdata), 'utf8')) as Json]);
}

/** The fixture, moved into the test namespace. */
function inNamespace(obj: Json): Json & KubernetesObject {
  const metadata = { ...(obj['metadata'] as Json), namespace: ns.name };
  return { ...obj, metadata };
}

function nameOf(obj: Json): string {
  return (obj['metadata'] as { name: string }).name;
}

/**
 * Server-side apply of the CRDs as raw JSON. `patchCustomResourceDefinition` sends its body untouched;
 * the typed path (KubernetesObjectApi) would drop `x-kubernetes-preserve-unknown-fields` (see crds.ts).
 * CRDs are cluster-scoped and other test files may install them too: one fixed field manager and
 * identical content make a second apply a no-op.
 */
async function installCrds(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of kawaCrds()) {
    await api.patchCustomResourceDefinition(
      { name: crd.metadata.name, body: crd, fieldManager: TEST_FIELD_MANAGER, force: true, fieldValidation: 'Strict' },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }
  for (const crd of kawaCrds()) {
    await waitUntil(`CRD ${crd.metadata.name} to be Established`, () => api.readCustomResourceDefinition({ name: crd.metadata.name }), isCrdEstablished);
  }
}

/** The HTTP status and body of a rejected request. */
async function rejection(promise: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await promise;
  } catch (err) {
    // client-node's ApiException (code, body) or kawa's own ApplyError (statusCode, detail).
    if (err instanceof ApplyError) return { code: err.statusCode ?? -1, body: err.detail };
    const { code, body } = err as { code?: number; body?: unknown };
    return { code: code ?? -1, body: typeof body === 'string' ? body : JSON.stringify(body) };
  }
  throw new Error('expected the API server to reject the object');
}

describe('model on the real API server', () => {
  const kc = testKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = { group: ARGOPROJ_GROUP, version: ARGOPROJ_VERSION, plural: 'applications' };
  const readApp = async (name: string): Promise<Json> =>
    (await custom.getNamespacedCustomObject({ ...apps, namespace: ns.name, name })) as Json;

  beforeAll(async () => {
    await installCrds(kc);
  });

  afterAll(async () => {
    // Nothing runs the cascade finalizers here: drop them so the namespace can go.
    for (const [, obj] of [...fixtures('app-'), ...fixtures('project-')]) {
      const { finalizers: _f, ...metadata } = obj['metadata'] as Json;
      await serverSideApply(kc, inNamespace({ ...obj, metadata })).catch(() => undefined);
    }
  });

  it('installs the CRDs idempotently, with printer columns, status subresource and the schema intact', async () => {
    const api = kc.makeApiClient(ApiextensionsV1Api);
    const before = await api.readCustomResourceDefinition({ name: APPLICATION_CRD_NAME });
    await installCrds(kc);
    const crd = await api.readCustomResourceDefinition({ name: APPLICATION_CRD_NAME });
    expect(crd.metadata?.generation).toBe(before.metadata?.generation);
    expect(crd.spec.names.shortNames).toEqual(['app', 'apps']);
    const version = crd.spec.versions[0];
    expect(version?.subresources?.status).toEqual({});
    expect(version?.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath, c.priority ?? 0])).toEqual([
      ['Sync Status', '.status.sync.status', 0],
      ['Health Status', '.status.health.status', 0],
      ['Revision', '.status.sync.revision', 10],
      ['Project', '.spec.project', 10],
    ]);
    // client-node names the field x_kubernetes_preserve_unknown_fields when it reads the CRD back.
    expect(version?.schema?.openAPIV3Schema?.properties?.['spec']?.x_kubernetes_preserve_unknown_fields).toBe(true);
    const project = await api.readCustomResourceDefinition({ name: 'appprojects.argoproj.io' });
    expect(project.spec.names.shortNames).toEqual(['appproj', 'appprojs']);
  });

  it.each(fixtures('app-'))('accepts %s unchanged', async (_file, fixture) => {
    const obj = inNamespace(fixture);
    await serverSideApply(kc, obj);
    const live = await readApp(nameOf(fixture));
    expect(live['spec']).toStrictEqual(fixture['spec']);
    expect(live['operation']).toStrictEqual(fixture['operation']);
    const liveMeta = live['metadata'] as Json;
    const fixtureMeta = fixture['metadata'] as Json;
    for (const field of ['labels', 'annotations', 'finalizers']) expect(liveMeta[field], field).toStrictEqual(fixtureMeta[field]);
    // Status is the subresource's: an apply of the main resource never sets it.
    expect(live['status']).toBeUndefined();
    const validated = validateApplication(live);
    expect(validated.ok ? [] : validated.errors).toEqual([]);
  });

  it('writes status only through the status subresource, and kubectl-style columns show it', async () => {
    const [, fixture] = fixtures('app-operation-status').at(0) ?? [];
    if (!fixture) throw new Error('missing fixture app-operation-status.yaml');
    const name = nameOf(fixture);
    await serverSideApply(kc, inNamespace(fixture));
    const generation = ((await readApp(name))['metadata'] as Json)['generation'];

    await custom.patchNamespacedCustomObjectStatus(
      { ...apps, namespace: ns.name, name, body: { apiVersion: fixture['apiVersion'], kind: fixture['kind'], metadata: { name, namespace: ns.name }, status: fixture['status'] }, fieldManager: TEST_FIELD_MANAGER, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    let live = await readApp(name);
    expect(live['status']).toStrictEqual(fixture['status']);
    expect((live['metadata'] as Json)['generation']).toBe(generation);
    const validated = validateApplication(live);
    expect(validated.ok ? [] : validated.errors).toEqual([]);

    // A status in an apply of the main resource is ignored.
    await serverSideApply(kc, inNamespace({ ...fixture, status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } } }));
    live = await readApp(name);
    expect(live['status']).toStrictEqual(fixture['status']);

    const table = (await custom.listNamespacedCustomObject(
      { ...apps, namespace: ns.name },
      setHeaderOptions('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io'),
    )) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { metadata: { name: string } } }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Sync Status', 'Health Status', 'Revision', 'Project']);
    const row = table.rows.find((r) => r.cells[0] === name);
    expect(row?.cells).toEqual([name, 'OutOfSync', 'Progressing', '5f2ab2c3c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6', 'default']);
  });

  it.each(fixtures('project-'))('accepts AppProject %s unchanged', async (_file, fixture) => {
    await serverSideApply(kc, inNamespace(fixture));
    const live = (await custom.getNamespacedCustomObject({
      group: ARGOPROJ_GROUP,
      version: ARGOPROJ_VERSION,
      plural: 'appprojects',
      namespace: ns.name,
      name: nameOf(fixture),
    })) as Json;
    expect(live['spec']).toStrictEqual(fixture['spec']);
    const validated = validateAppProject(live);
    expect(validated.ok ? [] : validated.errors).toEqual([]);
  });

  // [case, object fields, field path, what schema validation says on create]
  const invalid: [string, Json, string, string][] = [
    ['spec as a string', { spec: 'oops' }, 'spec', 'spec in body must be of type object'],
    [
      'spec without destination',
      { spec: { project: 'default', source: { repoURL: 'https://git.example.com/a.git' } } },
      'spec.destination',
      'spec.destination: Required value',
    ],
    [
      'revisionHistoryLimit as a string',
      { spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc' }, revisionHistoryLimit: 'ten' } },
      'spec.revisionHistoryLimit',
      'spec.revisionHistoryLimit in body must be of type integer',
    ],
    [
      'a replica count neither int nor string',
      {
        spec: {
          project: 'default',
          destination: { server: 'https://kubernetes.default.svc' },
          source: { repoURL: 'https://git.example.com/a.git', kustomize: { replicas: [{ name: 'web', count: true }] } },
        },
      },
      'spec.source.kustomize.replicas[0].count',
      'spec.source.kustomize.replicas[0].count',
    ],
  ];

  it.each(invalid)('rejects an Application with %s', async (_name, fields, path, schemaMessage) => {
    const obj = { apiVersion: `${ARGOPROJ_GROUP}/${ARGOPROJ_VERSION}`, kind: 'Application', metadata: { name: 'invalid', namespace: ns.name }, ...fields };
    const created = await rejection(kc.makeApiClient(KubernetesObjectApi).create(obj));
    expect(created.code).toBe(422);
    expect(created.body).toContain(schemaMessage);
    // Server-side apply converts to the schema's types before validating: a type mismatch comes back
    // as 500 "failed to create typed patch object", not 422. Callers must not retry that as transient.
    const applied = await rejection(serverSideApply(kc, obj));
    expect([422, 500]).toContain(applied.code);
    expect(applied.body).toContain(path);
    expect(await readApp('invalid').catch(() => undefined)).toBeUndefined();
  });
});
