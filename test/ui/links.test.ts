// Links into the UI, opened cold in Chromium against a real kawa server: the URL `kawa app get` prints
// (run in-process against the same server), with Argo CD's query parameters appended (`?node=` opens a
// resource's panel, `&tab=` picks its tab, `?view=`, `?resource=`, `?operation=`, `?rollback=`), through
// the login page and back, and again after a browser reload of the deep link.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { appBody, type Json } from '../harness/server-api.js';
import { ARTIFACTS, login, useUi } from './harness.js';

const ui = useUi('ui-links');

const resources: Json[] = [
  { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'guestbook', name: 'guestbook-ui', status: 'OutOfSync', health: { status: 'Progressing' } },
  { version: 'v1', kind: 'Service', namespace: 'guestbook', name: 'guestbook-ui', status: 'Synced', health: { status: 'Healthy' } },
  { version: 'v1', kind: 'ConfigMap', namespace: 'guestbook', name: 'guestbook-config', status: 'OutOfSync', health: { status: 'Missing' } },
];

const DEPLOYMENT_NODE = `node=${encodeURIComponent('apps/Deployment/guestbook/guestbook-ui/0')}`;

/** The `URL:` line of `kawa app get`. */
function printedUrl(stdout: string): URL {
  const line = /^URL:\s+(\S+)$/m.exec(stdout);
  if (line?.[1] === undefined) throw new Error(`kawa app get printed no URL:\n${stdout}`);
  return new URL(line[1]);
}

/** The printed URL as it is, with `query` added. */
function inBrowser(url: URL, query = ''): string {
  return `${url.origin}${url.pathname}${query}`;
}

function appTab(page: Page, name: string) {
  return page.getByRole('tablist', { name: 'Application views' }).getByRole('tab', { name });
}

describe('links into the UI', () => {
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  /** What `kawa app get <namespace>/guestbook` and `kawa app get guestbook` print. */
  let qualified: URL;
  let plain: URL;

  beforeAll(async () => {
    await ui.createApp(appBody('guestbook'));
    await ui.setStatus('guestbook', { sync: { status: 'OutOfSync' }, health: { status: 'Progressing' }, resources, reconciledAt: new Date().toISOString() });
    dir = await mkdtemp(join(tmpdir(), 'kawa-ui-links-'));
    const env = { KAWA_CONFIG: join(dir, 'config'), NO_COLOR: '1' };
    const server = new URL(ui.apiUrl).host;
    const loggedIn = await runCli(['login', server, '--plaintext', '--username', 'admin', '--password', ui.api.adminPassword], env);
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    const get = await runCli(['app', 'get', `${ui.api.ns}/guestbook`], env);
    expect(get.code, get.stderr).toBe(0);
    qualified = printedUrl(get.stdout);
    plain = printedUrl((await runCli(['app', 'get', 'guestbook'], env)).stdout);
    ({ context, page } = await ui.newPage());
  });

  afterAll(async () => {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the forms Argo CD uses, on the address that serves the UI', () => {
    expect(qualified.origin).toBe(new URL(ui.baseUrl).origin);
    expect(qualified.pathname).toBe(`/applications/${ui.api.ns}/guestbook`);
    expect(plain.pathname).toBe('/applications/guestbook');
  });

  it('opens the printed URL with a node and tab, through the login page, on that resource panel and tab', async () => {
    const deep = inBrowser(qualified, `?view=tree&resource=&${DEPLOYMENT_NODE}&tab=events`);
    await page.goto(deep);
    await page.waitForURL(/\/login\?return=/);
    await login(page, 'admin', ui.api.adminPassword);
    await page.waitForURL((url) => url.href === deep);
    await page.getByRole('heading', { name: 'guestbook', level: 1 }).waitFor();
    const dialog = page.getByRole('dialog', { name: 'Deployment guestbook-ui' });
    await dialog.waitFor({ timeout: 20_000 });
    expect(await dialog.getByRole('tab', { name: 'Events' }).getAttribute('aria-selected')).toBe('true');
    // The Deployment exists only in the app's status, not in the cluster: no events, and no error either.
    await dialog.getByRole('tabpanel', { name: 'Events' }).getByText('the resource does not exist in the cluster').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'link-node-tab.png') });
  });

  it('serves the page again when the browser reloads the deep link', async () => {
    const response = await page.reload();
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    const dialog = page.getByRole('dialog', { name: 'Deployment guestbook-ui' });
    await dialog.waitFor({ timeout: 20_000 });
    expect(await dialog.getByRole('tab', { name: 'Events' }).getAttribute('aria-selected')).toBe('true');
  });

  it('keeps the panel tab in the URL and drops the node when the panel closes', async () => {
    const dialog = page.getByRole('dialog', { name: 'Deployment guestbook-ui' });
    await dialog.getByRole('tab', { name: 'Diff' }).click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'diff' && url.searchParams.get('node') === 'apps/Deployment/guestbook/guestbook-ui/0');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL((url) => url.pathname === qualified.pathname && !url.searchParams.has('node'));
  });

  it('opens the plain form, with Argo CD tab names (manifest is the live manifest)', async () => {
    await page.goto(inBrowser(plain, `?resource=&node=${encodeURIComponent('/Service/guestbook/guestbook-ui/0')}&tab=manifest`));
    const dialog = page.getByRole('dialog', { name: 'Service guestbook-ui' });
    await dialog.waitFor({ timeout: 20_000 });
    expect(await dialog.getByRole('tab', { name: 'Live manifest' }).getAttribute('aria-selected')).toBe('true');
  });

  it('applies the view and the resource filter from the URL', async () => {
    await page.goto(inBrowser(qualified, '?view=list&resource=kind%3AService'));
    await appTab(page, 'List').waitFor();
    expect(await appTab(page, 'List').getAttribute('aria-selected')).toBe('true');
    const rows = page.locator('.resource-list tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Service');
    await page.getByRole('link', { name: 'Show all resources' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    expect(new URL(page.url()).search).toBe('?view=list');
  });

  it('opens the sync status, the history and the app manifest from their Argo CD parameters', async () => {
    const cases: [string, string][] = [
      ['?operation=true', 'Sync status'],
      ['?rollback=0', 'History and rollback'],
      ['?view=network', 'Tree'],
      // Argo CD's "Details" of the app itself, on its manifest tab.
      [`?node=${encodeURIComponent(`argoproj.io/Application/${ui.api.ns}/guestbook/0`)}&tab=manifest`, 'Manifest'],
    ];
    for (const [query, tab] of cases) {
      await page.goto(inBrowser(qualified, query));
      await appTab(page, tab).waitFor();
      await expect.poll(() => appTab(page, tab).getAttribute('aria-selected'), { message: query }).toBe('true');
    }
    await page.getByRole('button', { name: 'Edit as YAML' }).waitFor();
  });

  it('does not open a same-named app of another namespace', async () => {
    await page.goto('/applications/not-kawa/guestbook');
    await page.getByText('Application not-kawa/guestbook is not available').waitFor();
  });
});
