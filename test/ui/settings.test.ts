// The Settings pages in Chromium against a real kawa server: connect a git repository over HTTP(S) with a
// username and password (a real smart-HTTP git server with Basic auth), see its connection state (a wrong
// password connects as Failed, the right one as Successful); the clusters list shows in-cluster; the
// accounts list shows the local accounts. axe-core on each page.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { TempDirs, createRepo } from '../harness/git.js';
import { ACCOUNTS } from '../harness/server-api.js';
import { ARTIFACTS, axeViolations, openAsAdmin, useUi } from './harness.js';

const ui = useUi('ui-settings');
const dirs = new TempDirs();
const PASSWORD = 'git-secret-password';
let git: GitHttpServer;
let repoUrl = '';
let otherUrl = '';

beforeAll(async () => {
  const root = await dirs.make('kawa-uiset-root-');
  const repo = await createRepo(await dirs.make('kawa-uiset-work-'));
  await repo.commit('first', { files: { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' } });
  await repo.publishBare(root, 'private');
  await repo.publishBare(root, 'other');
  git = await startGitHttpServer({ root, auth: { username: 'git', password: PASSWORD } });
  repoUrl = git.urlFor('private');
  otherUrl = git.urlFor('other');
});

afterAll(async () => {
  await git.close();
  await dirs.cleanup();
});

describe('the settings pages', () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ({ context, page, errors } = await ui.newPage());
  });

  afterAll(async () => {
    await context.close();
  });

  async function connect(url: string, password: string): Promise<void> {
    await page.getByRole('button', { name: 'Connect repository' }).click();
    const form = page.getByRole('form', { name: 'Connect repository' });
    await form.waitFor();
    await form.getByLabel('HTTPS').check();
    await form.getByLabel('Repository URL').fill(url);
    await form.getByLabel('Username').fill('git');
    await form.getByLabel('Password or token').fill(password);
    await form.getByRole('button', { name: 'Connect', exact: true }).click();
    await form.waitFor({ state: 'detached', timeout: 30_000 });
  }

  it('starts with no repositories and connects one over HTTPS credentials: it appears with its connection state', async () => {
    await openAsAdmin(ui, page, '/settings/repositories');
    await page.getByText('No repositories connected').waitFor();
    await connect(repoUrl, PASSWORD);
    const row = page.getByRole('row').filter({ hasText: repoUrl });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('Successful');
    // The secret never comes back to the browser.
    const answer = await page.evaluate(async () => (await fetch('/api/v1/repositories')).text());
    expect(answer).not.toContain(PASSWORD);
    expect(answer).toContain('"hasCredentials":true');
  });

  it('shows a failed connection with its message', async () => {
    await connect(otherUrl, 'wrong password');
    const row = page.getByRole('row').filter({ hasText: otherUrl });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('Failed');
    await page.screenshot({ path: join(ARTIFACTS, 'settings-repositories.png'), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('lists the in-cluster cluster, connected', async () => {
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Clusters' }).click();
    await page.waitForURL(/\/settings\/clusters$/);
    const row = page.getByRole('row').filter({ hasText: 'https://kubernetes.default.svc' });
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('in-cluster');
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('Successful');
    await page.screenshot({ path: join(ARTIFACTS, 'settings-clusters.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('lists the local accounts', async () => {
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Accounts' }).click();
    await page.waitForURL(/\/settings\/accounts$/);
    const table = page.getByRole('table', { name: 'Accounts' });
    await table.waitFor();
    const names = (await table.locator('tbody tr td:first-child').allTextContents()).sort();
    expect(names).toEqual(['admin', ...ACCOUNTS].sort());
    expect(await table.getByRole('row').filter({ hasText: 'alice' }).textContent()).toContain('login, apiKey');
    await page.screenshot({ path: join(ARTIFACTS, 'settings-accounts.png') });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
