// A kawa API server against the real API server, for the server-api*.test.ts files: a fresh namespace
// plays `argocd` (CRDs installed with server-side apply, argocd-cm with local accounts, argocd-rbac-cm,
// the real auth bootstrap with its initial admin password), and the server is called through inject().
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { INITIAL_ADMIN_SECRET, changePassword, type AccountStore, type SessionManager } from '../../src/server/auth/index.js';
import { assembleServer, ensureCrds, type AssembleOptions, type KawaServer } from '../../src/server/index.js';
import { testKubeConfig, useNamespace } from './kube.js';

export type Json = Record<string, unknown>;

/** Local accounts every fixture has: alice may do nothing, bob develops in project `team`, gone gets deleted. */
export const ACCOUNTS = ['alice', 'bob', 'gone'] as const;
export const PASSWORD = 'correct horse battery';

const RBAC_POLICY = `
p, role:team-dev, applications, get, team/*, allow
p, role:team-dev, applications, sync, team/*, allow
p, role:team-dev, projects, get, team, allow
g, bob, role:team-dev
`;

export interface ApiFixture {
  readonly ns: string;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  accounts: AccountStore;
  sessions: SessionManager;
  app: KawaServer;
  /** Re-read argocd-rbac-cm and the project roles now (the server also does it after project changes). */
  reloadRbac(): Promise<void>;
  adminPassword: string;
  adminToken: string;
  /** Bearer headers for a token. */
  auth(token: string): Record<string, string>;
  /** Log in through the API and return the token. */
  loginAs(username: string, password?: string): Promise<string>;
  getApp(name: string): Promise<Json>;
  getProject(name: string): Promise<Json>;
  /** Events recorded on an object, by reason. */
  events(name: string): Promise<{ reason: string; message: string }[]>;
}

const group = 'argoproj.io';
const version = 'v1alpha1';

/** Call at the top of a test file; the fields are filled in by its beforeAll. */
export interface ApiServerOptions {
  bodyLimit?: number;
  assemble?: () => Partial<AssembleOptions>;
  /** More argocd-cm data (read when the fixture starts, so it may use values of earlier beforeAll hooks). */
  configMap?: () => Record<string, string>;
  /** Lines appended to the fixture's policy.csv. */
  rbacPolicy?: string;
}

export function useApiServer(prefix: string, options: ApiServerOptions = {}): ApiFixture {
  const namespace = useNamespace(prefix);
  // Filled in by beforeAll below; tests only read it from inside their own hooks and cases.
  const fixture = {} as ApiFixture;
  Object.defineProperty(fixture, 'ns', { get: () => namespace.name });
  fixture.auth = (token) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    const ns = namespace.name;
    const kc = testKubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    await ensureCrds(kc.makeApiClient(ApiextensionsV1Api));
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'argocd-cm' }, data: { ...Object.fromEntries(ACCOUNTS.map((a) => [`accounts.${a}`, 'login, apiKey'])), ...options.configMap?.() } },
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'argocd-rbac-cm' }, data: { 'policy.csv': `${RBAC_POLICY}${options.rbacPolicy ?? ''}` } } });
    const { app, accounts, sessions, reloadRbac } = await assembleServer({
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
      validateResponses: true,
      refreshWaitMs: 300,
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
      ...options.assemble?.(),
    });
    for (const account of ACCOUNTS) await changePassword(accounts, account, PASSWORD);
    const initial = await core.readNamespacedSecret({ name: INITIAL_ADMIN_SECRET, namespace: ns });
    const adminPassword = Buffer.from(initial.data?.['password'] ?? '', 'base64').toString('utf8');

    Object.assign(fixture, { kc, custom, core, accounts, sessions, app, adminPassword, reloadRbac });
    fixture.loginAs = async (username, password = PASSWORD) => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } });
      if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
      return (res.json<{ token: string }>()).token;
    };
    fixture.getApp = async (name) => (await custom.getNamespacedCustomObject({ group, version, plural: 'applications', namespace: ns, name })) as Json;
    fixture.getProject = async (name) => (await custom.getNamespacedCustomObject({ group, version, plural: 'appprojects', namespace: ns, name })) as Json;
    fixture.events = async (name) => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
      return list.items.map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
    };
    fixture.adminToken = await fixture.loginAs('admin', adminPassword);
  });

  afterAll(async () => {
    await fixture.app.close();
    // No controller runs here to honour the cascade finalizers; drop them so the namespace can go.
    const list = (await fixture.custom.listNamespacedCustomObject({ group, version, plural: 'applications', namespace: fixture.ns })) as { items: Json[] };
    for (const item of list.items) {
      const meta = item['metadata'] as Json;
      if (Array.isArray(meta['finalizers']) && meta['finalizers'].length > 0) {
        await fixture.custom
          .replaceNamespacedCustomObject({ group, version, plural: 'applications', namespace: fixture.ns, name: String(meta['name']), body: { ...item, metadata: { ...meta, finalizers: [] } } })
          .catch(() => undefined);
      }
    }
  });

  return fixture;
}

/** A minimal valid Application in project `project`. */
export function appBody(name: string, overrides: { project?: string; namespace?: string; repoURL?: string; spec?: Json; labels?: Record<string, string> } = {}): Json {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, ...(overrides.labels === undefined ? {} : { labels: overrides.labels }) },
    spec: {
      project: overrides.project ?? 'default',
      source: { repoURL: overrides.repoURL ?? 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc', namespace: overrides.namespace ?? 'guestbook' },
      ...overrides.spec,
    },
  };
}

/** Project `team`: sources under github.com/example, destinations `team-*` on the in-cluster server. */
export function teamProject(name = 'team'): Json {
  return {
    metadata: { name },
    spec: {
      description: 'the team project',
      sourceRepos: ['https://github.com/example/*'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'team-*' }],
    },
  };
}
