// 1,000 Applications (real CRs on the real kube-apiserver, listed and watched through a real kawa server)
// stay fluid in Chromium: time to the first row and to the whole list, frame times while scrolling the
// table and the tiles (requestAnimationFrame in the page), and a DOM that holds a bounded number of rows
// (virtualization). Then an app with 1,000 resources: the tree is grouped, laid out quickly, and a group
// expands on demand. Times and frame rates are printed, not asserted: speed is measured by `npm run bench ui`
// on a quiet machine, and a shared 2-core machine under load would make a timed test fail for no defect.
// What is asserted is structure: the whole list is reachable and the DOM stays bounded (virtualization).
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, openAsAdmin, useUi } from './harness.js';
import { createApps, firstRenderProbe, manyResources, measureScroll, readLayout, readListTiming } from './perf.js';

const ui = useUi('ui-scale');
const COUNT = 1000;
/** Rows the DOM may hold at once: a screenful plus overscan, never the whole list. */
const MAX_DOM_ROWS = 120;

function log(line: string): void {
  process.stderr.write(`[ui-scale] ${line}\n`);
}

describe(`${COUNT} applications in the browser`, () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const started = Date.now();
    await createApps(ui.api.custom, ui.api.ns, COUNT);
    log(`created ${COUNT} Applications in ${Date.now() - started} ms`);
    ({ context, page } = await ui.newPage());
    await openAsAdmin(ui, page, '/settings/accounts');
  }, 300_000);

  afterAll(async () => {
    await context.close();
  });

  it('renders the list quickly and keeps the DOM bounded', async () => {
    await page.addInitScript(firstRenderProbe(COUNT));
    await page.goto('/applications?view=table');
    const timing = await readListTiming(page);
    log(`list (table): first row ${timing.firstRow.toFixed(0)} ms, all ${COUNT} listed ${timing.allListed.toFixed(0)} ms after navigation start`);
    const rows = await page.locator('[data-app]').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(MAX_DOM_ROWS);
    expect(await page.getByRole('table', { name: 'Applications' }).getAttribute('aria-rowcount')).toBe(String(COUNT + 1));
  });

  it('scrolls the table at a fluid frame rate, rendering only what is visible', async () => {
    const stats = await measureScroll(page, '[aria-label="Application rows"]');
    log(`table scroll: ${stats.frames} frames, mean ${stats.meanMs.toFixed(1)} ms, p95 ${stats.p95Ms.toFixed(1)} ms, max ${stats.maxMs.toFixed(1)} ms, ≤ ${stats.maxRows} rows in the DOM, ${stats.scrolled} px`);
    expect(stats.scrolled).toBeGreaterThan(10_000);
    expect(stats.maxRows).toBeLessThan(MAX_DOM_ROWS);
    // The last application is reachable by scrolling.
    await page.evaluate(`(() => { const el = document.querySelector('[aria-label="Application rows"]'); el.scrollTop = el.scrollHeight; })()`);
    await page.locator(`[data-app="app-${String(COUNT - 1).padStart(4, '0')}"]`).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'list-1000-table.png') });
  });

  it('scrolls the tiles just as well', async () => {
    await page.getByRole('button', { name: 'Tiles' }).click();
    await page.locator('[data-app]').first().waitFor();
    const stats = await measureScroll(page, '.tiles-wrap [aria-label="Applications"]');
    log(`tiles scroll: ${stats.frames} frames, mean ${stats.meanMs.toFixed(1)} ms, p95 ${stats.p95Ms.toFixed(1)} ms, max ${stats.maxMs.toFixed(1)} ms, ≤ ${stats.maxRows} tiles in the DOM`);
    expect(stats.maxRows).toBeLessThan(MAX_DOM_ROWS);
    await page.screenshot({ path: join(ARTIFACTS, 'list-1000-tiles.png') });
  });

  it('filters 1,000 applications by search at once', async () => {
    await page.getByLabel('Search applications').fill('app-099');
    await expect.poll(() => page.locator('[data-app]').count()).toBe(10);
    expect(await page.getByLabel('Status counts').textContent()).toContain('10 applications');
  });

  it('lays out an application with 1,000 resources, grouped, and expands a group on demand', async () => {
    await ui.createApp({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'big' },
      spec: { project: 'default', source: { repoURL: 'https://git.example.com/org/big.git', path: 'big', targetRevision: 'HEAD' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'big' } },
    });
    await ui.setStatus('big', { sync: { status: 'OutOfSync' }, health: { status: 'Degraded' }, resources: manyResources(COUNT) });
    await page.goto('/applications/big');
    const layout = await readLayout(page);
    log(`tree of ${COUNT} resources: ${layout.nodes} graph nodes (${layout.kind} layout ${layout.layoutMs.toFixed(0)} ms), shown ${layout.ready.toFixed(0)} ms after navigation start, ${layout.domNodes} nodes in the DOM`);
    // Grouped: one node per kind (8) plus the app, not 1,001.
    expect(layout.nodes).toBe(9);
    const groups = page.locator('.gnode-group');
    expect(await groups.count()).toBe(8);
    await page.screenshot({ path: join(ARTIFACTS, 'details-1000-grouped.png') });
    // Expanding the ConfigMaps shows their 125 nodes (only the visible ones are in the DOM).
    await groups.filter({ hasText: 'ConfigMap' }).click();
    await expect.poll(() => page.locator('.graph').getAttribute('data-layout-nodes')).toBe(String(9 - 1 + COUNT / 8));
    const expanded = await readLayout(page);
    log(`expanded ConfigMaps: ${expanded.nodes} graph nodes, ${expanded.kind} layout ${expanded.layoutMs.toFixed(0)} ms, ${expanded.domNodes} nodes in the DOM`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'details-1000-expanded.png') });
  });
});
