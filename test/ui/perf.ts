// Measurements taken inside the page (Performance API and requestAnimationFrame), shared by the scale
// test (test/ui/scale.test.ts) and the UI benchmark (bench/ui.ts). The in-page code is passed as strings:
// the root tsconfig has no DOM types.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { Page } from 'playwright-core';

/** `count` Applications named `${prefix}-0000`…, created `concurrency` at a time, as CRs in `namespace`. */
export async function createApps(custom: CustomObjectsApi, namespace: string, count: number, prefix = 'app', concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const name = `${prefix}-${String(i).padStart(4, '0')}`;
      await custom.createNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        plural: 'applications',
        namespace,
        body: {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name, labels: { team: `team-${i % 7}`, tier: i % 3 === 0 ? 'web' : 'backend' } },
          spec: {
            project: 'default',
            source: { repoURL: `https://git.example.com/org/repo-${i % 13}.git`, path: `apps/${name}`, targetRevision: 'HEAD' },
            destination: { server: 'https://kubernetes.default.svc', namespace: `ns-${i % 40}` },
          },
        },
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** `count` managed resources of mixed kinds, as `status.resources` of one app (a 1,000-node tree). */
export function manyResources(count: number, namespace = 'big'): Record<string, unknown>[] {
  const kinds: [string, string][] = [
    ['', 'ConfigMap'],
    ['', 'Secret'],
    ['', 'Service'],
    ['', 'ServiceAccount'],
    ['apps', 'Deployment'],
    ['batch', 'Job'],
    ['rbac.authorization.k8s.io', 'Role'],
    ['rbac.authorization.k8s.io', 'RoleBinding'],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [group, kind] = kinds[i % kinds.length] ?? ['', 'ConfigMap'];
    return {
      ...(group === '' ? {} : { group }),
      version: 'v1',
      kind,
      namespace,
      name: `${kind.toLowerCase()}-${String(i).padStart(4, '0')}`,
      status: i % 17 === 0 ? 'OutOfSync' : 'Synced',
      health: { status: i % 29 === 0 ? 'Degraded' : 'Healthy' },
    };
  });
}

/**
 * Installed before the page loads: records (in `window.kawaPerf`) when the first application row is in
 * the DOM and when the status counts first say `total` applications, in ms since navigation start.
 */
export function firstRenderProbe(total: number): string {
  return `(() => {
    const perf = (window.kawaPerf = { firstRow: undefined, allListed: undefined });
    const want = ${JSON.stringify(`${total} applications`)};
    const tick = () => {
      if (perf.firstRow === undefined && document.querySelector('[data-app]') !== null) perf.firstRow = performance.now();
      const counts = document.querySelector('[aria-label="Status counts"]');
      if (perf.allListed === undefined && counts !== null && (counts.textContent || '').replace(/\\s+/g, ' ').includes(want)) {
        // The frame that shows it: measured when the browser is about to paint the next one.
        requestAnimationFrame(() => { perf.allListed = performance.now(); });
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`;
}

export interface ListTiming {
  /** ms from navigation start to the first application row in the DOM. */
  firstRow: number;
  /** ms from navigation start to the counts showing every application (the list is usable). */
  allListed: number;
}

/**
 * Polls an in-page expression until it is truthy. (page.waitForFunction evaluates strings with eval, which
 * the UI's CSP forbids; page.evaluate goes through the DevTools protocol instead.)
 */
export async function waitInPage(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting in the page for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function readListTiming(page: Page, timeoutMs = 60_000): Promise<ListTiming> {
  await waitInPage(page, 'window.kawaPerf && window.kawaPerf.allListed !== undefined', timeoutMs);
  return page.evaluate<ListTiming>('({ firstRow: window.kawaPerf.firstRow, allListed: window.kawaPerf.allListed })');
}

export interface ScrollStats {
  frames: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  /** The most `[data-app]` elements in the DOM at any frame while scrolling. */
  maxRows: number;
  /** How far it scrolled, px. */
  scrolled: number;
}

/**
 * Scrolls the element matching `selector` by `step` px per animation frame for `frames` frames (down, then
 * back up) and reports the frame intervals and the most rows in the DOM at once.
 */
export async function measureScroll(page: Page, selector: string, frames = 180, step = 120): Promise<ScrollStats> {
  return page.evaluate<ScrollStats>(`new Promise((resolve, reject) => {
    const el = document.querySelector(${JSON.stringify(selector)});
    if (el === null) { reject(new Error('no scroll container ${selector.replace(/'/g, '')}')); return; }
    const deltas = [];
    let maxRows = 0;
    let last;
    let n = 0;
    let dir = 1;
    let scrolled = 0;
    const frame = (t) => {
      if (last !== undefined) deltas.push(t - last);
      last = t;
      maxRows = Math.max(maxRows, document.querySelectorAll('[data-app]').length);
      if (n++ >= ${frames}) {
        const sorted = [...deltas].sort((a, b) => a - b);
        const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] || 0;
        resolve({ frames: deltas.length, meanMs: deltas.reduce((a, b) => a + b, 0) / Math.max(1, deltas.length), p95Ms: at(0.95), maxMs: sorted[sorted.length - 1] || 0, maxRows, scrolled });
        return;
      }
      const before = el.scrollTop;
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) dir = -1;
      el.scrollTop = before + dir * ${step};
      scrolled += Math.abs(el.scrollTop - before);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })`);
}

export interface LayoutTiming {
  /** ms from navigation start until the graph shows its final layout. */
  ready: number;
  /** ms from navigation start until the graph showed its first layout (the quick one, while elk works). */
  first: number;
  /** ms the last layout itself took (quick columns, or elk in its worker). */
  layoutMs: number;
  /** quick or elk. */
  kind: string;
  /** Graph nodes laid out, and resource nodes in the DOM. */
  nodes: number;
  domNodes: number;
}

/** Waits for the resource graph's final layout (its `data-layout-*` attributes) and reads them. */
export async function readLayout(page: Page, timeoutMs = 60_000): Promise<LayoutTiming> {
  await waitInPage(page, `(() => { const g = document.querySelector('.graph'); return g !== null && g.dataset.layoutState === 'done'; })()`, timeoutMs);
  return page.evaluate<LayoutTiming>(`(() => {
    const g = document.querySelector('.graph');
    return { ready: Number(g.dataset.layoutAt), first: Number(g.dataset.firstLayoutAt), layoutMs: Number(g.dataset.layoutMs), kind: g.dataset.layout, nodes: Number(g.dataset.layoutNodes), domNodes: document.querySelectorAll('.react-flow__node').length };
  })()`);
}
