import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { cookieValue, rbacSafetyNet, sessionCookie, trackRoutes, type RouteInfo } from './guard.js';

describe('cookies', () => {
  it('reads one cookie among several', () => {
    expect(cookieValue('a=1; argocd.token=abc.def; b=2', 'argocd.token')).toBe('abc.def');
    expect(cookieValue('argocd.token.x=1', 'argocd.token')).toBeUndefined();
    expect(cookieValue(undefined, 'argocd.token')).toBeUndefined();
    expect(cookieValue('argocd.token=%E0%A4%A', 'argocd.token')).toBe('%E0%A4%A');
  });

  it('writes the session cookie HttpOnly and SameSite=Strict, Secure on request, and clears it', () => {
    expect(sessionCookie('t', { secure: true, maxAgeSec: 60.7 })).toBe('argocd.token=t; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60');
    expect(sessionCookie('', { secure: false })).toBe('argocd.token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });
});

describe('route protection', () => {
  it('refuses to register a route that declares no auth', async () => {
    const app = Fastify();
    trackRoutes(app, []);
    expect(() => app.get('/open', () => 'x')).toThrow('route GET /open must declare config.auth');
    await app.close();
  });

  it('turns an rbac route that answered without an RBAC check into a 500', async () => {
    const app = Fastify();
    const routes: RouteInfo[] = [];
    trackRoutes(app, routes);
    app.decorateRequest('rbacChecked', false);
    app.addHook('onSend', rbacSafetyNet);
    app.get('/forgot', { config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } } }, () => ({ secret: true }));
    app.get('/checked', { config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } } }, (request) => {
      request.rbacChecked = true;
      return { ok: true };
    });
    app.get('/list', { config: { auth: { kind: 'filtered', resource: 'applications', action: 'get' } } }, () => ({ items: [] }));
    const forgot = await app.inject({ method: 'GET', url: '/forgot' });
    expect([forgot.statusCode, forgot.json()]).toEqual([500, { error: 'internal error: missing authorization check', code: 13, message: 'internal error: missing authorization check' }]);
    expect((await app.inject({ method: 'GET', url: '/checked' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/list' })).statusCode).toBe(200);
    expect(routes.map((r) => `${r.method} ${r.url} ${r.auth.kind}`)).toContain('GET /forgot rbac');
    await app.close();
  });
});
