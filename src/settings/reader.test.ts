import { describe, expect, it } from 'vitest';
import type { ListPage, ListWatch, WatchHandle } from '../kube/informer.js';
import type { KubeObject } from '../kube/objects.js';
import { SettingsReader, type SettingsChange } from './reader.js';

/** A ListWatch serving a fixed list, then a watch the test feeds events into. */
class FakeListWatch implements ListWatch {
  version = '10';
  private emit: ((type: string, object: unknown) => void) | undefined;
  private readonly opened: Promise<void>;
  private markOpened!: () => void;
  constructor(public items: KubeObject[]) {
    this.opened = new Promise((resolve) => (this.markOpened = resolve));
  }
  list(): Promise<ListPage> {
    return Promise.resolve({ items: this.items, resourceVersion: this.version });
  }
  watch(_options: { resourceVersion: string }, onEvent: (type: string, object: unknown) => void): WatchHandle {
    this.emit = onEvent;
    this.markOpened();
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    return { done, abort: () => { end(); } };
  }
  async send(type: string, object: KubeObject): Promise<void> {
    await this.opened;
    this.emit?.(type, object);
  }
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const cm = (name: string, rv: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'argocd', resourceVersion: rv }, data });
const secret = (name: string, rv: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'argocd', resourceVersion: rv, ...(labels === undefined ? {} : { labels }) },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

function setup(configMaps: KubeObject[], secrets: KubeObject[]) {
  const sources = { configMaps: new FakeListWatch(configMaps), secrets: new FakeListWatch(secrets) };
  return { reader: new SettingsReader({ namespace: 'argocd', sources }), sources };
}

describe('SettingsReader', () => {
  it('keeps argocd-cm, argocd-rbac-cm, argocd-secret and the labelled Secrets, and nothing else', async () => {
    const { reader } = setup(
      [cm('argocd-cm', '1', { url: 'https://kawa.example.com' }), cm('argocd-rbac-cm', '2', { 'policy.default': 'role:readonly' }), cm('other', '3', { a: 'b' })],
      [
        secret('argocd-secret', '4', { 'server.secretkey': 'k' }),
        secret('oidc', '5', { clientSecret: 's' }, { 'app.kubernetes.io/part-of': 'argocd' }),
        secret('repo', '6', { url: 'https://git.example.com/r.git' }, { 'argocd.argoproj.io/secret-type': 'repository' }),
        secret('unrelated', '7', { password: 'p' }),
      ],
    );
    expect(await reader.waitForSync(1000)).toBe(true);
    await reader.listed;
    expect(reader.configMapData('argocd-cm')).toEqual({ url: 'https://kawa.example.com' });
    expect(reader.configMapData('argocd-rbac-cm')).toEqual({ 'policy.default': 'role:readonly' });
    expect(reader.configMapData('other')).toBeUndefined();
    expect(reader.secretData('argocd-secret')).toEqual({ 'server.secretkey': 'k' });
    expect(reader.referableSecretData(undefined)).toEqual({ 'server.secretkey': 'k' });
    expect(reader.referableSecretData('oidc')).toEqual({ clientSecret: 's' });
    // A repository Secret is kept (the controller reads them) but is not referable from settings.
    expect(reader.secret('repo')).toBeDefined();
    expect(reader.referableSecretData('repo')).toBeUndefined();
    expect(reader.secret('unrelated')).toBeUndefined();
    expect(reader.allSecrets().map((s) => s.metadata?.name).sort()).toEqual(['argocd-secret', 'oidc', 'repo']);
    await reader.close();
  });

  it('leaves out the Secrets a role says are never settings', async () => {
    const sources = {
      configMaps: new FakeListWatch([]),
      secrets: new FakeListWatch([secret('kawa-revoked-1', '3', { id: 'x' }, { 'app.kubernetes.io/part-of': 'argocd', revoked: 'true' }), secret('oidc', '4', {}, { 'app.kubernetes.io/part-of': 'argocd' })]),
    };
    const reader = new SettingsReader({ namespace: 'argocd', sources, ignoreSecret: (obj) => obj.metadata?.labels?.['revoked'] !== undefined });
    await reader.waitForSync(1000);
    expect(reader.allSecrets().map((s) => s.metadata?.name)).toEqual(['oidc']);
    await reader.close();
  });

  it('notifies changes and lets a writer wait for its own write', async () => {
    const { reader, sources } = setup([cm('argocd-cm', '1', {})], [secret('argocd-secret', '4', { 'admin.password': 'old' })]);
    await reader.waitForSync(1000);
    const changes: SettingsChange[] = [];
    reader.onChange((change) => changes.push(change));
    const before = reader.version;
    const waiting = reader.waitForResourceVersion('Secret', 'argocd-secret', '12', 5000);
    await sources.secrets.send('MODIFIED', secret('argocd-secret', '12', { 'admin.password': 'new' }));
    expect(await waiting).toBe(true);
    expect(reader.secretData('argocd-secret')).toEqual({ 'admin.password': 'new' });
    expect(changes).toEqual([{ kind: 'Secret', name: 'argocd-secret', type: 'MODIFIED' }]);
    expect(reader.version).toBeGreaterThan(before);
    // Already there (or newer): no wait at all.
    expect(await reader.waitForResourceVersion('Secret', 'argocd-secret', '11', 0)).toBe(true);
    // Never arrives: false after the timeout.
    expect(await reader.waitForResourceVersion('ConfigMap', 'argocd-cm', '99', 10)).toBe(false);
    await reader.close();
  });

  it('catches up with writes of others: waits until the watch holds what a fresh list shows', async () => {
    const { reader, sources } = setup([cm('argocd-cm', '1', { a: '1' }), cm('argocd-rbac-cm', '2', {})], []);
    await reader.waitForSync(1000);
    // Someone changed argocd-cm and deleted argocd-rbac-cm; the list shows it, the watch has not yet.
    sources.configMaps.items = [cm('argocd-cm', '15', { a: '2' })];
    sources.configMaps.version = '16';
    let caughtUp = false;
    const catching = reader.catchUp('ConfigMap', 5000).then((ok) => (caughtUp = ok));
    await sources.configMaps.send('MODIFIED', cm('argocd-cm', '15', { a: '2' }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(caughtUp).toBe(false);
    await sources.configMaps.send('DELETED', cm('argocd-rbac-cm', '16', {}));
    await catching;
    expect(caughtUp).toBe(true);
    expect(reader.configMapData('argocd-cm')).toEqual({ a: '2' });
    expect(reader.configMapData('argocd-rbac-cm')).toBeUndefined();
    await reader.close();
  });

  it('reports a first list that does not come in time', async () => {
    const never: ListWatch = {
      list: () => new Promise<ListPage>(() => undefined),
      watch: () => ({ done: new Promise<void>(() => undefined), abort: () => undefined }),
    };
    const reader = new SettingsReader({ namespace: 'argocd', sources: { configMaps: never, secrets: never } });
    expect(await reader.waitForSync(20)).toBe(false);
    expect(reader.synced).toBe(false);
  });
});
