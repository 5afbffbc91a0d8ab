// The web UI against live state: a real git repository served over smart HTTP, a real kawa server whose
// default live-state source renders from it and watches the real kube-apiserver, and Debian's Chromium.
// Create an app through the New application form (revision suggestions from /refs), watch the resource
// tree fill in from the resource-tree stream as objects appear, see the diff after a git change
// (managed-resources), open a Pod (live manifest, events, logs — kwok Pods have none), roll back from
// history, delete with typed confirmation (cascade and non-cascading). No controller runs here: objects
// are applied with the engine's tracking marks and status is written through the status subresource.
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { prepareDesired } from '../../src/engine/compare.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { TempDirs, createRepo, type TestRepo } from '../harness/git.js';
import { serverSideApply, testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';
import { appBody, type Json } from '../harness/server-api.js';
import { ARTIFACTS, axeViolations, openAsAdmin, useUi } from './harness.js';

const ui = useUi('ui-live');
const dest = useNamespace('ui-live-dest');
const dirs = new TempDirs();
// Unique per run: objects of an earlier run (in a namespace still terminating) must not count as this app's.
const APP = `shop-${Date.now().toString(36)}`;
const group = 'argoproj.io';
const version = 'v1alpha1';

let git: GitHttpServer;
let repo: TestRepo;
let repoUrl = '';
/** Where the served bare repositories live. */
let servedRoot = '';
let firstSha = '';
let secondSha = '';

const manifests = (replicas: number, colour: string, image = 'nginx:1.27'): Record<string, string> => ({
  'app/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "${image}"}]
`,
  'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {colour: ${colour}}\n`,
});

beforeAll(async () => {
  const work = await dirs.make('kawa-uilive-work-');
  servedRoot = await dirs.make('kawa-uilive-root-');
  repo = await createRepo(work);
  firstSha = await repo.commit('blue shop', { files: manifests(1, 'blue') });
  await repo.tag('v1');
  await repo.git(['branch', 'feature']);
  await repo.publishBare(servedRoot, 'shop');
  git = await startGitHttpServer({ root: servedRoot });
  repoUrl = git.urlFor('shop');
});

afterAll(async () => {
  await git.close();
  await dirs.cleanup();
});

/** What a sync would do: apply the rendered objects with the app's tracking marks. */
async function deploy(app: string, files: Record<string, string>): Promise<void> {
  const noDiscovery = { getByRef: () => undefined, objectsOf: () => [], lookupResource: () => undefined };
  const objects = Object.values(files).map((text) => parseYaml(text) as KubeObject);
  for (const { object } of prepareDesired(app, objects, noDiscovery, { destinationNamespace: dest.name })) await serverSideApply(testKubeConfig(), object as KubernetesObject);
}

function resourcesStatus(sync: { deployment: string; configMap: string }): Json[] {
  return [
    { group: 'apps', version: 'v1', kind: 'Deployment', namespace: dest.name, name: 'web', status: sync.deployment, health: { status: 'Healthy' } },
    { version: 'v1', kind: 'ConfigMap', namespace: dest.name, name: 'settings', status: sync.configMap, health: { status: 'Healthy' } },
  ];
}

function historyEntry(id: number, revision: string, daysAgo: number): Json {
  const at = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  return { id, revision, deployedAt: at, deployStartedAt: at, source: { repoURL: repoUrl, path: 'app', targetRevision: 'main' }, initiatedBy: { username: 'admin' } };
}

describe('the web UI on live state from git and the cluster', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const treeGets: string[] = [];

  beforeAll(async () => {
    ({ context, page, errors } = await ui.newPage());
    page.on('request', (r) => {
      // Plain GETs of the tree (not the stream): the details page must not poll.
      if (/\/api\/v1\/applications\/[^/]+\/resource-tree/.test(r.url())) treeGets.push(r.url());
    });
  });

  afterAll(async () => {
    await context.close();
  });

  it('creates an application through the New application form, with revision suggestions from the repository', async () => {
    await openAsAdmin(ui, page, '/new-application');
    await page.getByRole('heading', { name: 'New application', level: 1 }).waitFor();
    await page.getByLabel('Application name').fill(APP);
    await page.getByLabel('Repository URL').fill(repoUrl);
    // Branches and tags from GET /api/v1/repositories/{repo}/refs, offered as the revision's suggestions.
    const suggestions = page.locator('#ref-suggestions option');
    const values = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const option of await suggestions.all()) out.push((await option.getAttribute('value')) ?? '');
      return out.sort();
    };
    await expect.poll(values, { timeout: 20_000 }).toEqual(['feature', 'main', 'v1']);
    await page.getByLabel('Revision', { exact: true }).fill('main');
    await page.getByLabel('Path', { exact: true }).fill('app');
    await page.getByLabel('Namespace', { exact: true }).fill(dest.name);
    await page.screenshot({ path: join(ARTIFACTS, 'new-app-form.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(new RegExp(`/applications/[^/?]+/${APP}$`));
    await page.getByRole('heading', { name: APP, level: 1 }).waitFor();
    const app = await ui.api.getApp(APP);
    expect(app['spec']).toMatchObject({ project: 'default', source: { repoURL: repoUrl, path: 'app', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: dest.name } });
  });

  it('fills the resource tree live from the resource-tree stream as the objects appear, down to the Pods', async () => {
    const marker = await page.evaluate<number>('window.kawaMarker = Math.random()');
    await page.getByText('No resources yet').waitFor();
    await deploy(APP, manifests(1, 'blue'));
    await ui.setStatus(APP, {
      sync: { status: 'Synced', revision: firstSha },
      health: { status: 'Healthy' },
      resources: resourcesStatus({ deployment: 'Synced', configMap: 'Synced' }),
      history: [historyEntry(1, firstSha, 1)],
      reconciledAt: new Date().toISOString(),
    });
    // The Deployment's ReplicaSet and Pod are made by the kube-controller-manager: only the stream brings them.
    await page.locator(`[data-resource^="apps/ReplicaSet/${dest.name}/web-"]`).waitFor({ timeout: 60_000 });
    await page.locator(`[data-resource^="/Pod/${dest.name}/web-"]`).waitFor({ timeout: 60_000 });
    await page.locator(`[data-resource="/ConfigMap/${dest.name}/settings"]`).waitFor();
    expect(await page.evaluate<number>('window.kawaMarker')).toBe(marker);
    expect(treeGets).toEqual([]);
    // The header shows the commit of the synced revision (revision metadata from git).
    await expect.poll(() => page.getByLabel('Application status').textContent(), { timeout: 20_000 }).toContain('blue shop');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'details-live-tree.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('opens a Pod: live manifest, events and a graceful note where kwok has no logs', async () => {
    const pod = page.locator(`[data-resource^="/Pod/${dest.name}/web-"]`).first();
    const podName = ((await pod.getAttribute('data-resource')) ?? '').split('/').pop() ?? '';
    await pod.click();
    const dialog = page.getByRole('dialog', { name: `Pod ${podName}` });
    await dialog.waitFor();
    await dialog.getByRole('tab', { name: 'Live manifest' }).click();
    const manifest = dialog.getByLabel('Manifest', { exact: true });
    await expect.poll(() => manifest.textContent(), { timeout: 20_000 }).toContain('kind: Pod');
    expect(await manifest.textContent()).toContain('nginx:1.27');
    await dialog.getByRole('tab', { name: 'Events' }).click();
    // The scheduler's event on the Pod, through GET /applications/{name}/events.
    await expect.poll(async () => (await dialog.getByRole('tabpanel').textContent()) ?? '', { timeout: 30_000 }).toContain('Scheduled');
    await dialog.getByRole('tab', { name: 'Logs' }).click();
    await dialog.getByText('No logs are available for this Pod.').waitFor({ timeout: 20_000 });
    expect(await dialog.locator('.banner-error, [role="alert"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'resource-panel-pod-logs.png') });
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('shows the side-by-side diff of a resource after a git change', async () => {
    secondSha = await repo.commit('green shop', { files: manifests(2, 'green', 'nginx:1.28') });
    await repo.publishBare(servedRoot, 'shop');
    await ui.setStatus(APP, {
      sync: { status: 'OutOfSync', revision: secondSha },
      health: { status: 'Healthy' },
      resources: resourcesStatus({ deployment: 'OutOfSync', configMap: 'OutOfSync' }),
      history: [historyEntry(1, firstSha, 1)],
      reconciledAt: new Date().toISOString(),
    });
    const deployment = page.locator(`[data-resource="apps/Deployment/${dest.name}/web"]`);
    await expect.poll(() => deployment.locator('.sync-OutOfSync').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await deployment.click();
    const dialog = page.getByRole('dialog', { name: 'Deployment web' });
    await dialog.waitFor();
    try {
      // Out of sync: the panel opens on the diff (GET managed-resources renders main, now at the second commit).
      const table = dialog.getByRole('table', { name: /Differences between live/ });
      await expect.poll(async () => (await table.locator('td.add').allTextContents().catch(() => [])).join('\n'), { timeout: 30_000 }).toContain('nginx:1.28');
      const removed = (await table.locator('td.del').allTextContents()).join('\n');
      const added = (await table.locator('td.add').allTextContents()).join('\n');
      expect(removed).toContain('replicas: 1');
      expect(removed).toContain('nginx:1.27');
      expect(added).toContain('replicas: 2');
      expect(await dialog.textContent()).toMatch(/\d+ changed lines/);
      await page.screenshot({ path: join(ARTIFACTS, 'resource-panel-diff.png') });
      expect(await axeViolations(page)).toEqual([]);
      // The desired manifest tab shows the new commit's object.
      await dialog.getByRole('tab', { name: 'Desired manifest' }).click();
      await expect.poll(() => dialog.getByLabel('Manifest', { exact: true }).textContent()).toContain('nginx:1.28');
    } finally {
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
  });

  it('rolls back to an earlier history entry, which sends the rollback operation', async () => {
    await ui.setStatus(APP, {
      sync: { status: 'Synced', revision: secondSha },
      health: { status: 'Healthy' },
      resources: resourcesStatus({ deployment: 'Synced', configMap: 'Synced' }),
      history: [historyEntry(1, firstSha, 2), historyEntry(2, secondSha, 1)],
      reconciledAt: new Date().toISOString(),
    });
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('link', { name: 'Rollback' }).click();
    await page.waitForURL(new RegExp(`/applications/[^/?]+/${APP}\\?rollback=0$`));
    await page.getByRole('button', { name: 'Rollback to history entry 1' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('tabpanel').textContent()).toContain(secondSha.slice(0, 7));
    await page.screenshot({ path: join(ARTIFACTS, 'details-history.png') });
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Rollback to history entry 1' }).click();
    await page.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByText('Rollback to 1').waitFor();
    const app = await waitUntil('the rollback operation', () => ui.api.getApp(APP), (a) => a['operation'] !== undefined, { timeoutMs: 10_000 });
    expect(app['operation']).toMatchObject({ sync: { revision: firstSha, source: { repoURL: repoUrl, path: 'app' } }, initiatedBy: { username: 'admin' } });
  });

  it('deletes with typed confirmation: cascading leaves the finalizer for the controller', async () => {
    // The previous operation would otherwise be "running" forever without a controller.
    await ui.api.custom.patchNamespacedCustomObject({ group, version, plural: 'applications', namespace: ui.api.ns, name: APP, body: [{ op: 'remove', path: '/operation' }] });
    await page.goto(`/applications/${APP}`);
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${APP}` });
    await dialog.waitFor();
    const submit = dialog.getByRole('button', { name: 'Delete', exact: true });
    await dialog.getByLabel(/Foreground/).check();
    await dialog.getByLabel(/Type .* to confirm/).fill(APP.slice(0, -1));
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(APP);
    expect(await submit.isDisabled()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'details-delete.png') });
    expect(await axeViolations(page)).toEqual([]);
    await submit.click();
    await page.waitForURL(/\/applications$/);
    const app = await ui.api.getApp(APP);
    const meta = app['metadata'] as { deletionTimestamp?: string; finalizers?: string[] };
    expect(meta.deletionTimestamp).toBeDefined();
    expect(meta.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io/foreground']);
  });

  it('deletes without cascading: the Application is gone, its objects stay', async () => {
    const other = `${APP}-keep`;
    await ui.createApp(appBody(other, { repoURL: repoUrl, namespace: dest.name, spec: { source: { repoURL: repoUrl, path: 'app', targetRevision: 'main' } } }));
    await page.goto(`/applications/${other}`);
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${other}` });
    await dialog.getByLabel(/Non-cascading/).check();
    await dialog.getByLabel(/Type .* to confirm/).fill(other);
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL(/\/applications$/);
    await waitUntil(
      `${other} gone`,
      () => ui.api.getApp(other).then(() => 'present', () => 'gone'),
      (s) => s === 'gone',
      { timeoutMs: 10_000 },
    );
    const cm = await ui.api.core.readNamespacedConfigMap({ name: 'settings', namespace: dest.name });
    expect(cm.data?.['colour']).toBe('blue');
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
  });
});
