// Serves the web UI (ui/dist, built by `npm run build:ui`) at `/`.
//
// - Hashed build output under /assets/ is cached for a year (`immutable`): a new build has new names.
// - index.html and the other top-level files are `no-cache`, so a new deployment is picked up at once.
// - Any other GET that is not under /api/ or /auth/ answers index.html (the SPA's router takes the path
//   from there); unknown /api/ and /auth/ paths keep the API's JSON 404.
// - Without a build, every UI path answers a short page saying how to build it (503), and the API works.
// - Security headers on the page: a CSP allowing only same-origin scripts and connections, no framing.
//
// Register it after the API routes: `await app.register(uiPlugin)` (options: `root` to serve another
// directory). It is encapsulated, so its `reply.sendFile` decorator does not leak.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grpcCodes } from './http-errors.js';

export interface UiOptions {
  /** The built UI (default: ui/dist of this checkout or install). */
  readonly root?: string;
}

/** The routes this plugin registers (hidden from OpenAPI; route-listing tests leave them out). */
export const UI_ROUTE_URLS: readonly string[] = ['/', '/*', '/assets/*'];

export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PAGE_CACHE_CONTROL = 'no-cache';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // React and React Flow set style properties from script; the built CSS is same-origin.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** ui/dist next to this file's checkout: src/server/ui.ts (tsx) or dist/src/server/ui.js (built). */
export function defaultUiRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../../ui/dist'), resolve(here, '../../../ui/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0] ?? 'ui/dist';
}

/** Paths that belong to the API: never answered with the SPA. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/auth' || path.startsWith('/auth/');
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? '/';
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message = `no route for ${request.method} ${pathOf(request)}`;
  return reply.code(404).type('application/json; charset=utf-8').send({ error: message, code: grpcCodes.NotFound, message });
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', PAGE_CACHE_CONTROL)
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin');
}

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>kawa: web UI not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{background:rgba(127,127,127,.15);padding:.1rem .3rem;border-radius:4px}</style></head>
<body><main><h1>The kawa web UI is not built</h1>
<p>This server runs, and its API answers under <a href="/api/version">/api/</a> (see <a href="/swagger-ui">/swagger-ui</a>), but it found no built UI to serve.</p>
<p>Build it from the repository root with <code>npm run build:ui</code> (or <code>npm run build</code>), then reload this page.</p>
</main></body></html>`;

export async function uiPlugin(app: FastifyInstance, options: UiOptions = {}): Promise<void> {
  const root = options.root ?? defaultUiRoot();
  const auth = { kind: 'public' } as const;

  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web UI is not built (no index.html); serving a page that says so');
    const missing = async (request: FastifyRequest, reply: FastifyReply) => {
      if (isApiPath(pathOf(request))) return notFound(request, reply);
      return pageHeaders(reply).code(503).type('text/html; charset=utf-8').send(MISSING_PAGE);
    };
    app.get('/', { config: { auth }, schema: { hide: true } }, missing);
    app.get('/*', { config: { auth }, schema: { hide: true } }, missing);
    return;
  }

  await app.register(fastifyStatic, { root, serve: false, cacheControl: false, index: false, dotfiles: 'deny' });
  // Top-level files (favicon, robots.txt…) by exact name; everything else under / is the SPA.
  const topLevel = new Set(readdirSync(root).filter((name) => name !== 'index.html' && statSync(join(root, name)).isFile()));

  const sendIndex = (reply: FastifyReply) => pageHeaders(reply).type('text/html; charset=utf-8').sendFile('index.html', root);

  app.get('/assets/*', { config: { auth }, schema: { hide: true } }, (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    // Only hashed build output lives here; a miss is a real 404 (never the page: a script tag would
    // then parse HTML as JavaScript).
    if (rest === '' || rest.includes('..') || rest.includes('\0')) return notFound(request, reply);
    reply.header('cache-control', ASSET_CACHE_CONTROL).header('x-content-type-options', 'nosniff');
    return reply.sendFile(`assets/${rest}`, root);
  });

  app.get('/', { config: { auth }, schema: { hide: true } }, (_request, reply) => sendIndex(reply));

  app.get('/*', { config: { auth }, schema: { hide: true } }, (request, reply) => {
    const path = pathOf(request);
    if (isApiPath(path)) return notFound(request, reply);
    const name = path.slice(1);
    if (topLevel.has(name)) {
      return reply.header('cache-control', PAGE_CACHE_CONTROL).header('x-content-type-options', 'nosniff').sendFile(name, root);
    }
    return sendIndex(reply);
  });
}
