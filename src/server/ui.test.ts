import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackRoutes, type RouteInfo } from './guard.js';
import { ASSET_CACHE_CONTROL, isApiPath, UI_ROUTE_URLS, uiPlugin } from './ui.js';

async function serverFor(root: string): Promise<{ app: FastifyInstance; routes: RouteInfo[] }> {
  const app = Fastify({ logger: false });
  const routes: RouteInfo[] = [];
  // As in app.ts: every route must declare how it is protected.
  trackRoutes(app, routes);
  app.get('/api/version', { config: { auth: { kind: 'public' } } }, () => ({ Version: 'v0' }));
  await app.register(uiPlugin, { root });
  await app.ready();
  return { app, routes };
}

describe('uiPlugin with a build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-ui-'));
  let app: FastifyInstance;
  let routes: RouteInfo[];
  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'robots.txt'), 'User-agent: *');
    writeFileSync(join(dir, '..', 'secret.txt'), 'nope');
    ({ app, routes } = await serverFor(dir));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'secret.txt'), { force: true });
  });

  it('declares every route public (the guard requires a declaration)', () => {
    expect(routes.filter((r) => r.method === 'GET').map((r) => [r.url, r.auth.kind])).toEqual([
      ['/api/version', 'public'],
      ['/assets/*', 'public'],
      ['/', 'public'],
      ['/*', 'public'],
    ]);
    expect(routes.filter((r) => r.url !== '/api/version').map((r) => r.url).every((url) => UI_ROUTE_URLS.includes(url))).toBe(true);
  });

  it('serves index.html at / and for client-side routes, not cached, with security headers', async () => {
    const deepLinks = [
      // What `kawa app get` prints, and Argo CD's resource panel links (a reload of a deep link).
      '/applications/argocd/guestbook-default',
      '/applications/argocd/guestbook?view=tree&resource=&node=apps%2FDeployment%2Fdefault%2Fguestbook-ui%2F0&tab=diff',
      '/applications/argocd/guestbook?node=apps/Deployment/default/guestbook-ui/0&tab=manifest',
      '/applications/argocd/my.app.v2?operation=true',
      '/applications/guestbook?resource=kind%3APod&view=pods',
    ];
    for (const url of ['/', '/applications', '/applications/guestbook/history?x=1', '/login', ...deepLinks]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('caches hashed assets for a year', async () => {
    const res = await app.inject({ url: '/assets/index-AbC123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
    expect(res.body).toBe('console.log(1)');
  });

  it('answers 404 for a missing asset instead of the page', async () => {
    const res = await app.inject({ url: '/assets/index-gone.js' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).not.toMatch(/html/);
  });

  it('does not escape the build directory', async () => {
    for (const url of ['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/../secret.txt', '/%2e%2e/secret.txt']) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain('nope');
    }
  });

  it('serves top-level files by name', async () => {
    const res = await app.inject({ url: '/robots.txt' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('User-agent: *');
  });

  it('keeps the API JSON 404 for unknown /api and /auth paths, and leaves API routes alone', async () => {
    for (const url of ['/api/v1/nothing', '/api', '/auth/nothing']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({ error: `no route for GET ${url}`, code: 5, message: `no route for GET ${url}` });
    }
    expect((await app.inject({ url: '/api/version' })).json()).toEqual({ Version: 'v0' });
  });
});

describe('uiPlugin without a build', () => {
  it('explains how to build the UI and keeps the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-ui-empty-'));
    const { app } = await serverFor(dir);
    try {
      const page = await app.inject({ url: '/applications' });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build:ui');
      expect((await app.inject({ url: '/api/version' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/api/v1/x' })).statusCode).toBe(404);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('isApiPath', () => {
  it('tells API paths from UI paths', () => {
    expect(['/api', '/api/v1/applications', '/auth/login'].map(isApiPath)).toEqual([true, true, true]);
    expect(['/', '/applications', '/apis', '/authors'].map(isApiPath)).toEqual([false, false, false, false]);
  });
});
