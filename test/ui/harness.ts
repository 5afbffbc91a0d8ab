// Browser tests of the web UI: a real kawa API server (test/harness/server-api.ts, on the real
// kube-apiserver) listening on a loopback port, the built UI served by src/server/ui.ts, and Debian's
// Chromium driven by playwright-core.
//
// Until app.ts registers the UI plugin itself, the UI is served by a second fastify on its own port that
// forwards /api/ and /auth/ to the kawa server byte for byte (so cookies, the CSRF header and the SSE
// stream behave exactly as they do from one origin). Once kawa serves `/` itself, its address is used.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { uiPlugin } from '../../src/server/ui.js';
import { useApiServer, type ApiFixture, type Json } from '../harness/server-api.js';
import { ensureUiBuilt, ROOT, UI_DIST } from './build.js';

export { ensureUiBuilt };

export const ARTIFACTS = process.env['KAWA_UI_ARTIFACTS'] ?? join(ROOT, '.kawa/ui-artifacts');

/** A same-origin front: the UI from ui/dist, everything under /api/ and /auth/ piped to `target`. */
async function frontServer(target: URL): Promise<FastifyInstance> {
  const front = Fastify({ logger: false });
  const forward = (url: string, raw: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: raw.method, path: url, headers: raw.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    raw.pipe(upstream);
    res.on('close', () => upstream.destroy());
  };
  // Leave request bodies unread so they can be piped through as they are.
  front.removeAllContentTypeParsers();
  front.addContentTypeParser('*', (_request, _payload, done) => {
    done(null);
  });
  for (const prefix of ['/api', '/auth']) {
    front.all(`${prefix}/*`, { config: { auth: { kind: 'public' } } }, (request, reply) => {
      reply.hijack();
      forward(request.url, request.raw, reply.raw);
    });
  }
  await front.register(uiPlugin, { root: UI_DIST });
  await front.listen({ host: '127.0.0.1', port: 0 });
  return front;
}

/** Debian's Chromium (or $KAWA_CHROMIUM), headless, as every browser test launches it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['KAWA_CHROMIUM'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** A fresh context and page on `baseUrl`; console errors, page errors and 5xx answers are collected in `errors`. */
export async function newBrowserPage(
  browser: Browser,
  baseUrl: string,
  options: { width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, baseURL: baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    // Failed requests are logged by the browser too; they are judged by their answers below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 500) errors.push(`${r.status()} from ${r.request().method()} ${r.url()}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

export interface UiFixture {
  readonly api: ApiFixture;
  /** Where the browser opens the UI (`http://127.0.0.1:port`). */
  baseUrl: string;
  /** The kawa server's own address (what the CLI logs in to); baseUrl too once kawa serves the UI. */
  apiUrl: string;
  browser: Browser;
  /** A fresh context and page; console errors and page errors are collected in `errors`. */
  newPage(options?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  /** Sets `status` through the status subresource, as the controller would. */
  setStatus(name: string, status: Json): Promise<void>;
  createApp(body: Json): Promise<void>;
}

const group = 'argoproj.io';
const version = 'v1alpha1';

export function useUi(prefix: string): UiFixture {
  // The server's live-state source keeps its git mirrors and checkouts here, not in ~/.cache/kawa.
  const cacheRoot = mkdtempSync(join(tmpdir(), `kawa-${prefix}-cache-`));
  const api = useApiServer(prefix, { assemble: () => ({ repoCacheRoot: join(cacheRoot, 'repos') }) });
  const fixture = { api } as UiFixture;
  let front: FastifyInstance | undefined;

  beforeAll(async () => {
    ensureUiBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    fixture.apiUrl = address;
    const servesUi = api.app.kawa.routes.some((r) => r.method === 'GET' && r.url === '/*');
    if (servesUi) fixture.baseUrl = address;
    else {
      front = await frontServer(new URL(address));
      const port = (front.server.address() as import('node:net').AddressInfo).port;
      fixture.baseUrl = `http://127.0.0.1:${port}`;
    }
    fixture.browser = await launchChromium();
    fixture.newPage = (options = {}) => newBrowserPage(fixture.browser, fixture.baseUrl, options);
    fixture.createApp = async (body) => {
      await api.custom.createNamespacedCustomObject({ group, version, plural: 'applications', namespace: api.ns, body });
    };
    fixture.setStatus = async (name, status) => {
      for (let attempt = 0; ; attempt++) {
        const current = (await api.custom.getNamespacedCustomObject({ group, version, plural: 'applications', namespace: api.ns, name })) as Json;
        try {
          await api.custom.replaceNamespacedCustomObjectStatus({ group, version, plural: 'applications', namespace: api.ns, name, body: { ...current, status } });
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    };
  }, 180_000);

  afterAll(async () => {
    await fixture.browser.close();
    await front?.close();
    rmSync(cacheRoot, { recursive: true, force: true });
  });
  return fixture;
}

/** Runs axe-core in the page and returns its serious and critical violations. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const source = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP does not apply to.
  await page.evaluate(source);
  // A string, as it runs in the page (the root tsconfig has no DOM types).
  const result = await page.evaluate<{ id: string; impact: string; help: string; nodes: string[] }[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target) + ' ' + (n.failureSummary ?? '')) })))`);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Logs in through the login page (which must be showing). */
export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens `path` logged in as admin (through the login page the app redirects to). */
export async function openAsAdmin(ui: UiFixture, page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForURL(/\/login/);
  await login(page, 'admin', ui.api.adminPassword);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
