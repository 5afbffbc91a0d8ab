// SSO (Argo CD's util/oidc handlers) and the public settings the UI and CLI read before anyone logs in:
//
//   GET /auth/login?return_url=   303 to the provider (code flow, PKCE, state, nonce); the state rides in a cookie
//   GET /auth/callback            code exchange + id_token checks → kawa session in `argocd.token`, 303 to return_url
//   GET /auth/logout              ends the session (cookie and revocation), 303 to oidc.config logoutURL or `/login`
//   GET /api/v1/settings          url, oidcConfig (name, issuer, clientID, cliClientID, scopes; never the secret), …
//
// The login routes are public by nature; a failure answers 401 (400 for a bad return_url, 503 when SSO is
// not configured) with the usual error body, and the state cookie is cleared so a retry starts clean.
import { z } from 'zod';
import { errorCodes, isKawaError } from '../../errors.js';
import { CLI_REDIRECT_URL, STATE_COOKIE, identityOf, stateCookie } from '../auth/index.js';
import { cookieValue, sessionCookie } from '../guard.js';
import { ApiError, grpcCodes, unavailable } from '../http-errors.js';
import { answers, errorResponses, named } from '../schemas.js';
import type { RouteDeps, ZodApp } from './types.js';

const tags = ['SSO'];

const loginQuerySchema = z.strictObject({
  return_url: z.string().max(4096).optional().describe('where to go after the login: a path of this server, or an absolute URL of its own origin'),
});

// Providers add parameters of their own (`session_state`, …): those are passed on when they are single
// bounded strings; the ones kawa reads are declared.
const param = z.string().max(16384).optional();
const callbackQuerySchema = z.looseObject({
  code: param.describe('the authorization code'),
  state: param.describe('the state kawa sent'),
  iss: param.describe('the issuer (RFC 9207)'),
  error: param.describe('why the provider refused'),
  error_description: param,
});

const redirectSchema = z.null().describe('a redirect (see the Location header)');

export const oidcClientConfigSchema = named(
  'clusterOIDCConfig',
  z.object({
    name: z.string(),
    issuer: z.string(),
    clientID: z.string(),
    cliClientID: z.string().optional(),
    scopes: z.array(z.string()),
    idTokenClaims: z.record(z.string(), z.unknown()).optional(),
    redirectURI: z.string().optional().describe('the redirect URI the CLI listens on for its PKCE login'),
  }),
);

export const settingsSchema = named(
  'clusterSettings',
  z.object({
    url: z.string().optional(),
    oidcConfig: oidcClientConfigSchema.optional(),
    appLabelKey: z.string(),
    trackingMethod: z.string(),
    installationID: z.string().optional(),
    controllerNamespace: z.string(),
    userLoginsDisabled: z.boolean(),
    statusBadgeEnabled: z.boolean(),
    execEnabled: z.boolean(),
  }),
);

/** The responses of the browser login flow: a redirect, or the error body. */
const redirectResponses = { 303: redirectSchema, ...errorResponses };

function loginError(err: unknown): unknown {
  if (!isKawaError(err)) return err;
  if (err.code === errorCodes.AUTH_SSO_NOT_CONFIGURED) return unavailable(err.message, err.code);
  if (err.code === errorCodes.AUTH_SSO_FAILED || err.code === errorCodes.AUTH_INVALID_TOKEN || err.code === errorCodes.AUTH_EXPIRED) {
    return new ApiError(err.code, 401, grpcCodes.Unauthenticated, err.message);
  }
  return err;
}

export function ssoRoutes(app: ZodApp, deps: RouteDeps, namespace: string): void {
  const oidc = deps.oidc;

  app.route({
    method: 'GET',
    url: '/auth/login',
    schema: { tags, summary: 'Start an SSO login: redirects to the identity provider', security: [], querystring: loginQuerySchema, response: redirectResponses },
    config: { auth: { kind: 'public' } },
    handler: async (request, reply) => {
      let started: { location: string; state: string };
      try {
        started = await oidc.beginLogin(request.query.return_url);
      } catch (err) {
        const answer = loginError(err);
        // A bad return_url is the caller's mistake, not a failed login.
        if (answer instanceof ApiError && answer.code === errorCodes.AUTH_SSO_FAILED) throw new ApiError(answer.code, 400, grpcCodes.InvalidArgument, answer.message);
        throw answer;
      }
      return reply.code(303).header('cache-control', 'no-store').header('set-cookie', stateCookie(started.state, deps.secureCookies)).header('location', started.location).send(null);
    },
  });

  app.route({
    method: 'GET',
    url: '/auth/callback',
    schema: { tags, summary: 'The identity provider redirects here; sets the session cookie and redirects to return_url', security: [], querystring: callbackQuerySchema, response: redirectResponses },
    config: { auth: { kind: 'public' } },
    handler: async (request, reply) => {
      const clearState = stateCookie('', deps.secureCookies);
      reply.header('cache-control', 'no-store');
      try {
        const query = Object.fromEntries(Object.entries(request.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length <= 16384).slice(0, 32));
        const { claims, returnTo } = await oidc.finishLogin(query, cookieValue(request.headers.cookie, STATE_COOKIE));
        const identity = identityOf(claims, deps.rbac.enforcer.scopes);
        const token = await deps.sessions.issueSsoSession(identity);
        const verified = await deps.sessions.verifyToken(token);
        const maxAgeSec = verified.expiresAt === undefined ? undefined : (verified.expiresAt.getTime() - Date.now()) / 1000;
        deps.metrics.loginRequests.inc({ status: 'success' });
        request.log.info({ sub: identity.sub, groups: identity.groups }, 'SSO login');
        const session = sessionCookie(token, { secure: deps.secureCookies, ...(maxAgeSec === undefined ? {} : { maxAgeSec }) });
        return await reply.code(303).header('set-cookie', [clearState, session]).header('location', returnTo).send(null);
      } catch (err) {
        deps.metrics.loginRequests.inc({ status: 'failure' });
        reply.header('set-cookie', clearState);
        throw loginError(err);
      }
    },
  });

  app.route({
    method: 'GET',
    url: '/auth/logout',
    schema: { tags, summary: "End the browser's session and go to the provider's logout page when one is configured", security: [], response: redirectResponses },
    config: { auth: { kind: 'public' } },
    handler: async (request, reply) => {
      const caller = request.caller;
      if ((caller?.token.kind === 'session' || caller?.token.kind === 'sso') && caller.token.id !== undefined) await deps.revocations.revoke(caller.token.id, caller.token.expiresAt);
      const settings = await oidc.settings().catch(() => undefined);
      const base = settings?.url ?? '';
      // Argo CD's placeholders; kawa keeps no id_token, so `{{token}}` becomes empty.
      const logoutURL = settings?.oidc?.logoutURL?.replaceAll('{{token}}', '').replaceAll('{{logoutRedirectURL}}', encodeURIComponent(`${base}/login`));
      const location = caller?.token.kind === 'sso' && logoutURL !== undefined ? logoutURL : '/login';
      return reply.code(303).header('cache-control', 'no-store').header('set-cookie', sessionCookie('', { secure: deps.secureCookies })).header('location', location).send(null);
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/settings',
    schema: {
      tags: ['SettingsService'],
      operationId: 'SettingsService_Get',
      summary: 'Get returns the settings the UI and CLI need before login (SSO provider, URL)',
      security: [],
      response: answers(settingsSchema),
    },
    config: { auth: { kind: 'public' } },
    handler: async () => {
      const sso = await oidc.settings();
      const settings = sso.argocd;
      const o = sso.oidc;
      return {
        ...(settings.url === undefined ? {} : { url: settings.url }),
        ...(o === undefined
          ? {}
          : {
              oidcConfig: {
                name: o.name,
                issuer: o.issuer,
                clientID: o.clientID,
                ...(o.cliClientID === undefined ? {} : { cliClientID: o.cliClientID, redirectURI: CLI_REDIRECT_URL }),
                scopes: [...o.requestedScopes],
                ...(o.requestedIDTokenClaims === undefined ? {} : { idTokenClaims: o.requestedIDTokenClaims }),
              },
            }),
        appLabelKey: settings.instanceLabelKey,
        trackingMethod: settings.resourceTrackingMethod,
        ...(settings.installationID === undefined ? {} : { installationID: settings.installationID }),
        controllerNamespace: namespace,
        userLoginsDisabled: false,
        statusBadgeEnabled: false,
        execEnabled: false,
      };
    },
  });
}
