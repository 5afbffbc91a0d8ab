// The web UI in Chromium against a real kawa server on the real kube-apiserver: log in, the list, live
// updates from the SSE stream, filters in the URL, the details page, a sync request, logout, session
// expiry, and axe-core on the main pages. Screenshots go to .kawa/ui-artifacts/ (KAWA_UI_ARTIFACTS).
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBody, type Json } from '../harness/server-api.js';
import { waitUntil } from '../harness/kube.js';
import { ARTIFACTS, axeViolations, useUi } from './harness.js';

const ui = useUi('ui-flow');
/** In-page expressions (the root tsconfig has no DOM types). */
const HORIZONTAL_OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';
const REVISION = 'a3f9c2e7b1d04f5e8a6b9c0d1e2f3a4b5c6d7e8f';

function status(sync: string, health: string, resources: Json[] = []): Json {
  return {
    sync: { status: sync, revision: REVISION, comparedTo: { source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'HEAD' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' } } },
    health: { status: health },
    resources,
    reconciledAt: new Date().toISOString(),
    history: [
      { id: 1, revision: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c', deployedAt: new Date(Date.now() - 86_400_000).toISOString(), deployStartedAt: new Date(Date.now() - 86_400_000).toISOString(), source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'HEAD' }, initiatedBy: { username: 'admin' } },
    ],
  };
}

const guestbookResources: Json[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'guestbook', name: 'guestbook-ui', status: 'OutOfSync', health: { status: 'Progressing' } },
  { version: 'v1', kind: 'Service', namespace: 'guestbook', name: 'guestbook-ui', status: 'Synced', health: { status: 'Healthy' } },
  { version: 'v1', kind: 'ConfigMap', namespace: 'guestbook', name: 'guestbook-config', status: 'OutOfSync', health: { status: 'Missing' } },
];

async function appObject(name: string): Promise<Json> {
  return ui.api.getApp(name);
}

async function appNames(page: Page): Promise<string[]> {
  const names: string[] = [];
  for (const el of await page.locator('[data-app]').all()) names.push((await el.getAttribute('data-app')) ?? '');
  return names;
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the web UI in a browser', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    await ui.createApp(appBody('guestbook', { labels: { team: 'web' } }));
    await ui.createApp(appBody('billing', { namespace: 'billing', labels: { team: 'pay' } }));
    await ui.createApp(appBody('web-frontend', { namespace: 'web' }));
    await ui.setStatus('guestbook', status('OutOfSync', 'Progressing', guestbookResources));
    await ui.setStatus('billing', status('Synced', 'Healthy'));
    await ui.setStatus('web-frontend', status('Synced', 'Degraded'));
    ({ context, page, errors } = await ui.newPage());
  });

  afterAll(async () => {
    await context.close();
  });

  it('sends an anonymous visitor to the login page, which has no serious accessibility violations', async () => {
    await page.goto('/applications?sync=OutOfSync');
    await page.waitForURL(/\/login\?return=/);
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    // No OIDC configured on this server: no SSO button.
    expect(await page.getByText('Log in via').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'login.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('refuses a wrong password and logs in with the right one, back to where the user was going', async () => {
    await login(page, 'admin', 'wrong password');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Invalid username or password');
    await login(page, 'admin', ui.api.adminPassword);
    await page.waitForURL(/\/applications\?sync=OutOfSync$/);
    await page.locator('[data-app="guestbook"]').waitFor();
    expect(await page.locator('[data-app]').count()).toBe(1);
  });

  it('lists every application with its status and counts', async () => {
    await page.getByRole('button', { name: 'Clear all' }).click();
    await page.waitForURL(/\/applications$/);
    await page.locator('[data-app="web-frontend"]').waitFor();
    expect((await appNames(page)).sort()).toEqual(['billing', 'guestbook', 'web-frontend']);
    expect(await page.locator('[data-app="guestbook"] .sync-OutOfSync').count()).toBe(1);
    expect(await page.locator('[data-app="web-frontend"] .health-Degraded').count()).toBe(1);
    expect(await page.getByLabel('Status counts').textContent()).toContain('3 applications');
    await page.screenshot({ path: join(ARTIFACTS, 'list-tiles.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('updates live when an application changes, appears or goes, without reloading', async () => {
    const marker = await page.evaluate<number>('window.kawaMarker = Math.random()');
    await ui.setStatus('billing', status('OutOfSync', 'Degraded'));
    await page.locator('[data-app="billing"] .sync-OutOfSync').waitFor({ timeout: 15_000 });
    await page.locator('[data-app="billing"] .health-Degraded').waitFor();
    await ui.createApp(appBody('added-live', { namespace: 'added' }));
    await page.locator('[data-app="added-live"]').waitFor({ timeout: 15_000 });
    await ui.api.custom.deleteNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: ui.api.ns, name: 'added-live' });
    await page.locator('[data-app="added-live"]').waitFor({ state: 'detached', timeout: 15_000 });
    // Same document all along.
    expect(await page.evaluate<number>('window.kawaMarker')).toBe(marker);
  });

  it('keeps filters and the view in the URL', async () => {
    await page.getByRole('button', { name: /^Degraded/ }).click();
    await page.waitForURL(/health=Degraded/);
    await expect.poll(() => page.locator('[data-app]').count()).toBe(2);
    await page.getByRole('button', { name: 'Table' }).click();
    await page.waitForURL(/view=table/);
    await page.reload();
    await page.locator('.trow[data-app="web-frontend"]').waitFor();
    expect(await page.locator('[data-app]').count()).toBe(2);
    await page.getByLabel('Search applications').fill('front');
    await expect.poll(() => page.locator('[data-app]').count()).toBe(1);
    expect(page.url()).toContain('search=front');
    await page.screenshot({ path: join(ARTIFACTS, 'list-table-filtered.png') });
    await page.goto('/applications');
    await page.locator('[data-app="guestbook"]').waitFor();
  });

  it('opens the details page with status, source, conditions and the resource tree', async () => {
    await ui.setStatus('guestbook', { ...status('OutOfSync', 'Progressing', guestbookResources), conditions: [{ type: 'SyncError', message: 'one or more objects failed to apply', lastTransitionTime: new Date().toISOString() }] });
    await page.getByRole('link', { name: 'guestbook', exact: true }).click();
    // The list links to Argo CD's form, /applications/<namespace>/<name>.
    await page.waitForURL(new RegExp(`/applications/${ui.api.ns}/guestbook$`));
    await page.getByRole('heading', { name: 'guestbook', level: 1 }).waitFor();
    const header = page.getByLabel('Application status');
    await expect.poll(() => header.textContent()).toContain('a3f9c2e');
    expect(await header.textContent()).toContain('https://github.com/argoproj/argocd-example-apps.git');
    await expect.poll(() => page.getByLabel('Conditions').textContent()).toContain('one or more objects failed to apply');
    // The tree: the app node and one node per managed resource, laid out by elk.
    await page.locator('[data-resource="apps/Deployment/guestbook/guestbook-ui"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-resource]').count()).toBe(3);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'details-tree.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('opens a resource panel from the tree and closes it with Escape', async () => {
    await page.locator('[data-resource="apps/Deployment/guestbook/guestbook-ui"]').click();
    const dialog = page.getByRole('dialog', { name: 'Deployment guestbook-ui' });
    await dialog.waitFor();
    // The selection is in the URL, as Argo CD writes it: a link to this panel can be shared.
    await page.waitForURL(/\?node=apps%2FDeployment%2Fguestbook%2Fguestbook-ui%2F0$/);
    await dialog.getByRole('tab', { name: 'Summary' }).click();
    await page.waitForURL(/&tab=summary$/);
    expect(await dialog.textContent()).toContain('guestbook-ui');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL(new RegExp(`/applications/${ui.api.ns}/guestbook$`));
  });

  it('shows the resources as a list', async () => {
    await page.getByRole('tab', { name: 'List' }).click();
    await page.waitForURL(/\/guestbook\?view=list$/);
    const rows = page.locator('.resource-list tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('tab', { name: 'Tree' }).click();
  });

  it('sends a sync with the chosen options, which sets the operation on the Application', async () => {
    await page.getByRole('toolbar', { name: 'Application actions' }).getByRole('button', { name: 'Sync' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sync guestbook' });
    await dialog.waitFor();
    await dialog.getByLabel('Prune', { exact: true }).check();
    await dialog.getByLabel('Server-side apply', { exact: true }).check();
    // Only the out-of-sync resources.
    await dialog.getByRole('button', { name: 'Out of sync' }).click();
    await page.screenshot({ path: join(ARTIFACTS, 'details-sync-panel.png') });
    await dialog.getByRole('button', { name: 'Synchronize' }).click();
    await dialog.waitFor({ state: 'detached' });
    const app = await waitUntil('the sync operation on guestbook', () => appObject('guestbook'), (a) => a['operation'] !== undefined, { timeoutMs: 10_000 });
    const operation = app['operation'] as { sync: Json; initiatedBy: Json };
    expect(operation.initiatedBy).toMatchObject({ username: 'admin' });
    expect(operation.sync).toMatchObject({ prune: true, syncOptions: ['ServerSideApply=true'] });
    expect((operation.sync['resources'] as Json[]).map((r) => `${String(r['kind'])}/${String(r['name'])}`).sort()).toEqual(['ConfigMap/guestbook-config', 'Deployment/guestbook-ui']);
    // The page shows it without a reload (through the stream).
    await page.getByText('Sync requested', { exact: false }).first().waitFor();
  });

  it('shows live sync progress as the controller reports it', async () => {
    await ui.setStatus('guestbook', {
      ...status('OutOfSync', 'Progressing', guestbookResources),
      operationState: {
        operation: { sync: { prune: true }, initiatedBy: { username: 'admin' } },
        phase: 'Running',
        message: 'waiting for healthy state of apps/Deployment/guestbook-ui',
        startedAt: new Date().toISOString(),
        syncResult: { revision: REVISION, resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'guestbook', name: 'guestbook-ui', status: 'Synced', message: 'deployment.apps/guestbook-ui configured', syncPhase: 'Sync' }] },
      },
    });
    await page.getByRole('button', { name: 'Terminate' }).waitFor({ timeout: 15_000 });
    await page.getByRole('tab', { name: 'Sync status' }).click();
    await page.getByText('deployment.apps/guestbook-ui configured').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'details-sync-progress.png') });
  });

  it('works on a 390-px phone', async () => {
    const phone = await ui.newPage({ width: 390, height: 844 });
    await phone.context.addCookies(await context.cookies());
    await phone.page.goto('/applications');
    await phone.page.locator('[data-app="guestbook"]').waitFor();
    const overflow = await phone.page.evaluate<number>(HORIZONTAL_OVERFLOW);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.page.screenshot({ path: join(ARTIFACTS, 'phone-list.png') });
    await phone.page.goto('/applications/guestbook');
    await phone.page.getByRole('heading', { name: 'guestbook', level: 1 }).waitFor();
    await phone.page.waitForTimeout(500);
    expect(await phone.page.evaluate<number>(HORIZONTAL_OVERFLOW)).toBeLessThanOrEqual(0);
    await phone.page.screenshot({ path: join(ARTIFACTS, 'phone-details.png') });
    await phone.context.close();
  });

  it('logs out: the session is gone and the login page is shown', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    const status = await page.evaluate(async () => (await fetch('/api/v1/session/userinfo')).status);
    expect(status).toBe(401);
    await page.goto('/applications');
    await page.waitForURL(/\/login/);
  });

  it('goes back to the login page when the session expires, and saw no script errors', async () => {
    const settings = await ui.api.accounts.load();
    const token = await ui.api.sessions.issueSession('admin', { ...settings, sessionDurationMs: 4_000 });
    await context.addCookies([{ name: 'argocd.token', value: token, url: ui.baseUrl }]);
    await page.goto('/applications');
    await page.locator('[data-app="guestbook"]').waitFor();
    await page.waitForTimeout(4_500);
    // Any request after expiry answers 401: the UI says so on the login page.
    await page.getByRole('button', { name: 'Refresh billing' }).click();
    await page.waitForURL(/\/login\?return=.*expired=1/, { timeout: 10_000 });
    await page.getByText('Your session has expired').waitFor();
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
  });
});
