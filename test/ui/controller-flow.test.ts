// The web UI against kawa as `kawa up` runs it: the API server, the application controller and the
// renderer in one process (runUp, src/cli/commands/up/up.ts) on the real control plane, the UI served by
// kawa itself, a guestbook-like app in a real git repository served over smart HTTP, and Debian's
// Chromium. Nothing is faked: every status the browser shows is written by the controller.
// Log in; create the app through the New application form; see it OutOfSync; sync it from the sync panel
// and watch it turn Synced and Healthy live; commit replicas 1→2, refresh, see the Deployment's diff in
// the resource panel; sync; roll back to the first history entry (replicas back to 1 in the cluster);
// delete with typed confirmation and see the app leave the list.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runUp, type RunningKawa } from '../../src/cli/commands/up/up.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { TempDirs, createRepo, type TestRepo } from '../harness/git.js';
import { testKubeConfig, waitUntil } from '../harness/kube.js';
import { ARTIFACTS, axeViolations, ensureUiBuilt, launchChromium, login, newBrowserPage } from './harness.js';

const suffix = randomBytes(4).toString('hex');
/** The namespace playing `argocd` (runUp creates it). */
const NS = `ui-ctl-${suffix}`;
/** The destination namespace, created by the sync (CreateNamespace=true). */
const DEST = `ui-ctl-dest-${suffix}`;
const APP = 'guestbook';
const DEPLOYMENT = 'guestbook-ui';
const group = 'argoproj.io';
const version = 'v1alpha1';

const dirs = new TempDirs();
let kc: KubeConfig;
let kawa: RunningKawa | undefined;
let git: GitHttpServer | undefined;
let repo: TestRepo;
let servedRoot = '';
let repoUrl = '';
let adminPassword = '';
let browser: Browser | undefined;
let previousCache: string | undefined;

const manifests = (replicas: number): Record<string, string> => ({
  'guestbook/guestbook-ui-deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${DEPLOYMENT}}
spec:
  replicas: ${replicas}
  revisionHistoryLimit: 3
  selector: {matchLabels: {app: ${DEPLOYMENT}}}
  template:
    metadata: {labels: {app: ${DEPLOYMENT}}}
    spec:
      containers:
        - {name: ${DEPLOYMENT}, image: "gcr.io/heptio-images/ks-guestbook-demo:0.2", ports: [{containerPort: 80}]}
`,
  'guestbook/guestbook-ui-svc.yaml': `apiVersion: v1
kind: Service
metadata: {name: ${DEPLOYMENT}}
spec:
  ports: [{port: 80, targetPort: 80}]
  selector: {app: ${DEPLOYMENT}}
`,
});

type AppObject = { status?: { sync?: { status?: string; revision?: string }; health?: { status?: string }; history?: { id: number; revision?: string }[] } };

async function getApp(): Promise<AppObject> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group, version, plural: 'applications', namespace: NS, name: APP })) as AppObject;
}

async function replicasInCluster(): Promise<number | undefined> {
  const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: DEPLOYMENT, namespace: DEST });
  return d.spec?.replicas;
}

beforeAll(async () => {
  ensureUiBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  kc = testKubeConfig();
  // kawa's git mirrors and checkouts (and nothing of ~/.cache) in a temp dir, as XDG_CACHE_HOME says.
  previousCache = process.env['XDG_CACHE_HOME'];
  process.env['XDG_CACHE_HOME'] = await dirs.make('kawa-uictl-cache-');

  const work = await dirs.make('kawa-uictl-work-');
  servedRoot = await dirs.make('kawa-uictl-root-');
  repo = await createRepo(work);
  await repo.commit('guestbook with 1 replica', { files: manifests(1) });
  await repo.publishBare(servedRoot, 'apps');
  git = await startGitHttpServer({ root: servedRoot });
  repoUrl = git.urlFor('apps');

  kawa = await runUp(
    { kubeconfig: inject('kubeconfig'), clusterName: 'kawa', namespace: NS, address: '127.0.0.1', port: 0, example: false, wait: 0 },
    () => undefined,
  );
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'argocd-initial-admin-secret', namespace: NS });
  adminPassword = Buffer.from(secret.data?.['password'] ?? '', 'base64').toString('utf8');
  expect(adminPassword).not.toBe('');
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await kawa?.stop();
  await git?.close();
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of [DEST, NS]) await core.deleteNamespace({ name }).catch(() => undefined);
  if (previousCache === undefined) delete process.env['XDG_CACHE_HOME'];
  else process.env['XDG_CACHE_HOME'] = previousCache;
  await dirs.cleanup();
});

describe('the web UI on kawa up: API server and application controller on the real control plane', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const header = (): ReturnType<Page['getByLabel']> => page.getByLabel('Application status');

  beforeAll(async () => {
    if (browser === undefined || kawa === undefined) throw new Error('kawa did not start');
    ({ context, page, errors } = await newBrowserPage(browser, kawa.url));
  });

  afterAll(async () => {
    await context.close();
  });

  it('logs in as admin with the initial password from the Secret', async () => {
    await page.goto('/applications');
    await page.waitForURL(/\/login/);
    await login(page, 'admin', adminPassword);
    await page.waitForURL(/\/applications$/);
  });

  it('creates the guestbook app through the New application form and shows it OutOfSync', async () => {
    await page.goto('/new-application');
    await page.getByRole('heading', { name: 'New application', level: 1 }).waitFor();
    await page.getByLabel('Application name').fill(APP);
    await page.getByLabel('Auto-create namespace').check();
    await page.getByLabel('Repository URL').fill(repoUrl);
    await page.getByLabel('Revision', { exact: true }).fill('HEAD');
    await page.getByLabel('Path', { exact: true }).fill('guestbook');
    await page.getByLabel('Namespace', { exact: true }).fill(DEST);
    await page.screenshot({ path: join(ARTIFACTS, 'controller-new-app-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(new RegExp(`/applications/[^/?]+/${APP}$`));
    await page.getByRole('heading', { name: APP, level: 1 }).waitFor();
    // The controller compares git with the (empty) cluster: OutOfSync, resources Missing.
    await header().locator('.sync-OutOfSync').waitFor({ timeout: 60_000 });
    await page.locator(`[data-resource="apps/Deployment/${DEST}/${DEPLOYMENT}"]`).waitFor({ timeout: 30_000 });
    await page.locator(`[data-resource="/Service/${DEST}/${DEPLOYMENT}"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'controller-out-of-sync.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('syncs from the sync panel and turns Synced and Healthy live, without a reload', async () => {
    const marker = await page.evaluate<number>('window.kawaMarker = Math.random()');
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Sync' }).click();
    const dialog = page.getByRole('dialog', { name: `Sync ${APP}` });
    await dialog.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'controller-sync-panel.png') });
    await dialog.getByRole('button', { name: 'Synchronize' }).click();
    await dialog.waitFor({ state: 'detached' });
    await header().locator('.sync-Synced').waitFor({ timeout: 90_000 });
    await header().locator('.health-Healthy').waitFor({ timeout: 120_000 });
    expect(await page.evaluate<number>('window.kawaMarker')).toBe(marker);
    // The Pod made by the kube-controller-manager appears in the tree too.
    await page.locator(`[data-resource^="/Pod/${DEST}/${DEPLOYMENT}-"]`).first().waitFor({ timeout: 60_000 });
    expect(await replicasInCluster()).toBe(1);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'controller-synced-healthy.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows the Deployment diff after a git change (replicas 1 → 2) and a refresh, then syncs it', async () => {
    await repo.commit('guestbook with 2 replicas', { files: manifests(2) });
    await repo.publishBare(servedRoot, 'apps');
    // Right away: an asked-for refresh reads the repository's refs afresh (not the ones the last pass saw).
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Refresh', exact: true }).click();
    await header().locator('.sync-OutOfSync').waitFor({ timeout: 60_000 });
    const deployment = page.locator(`[data-resource="apps/Deployment/${DEST}/${DEPLOYMENT}"]`);
    await expect.poll(() => deployment.locator('.sync-OutOfSync').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await deployment.click();
    const dialog = page.getByRole('dialog', { name: `Deployment ${DEPLOYMENT}` });
    await dialog.waitFor();
    try {
      const table = dialog.getByRole('table', { name: /Differences between live/ });
      await expect.poll(async () => (await table.locator('td.add').allTextContents().catch(() => [])).join('\n'), { timeout: 30_000 }).toContain('replicas: 2');
      expect((await table.locator('td.del').allTextContents()).join('\n')).toContain('replicas: 1');
      // Only the change from git on the desired side: key order and server-set fields add nothing there.
      expect((await table.locator('td.add').allTextContents()).map((t) => t.trim())).toEqual(['replicas: 2']);
      await page.screenshot({ path: join(ARTIFACTS, 'controller-resource-diff.png') });
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }

    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Sync' }).click();
    const sync = page.getByRole('dialog', { name: `Sync ${APP}` });
    await sync.getByRole('button', { name: 'Synchronize' }).click();
    await sync.waitFor({ state: 'detached' });
    await header().locator('.sync-Synced').waitFor({ timeout: 90_000 });
    await waitUntil('2 replicas in the cluster', replicasInCluster, (n) => n === 2, { timeoutMs: 30_000 });
    await header().locator('.health-Healthy').waitFor({ timeout: 120_000 });
  });

  it('rolls back from history to the first entry: replicas back to 1 in the cluster', async () => {
    const history = await waitUntil('two history entries', getApp, (a) => (a.status?.history?.length ?? 0) >= 2, { timeoutMs: 30_000 });
    const first = history.status?.history?.[0];
    if (first === undefined) throw new Error('no history');
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('link', { name: 'Rollback' }).click();
    await page.waitForURL(new RegExp(`/applications/[^/?]+/${APP}\\?rollback=0$`));
    const button = page.getByRole('button', { name: `Rollback to history entry ${first.id}`, exact: true });
    await button.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'controller-history.png') });
    expect(await axeViolations(page)).toEqual([]);
    await button.click();
    await page.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByText(`Rollback to ${first.id}`).first().waitFor();
    await waitUntil('1 replica in the cluster again', replicasInCluster, (n) => n === 1, { timeoutMs: 90_000 });
    // Rolled back to an older commit than HEAD: the controller reports the app OutOfSync with git.
    await page.goto(`/applications/${APP}`);
    await header().locator('.sync-OutOfSync').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'controller-rolled-back.png') });
  });

  it('deletes with typed confirmation and the app leaves the list', async () => {
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${APP}` });
    await dialog.waitFor();
    const submit = dialog.getByRole('button', { name: 'Delete', exact: true });
    await dialog.getByLabel(/Type .* to confirm/).fill(APP.slice(0, -1));
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(APP);
    expect(await submit.isDisabled()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'controller-delete.png') });
    await submit.click();
    await page.waitForURL(/\/applications$/);
    // The controller deletes the resources, drops the finalizer, and the list stream drops the app.
    await page.locator(`[data-app="${APP}"]`).waitFor({ state: 'detached', timeout: 90_000 });
    await waitUntil('the Application gone', () => getApp().then(() => 'present', () => 'gone'), (s) => s === 'gone', { timeoutMs: 30_000 });
    await waitUntil('the Deployment gone', () => replicasInCluster().then(() => 'present', () => 'gone'), (s) => s === 'gone', { timeoutMs: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'controller-deleted.png') });
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
  });
});
