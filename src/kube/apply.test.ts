import { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from './objects.js';
import { ApplyError, create, deleteObject, isRetryable, replace, resourcePath, serverSideApply, withRetry, withTrackingMarks } from './apply.js';
import type { ApiResource } from './discovery.js';
import { KubeApiError, KubeRest } from './rest.js';

const deployments: ApiResource = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: [] };
const clusterRoles: ApiResource = { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, verbs: [] };
const configMaps: ApiResource = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: [] };
const REF = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };

describe('paths', () => {
  it.each([
    [deployments, 'v1', 'shop', 'web', '/apis/apps/v1/namespaces/shop/deployments/web'],
    [deployments, 'v1beta2', 'shop', undefined, '/apis/apps/v1beta2/namespaces/shop/deployments'],
    [clusterRoles, 'v1', 'ignored', 'system:admin', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Aadmin'],
    [configMaps, 'v1', 'shop', 'a', '/api/v1/namespaces/shop/configmaps/a'],
  ] as const)('%s %s', (resource, version, ns, name, path) => {
    expect(resourcePath(resource, version, ns, name)).toBe(path);
  });
});

describe('errors', () => {
  const cases: [string, unknown, boolean, string][] = [
    ['no answer', new KubeApiError('connect ECONNREFUSED'), true, 'KAWA_KUBE_API_FAILED'],
    ['throttled', new KubeApiError('x', 429, 'TooManyRequests', { serverMessage: 'slow down' }), true, 'KAWA_KUBE_API_FAILED'],
    ['unavailable', new KubeApiError('x', 503, 'ServiceUnavailable', { serverMessage: 'etcd leader changed' }), true, 'KAWA_KUBE_API_FAILED'],
    ['invalid', new KubeApiError('x', 422, 'Invalid', { serverMessage: 'spec.replicas: Invalid value: -1' }), false, 'KAWA_KUBE_APPLY_REJECTED'],
    ['conflict', new KubeApiError('x', 409, 'AlreadyExists', { serverMessage: 'already exists' }), false, 'KAWA_KUBE_APPLY_REJECTED'],
    [
      'typed patch 500',
      new KubeApiError('x', 500, 'InternalError', { serverMessage: 'failed to create typed patch object (x.dev/v1, Kind=Widget) shop/w: .spec.size: expected numeric (int or float), got string' }),
      false,
      'KAWA_KUBE_APPLY_REJECTED',
    ],
  ];
  it.each(cases)('%s', (_name, cause, retryable, code) => {
    const err = new ApplyError('apply', REF, cause);
    expect([err.retryable, isRetryable(err), err.code]).toEqual([retryable, retryable, code]);
    expect(err.message).toMatch(/^apply apps\/Deployment shop\/web: /);
  });

  it('retries only what is retryable, with a doubling delay', async () => {
    const slept: number[] = [];
    const sleep = (ms: number) => {
      slept.push(ms);
      return Promise.resolve();
    };
    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(new ApplyError('apply', REF, new KubeApiError('x', 503))) : Promise.resolve('ok'));
    await expect(withRetry(flaky, { sleep })).resolves.toBe('ok');
    expect([calls, slept]).toEqual([3, [200, 400]]);
    calls = 0;
    const rejected = () => {
      calls++;
      return Promise.reject(new ApplyError('apply', REF, new KubeApiError('x', 422)));
    };
    await expect(withRetry(rejected, { sleep })).rejects.toBeInstanceOf(ApplyError);
    expect(calls).toBe(1);
  });
});

describe('tracking marks', () => {
  it('adds the annotation (or label) and leaves the rest as given', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop', labels: { x: '1' } }, data: { k: 'v' } };
    const ref = { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' };
    expect(withTrackingMarks(obj, 'app', ref)).toEqual({ ...obj, metadata: { ...obj.metadata, annotations: { 'argocd.argoproj.io/tracking-id': 'app:/ConfigMap:shop/a' } } });
    expect(withTrackingMarks(obj, 'app', ref, { method: 'label' }).metadata?.labels).toEqual({ x: '1', 'app.kubernetes.io/instance': 'app' });
    expect(obj.metadata).not.toHaveProperty('annotations');
  });

  it.each([null, 'oops', ['x']])('reads labels and annotations %j as none', (value) => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: value, annotations: value } } as unknown as KubeObject;
    const ref = { group: '', kind: 'ConfigMap', namespace: '', name: 'a' };
    expect(withTrackingMarks(obj, 'app', ref, { method: 'annotation+label' }).metadata).toEqual({
      name: 'a',
      labels: { 'app.kubernetes.io/instance': 'app' },
      annotations: { 'argocd.argoproj.io/tracking-id': 'app:/ConfigMap:/a' },
    });
  });
});

describe('writes over HTTP', () => {
  const seen: { method: string; url: string; type: string; body: string }[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  let rest: KubeRest;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    const port = (server.address() as AddressInfo).port;
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    rest = new KubeRest(kc);
  });
  afterAll(async () => {
    rest.close();
    await new Promise((resolve) => server.close(resolve));
  });

  // Fields no typed model knows, including a free-form structure: they must arrive unchanged.
  const widget = { apiVersion: 'x.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { unknownField: { deep: [1, null, 'x'] } } };
  const widgets: ApiResource = { group: 'x.dev', version: 'v2', kind: 'Widget', resource: 'widgets', namespaced: true, verbs: [] };

  it('server-side applies the object byte for byte, at the object’s own version', async () => {
    seen.length = 0;
    answer = { status: 200, body: { ...widget, metadata: { ...widget.metadata, uid: 'u1' } } };
    const stored = await serverSideApply(rest, widgets, widget, { fieldManager: 'kawa', dryRun: true });
    expect(stored.metadata?.uid).toBe('u1');
    expect(seen).toEqual([
      {
        method: 'PATCH',
        url: '/apis/x.dev/v1/namespaces/shop/widgets/w?fieldManager=kawa&fieldValidation=Strict&dryRun=All&force=true',
        type: 'application/apply-patch+yaml',
        body: JSON.stringify(widget),
      },
    ]);
    expect(rest.requestCount).toBeGreaterThan(0);
  });

  it('creates, replaces (creating when missing) and deletes with preconditions', async () => {
    seen.length = 0;
    answer = { status: 201, body: widget };
    await create(rest, widgets, widget, { fieldManager: 'kawa' });
    answer = { status: 404, body: { kind: 'Status', message: 'widgets "w" not found', reason: 'NotFound' } };
    await expect(replace(rest, widgets, widget, { fieldManager: 'kawa' })).rejects.toThrow(/not found/);
    answer = { status: 200, body: {} };
    expect(await deleteObject(rest, widgets, { group: 'x.dev', kind: 'Widget', namespace: 'shop', name: 'w' }, { propagationPolicy: 'background', uid: 'u1' })).toBe('deleted');
    expect(seen.map((s) => `${s.method} ${s.url.split('?')[0] ?? ''}`)).toEqual([
      'POST /apis/x.dev/v1/namespaces/shop/widgets',
      'PUT /apis/x.dev/v1/namespaces/shop/widgets/w',
      'POST /apis/x.dev/v1/namespaces/shop/widgets',
      'DELETE /apis/x.dev/v2/namespaces/shop/widgets/w',
    ]);
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: 'u1' } });
    answer = { status: 404, body: { kind: 'Status', message: 'gone', reason: 'NotFound' } };
    expect(await deleteObject(rest, widgets, { group: 'x.dev', kind: 'Widget', namespace: 'shop', name: 'w' }, { propagationPolicy: 'foreground' })).toBe('gone');
  });

  it('names the object and carries the server’s message on failure', async () => {
    answer = { status: 422, body: { kind: 'Status', reason: 'Invalid', message: 'Widget.x.dev "w" is invalid: spec.size: Invalid value' } };
    const err = await serverSideApply(rest, widgets, widget, { fieldManager: 'kawa' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).message).toBe('apply x.dev/Widget shop/w: Widget.x.dev "w" is invalid: spec.size: Invalid value');
    expect((err as ApplyError).statusCode).toBe(422);
  });

  it('refuses an object of another resource or without a namespace, without a request', async () => {
    seen.length = 0;
    await expect(serverSideApply(rest, deployments, widget, { fieldManager: 'kawa' })).rejects.toThrow(/is not of resource apps\/deployments/);
    await expect(serverSideApply(rest, widgets, { ...widget, metadata: { name: 'w' } }, { fieldManager: 'kawa' })).rejects.toThrow(/without metadata.namespace/);
    expect(seen).toEqual([]);
  });
});
