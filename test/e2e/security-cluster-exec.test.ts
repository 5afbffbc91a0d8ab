// Issue 13, item 3: a tenant whose project role may `clusters, update` must not make the controller run
// a command. The attack: set `config.execProviderConfig` on the project's cluster through every write
// form of the API (PUT whole body, PUT with updatedFields, POST upsert, POST create), then let the
// controller reconcile an app on that cluster. The API refuses each with a 400 naming the field, the
// Secret stays byte-for-byte as the platform admin wrote it, and the marker file the command would
// touch never appears. A control cluster whose Secret the admin gave an exec provider (through
// Kubernetes, the only way) shows the marker does appear when the controller does run one, and that an
// API update of such a cluster keeps the exec provider but cannot change it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIAL_ADMIN_SECRET } from '../../src/server/auth/index.js';
import { assembleServer, type KawaServer } from '../../src/server/index.js';
import { configMapYaml, useController } from '../harness/controller.js';
import { waitFor } from '../harness/kube.js';

type Json = Record<string, unknown>;

const ATTACK = 'https://attack.invalid:6443';
const CONTROL = 'https://control.invalid:6443';
const FIELD_ERROR = /^config\.execProviderConfig: exec providers cannot be set or changed through the API/;

describe('security: no command execution through cluster writes', () => {
  const fx = useController({ files: { 'apps/cm.yaml': configMapYaml('exec-probe', 'x') } });
  let app: KawaServer;
  let tmp = '';
  let adminToken = '';
  let opsToken = '';
  const attackMarker = (): string => path.join(tmp, 'attack-ran');
  const controlMarker = (): string => path.join(tmp, 'control-ran');
  // What a tenant would ask the controller to run: it only touches a file, so the test can see it ran.
  const touch = (file: string): Json => ({ command: 'sh', args: ['-c', `touch '${file}'; echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'`] });

  const call = async (method: 'GET' | 'PUT' | 'POST', url: string, token: string, body?: Json) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body }) });
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const secret = async (name: string) => {
    const s = await fx.core.readNamespacedSecret({ name, namespace: fx.ns });
    return { resourceVersion: s.metadata?.resourceVersion, data: s.data };
  };
  const configOf = async (name: string): Promise<Json> => JSON.parse(Buffer.from((await secret(name)).data?.['config'] ?? '', 'base64').toString('utf8')) as Json;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'kawa-sec-exec-'));
    await fx.setArgoCdCm({});
    await fx.core.createNamespacedConfigMap({ namespace: fx.ns, body: { metadata: { name: 'argocd-rbac-cm' }, data: { 'policy.csv': '' } } });
    ({ app } = await assembleServer({ kubeConfig: fx.kc, namespace: fx.ns, logger: pino({ level: 'silent' }), validateResponses: true }));
    const initial = await fx.core.readNamespacedSecret({ name: INITIAL_ADMIN_SECRET, namespace: fx.ns });
    const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: Buffer.from(initial.data?.['password'] ?? '', 'base64').toString('utf8') } });
    adminToken = login.json<{ token: string }>().token;

    // The platform admin registers the project's clusters with Kubernetes rights (no API involved).
    const clusterSecret = (name: string, server: string, config: Json) => ({
      metadata: { name, labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      stringData: { name, server, project: 'team', config: JSON.stringify(config) },
    });
    await fx.core.createNamespacedSecret({ namespace: fx.ns, body: clusterSecret('attack', ATTACK, { bearerToken: 'secret-token' }) });
    await fx.core.createNamespacedSecret({ namespace: fx.ns, body: clusterSecret('control', CONTROL, { execProviderConfig: { ...touch(controlMarker()), env: { FROM_ADMIN: 'yes' } } }) });

    const project = {
      metadata: { name: 'team' },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        roles: [{ name: 'ops', policies: ['get', 'update', 'create'].map((action) => `p, proj:team:ops, clusters, ${action}, team/*, allow`) }],
      },
    };
    expect((await call('POST', '/api/v1/projects', adminToken, { project })).status).toBe(200);
    const token = await call('POST', '/api/v1/projects/team/roles/ops/token', adminToken, {});
    expect(token.status).toBe(200);
    opsToken = String(token.body['token']);
  });

  afterAll(async () => {
    await app.close();
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
  });

  it('the project role may update its cluster, but not give it an exec provider in any write form', async () => {
    const enc = encodeURIComponent(ATTACK);
    const before = await secret('attack');
    // The role really holds `clusters, update`: a harmless update goes through.
    const harmless = await call('PUT', `/api/v1/clusters/${enc}?updatedFields=namespaces`, opsToken, { server: ATTACK, name: 'attack', namespaces: ['team-a'] });
    expect(harmless.status, JSON.stringify(harmless.body)).toBe(200);
    const baseline = await secret('attack');
    expect(baseline.resourceVersion).not.toBe(before.resourceVersion);

    const exec = touch(attackMarker());
    const attempts: [string, 'PUT' | 'POST', string, Json][] = [
      ['PUT whole body', 'PUT', `/api/v1/clusters/${enc}`, { server: ATTACK, name: 'attack', project: 'team', config: { bearerToken: 'secret-token', execProviderConfig: exec } }],
      ['PUT updatedFields=config', 'PUT', `/api/v1/clusters/${enc}?updatedFields=config`, { server: ATTACK, name: 'attack', config: { execProviderConfig: exec } }],
      ['PUT updatedFields=config.execProviderConfig', 'PUT', `/api/v1/clusters/${enc}?updatedFields=config.execProviderConfig`, { server: ATTACK, name: 'attack', config: { execProviderConfig: exec } }],
      ['PUT by name', 'PUT', `/api/v1/clusters/attack?id.type=name`, { server: ATTACK, name: 'attack', project: 'team', config: { execProviderConfig: exec } }],
      ['POST upsert', 'POST', '/api/v1/clusters?upsert=true', { server: ATTACK, name: 'attack', project: 'team', config: { execProviderConfig: exec } }],
      ['POST create', 'POST', '/api/v1/clusters', { server: 'https://other.invalid:6443', name: 'other', project: 'team', config: { execProviderConfig: exec } }],
    ];
    for (const [what, method, url, body] of attempts) {
      const res = await call(method, url, opsToken, body);
      expect.soft([res.status, res.body['code']], what).toEqual([400, 3]);
      expect.soft(String(res.body['message']), what).toMatch(FIELD_ERROR);
    }
    // Admin is refused the same way: the rule is about the API, not about who calls it.
    const asAdmin = await call('PUT', `/api/v1/clusters/${enc}`, adminToken, { server: ATTACK, name: 'attack', config: { execProviderConfig: exec } });
    expect([asAdmin.status, String(asAdmin.body['message'])]).toEqual([400, expect.stringMatching(FIELD_ERROR)]);

    expect(await secret('attack')).toEqual(baseline);
    const clusters = await fx.core.listNamespacedSecret({ namespace: fx.ns, labelSelector: 'argocd.argoproj.io/secret-type=cluster' });
    expect(clusters.items.map((s) => s.metadata?.name).sort()).toEqual(['attack', 'control']);
  });

  it('an update keeps the exec provider the Secret has, and cannot change it', async () => {
    const enc = encodeURIComponent(CONTROL);
    const original = (await configOf('control'))['execProviderConfig'];
    const shown = await call('GET', `/api/v1/clusters/${enc}`, opsToken);
    expect(shown.status).toBe(200);
    const shownConfig = shown.body['config'] as Json;
    // GET never answers env; sending back what it showed is no change.
    expect(shownConfig['execProviderConfig']).toEqual(touch(controlMarker()));

    const altered = await call('PUT', `/api/v1/clusters/${enc}`, opsToken, { server: CONTROL, name: 'control', project: 'team', config: { execProviderConfig: touch(attackMarker()) } });
    expect([altered.status, String(altered.body['message'])]).toEqual([400, expect.stringMatching(FIELD_ERROR)]);
    const withEnv = await call('PUT', `/api/v1/clusters/${enc}`, opsToken, { server: CONTROL, name: 'control', project: 'team', config: { execProviderConfig: { ...touch(controlMarker()), env: { LD_PRELOAD: '/tmp/x.so' } } } });
    expect(withEnv.status).toBe(400);

    // Omitted (whole body) or echoed: accepted, and the Secret's exec provider stays exactly as it was.
    const omitted = await call('PUT', `/api/v1/clusters/${enc}`, opsToken, { server: CONTROL, name: 'control', project: 'team', namespaces: ['team-a'], config: {} });
    expect(omitted.status, JSON.stringify(omitted.body)).toBe(200);
    expect((await configOf('control'))['execProviderConfig']).toEqual(original);
    const echoed = await call('PUT', `/api/v1/clusters/${enc}`, opsToken, { server: CONTROL, name: 'control', project: 'team', config: shownConfig });
    expect(echoed.status, JSON.stringify(echoed.body)).toBe(200);
    expect((await configOf('control'))['execProviderConfig']).toEqual(original);
  });

  it('the controller reconciles apps on both clusters: the admin-defined command runs, the tenant one never does', async () => {
    const spec = (server: string): Json => ({ project: 'team', source: { repoURL: fx.repoURL, path: 'apps', targetRevision: 'HEAD' }, destination: { server, namespace: 'team-a' } });
    await fx.createApp('on-attack', spec(ATTACK));
    await fx.createApp('on-control', spec(CONTROL));
    // The harness would see a command the controller runs (so its absence below means something)...
    await waitFor('the control cluster exec provider to run', () => Promise.resolve(existsSync(controlMarker()) ? true : undefined), { timeoutMs: 60_000 });
    // ...and the controller has dealt with the attack cluster too.
    await fx.waitApp('on-attack', 'reconciled', (a) => a.status?.reconciledAt !== undefined);
    expect(existsSync(attackMarker())).toBe(false);
    expect((await configOf('attack'))['execProviderConfig']).toBeUndefined();
  });
});
