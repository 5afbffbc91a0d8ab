// /api/v1/session (Argo CD's SessionService): log in, log out, who am I.
import { errorCodes } from '../../errors.js';
import { LoginThrottledError, TOKEN_ISSUER } from '../auth/index.js';
import { sessionCookie } from '../guard.js';
import { ApiError, grpcCodes, invalidArgument } from '../http-errors.js';
import { answers, sessionCreateRequestSchema, sessionResponseSchema, userInfoSchema } from '../schemas.js';
import type { RouteDeps, ZodApp } from './types.js';

const tags = ['SessionService'];

export function sessionRoutes(app: ZodApp, deps: RouteDeps): void {
  const cookieFor = async (token: string): Promise<string> => {
    const verified = await deps.sessions.verifyToken(token);
    const maxAgeSec = verified.expiresAt === undefined ? undefined : (verified.expiresAt.getTime() - Date.now()) / 1000;
    return sessionCookie(token, { secure: deps.secureCookies, ...(maxAgeSec === undefined ? {} : { maxAgeSec }) });
  };

  app.route({
    method: 'POST',
    url: '/api/v1/session',
    schema: {
      tags,
      operationId: 'SessionService_Create',
      summary: 'Create a new JWT for authentication and set a cookie if using HTTP',
      security: [],
      body: sessionCreateRequestSchema,
      response: answers(sessionResponseSchema),
    },
    config: { auth: { kind: 'public' } },
    handler: async (request, reply) => {
      const { username, password, token: given } = request.body;
      let token: string;
      try {
        if (given !== undefined && given !== '') {
          // Argo CD's UI exchanges a token it already holds for the cookie this way.
          await deps.sessions.verifyToken(given);
          token = given;
        } else {
          if (username === undefined || username === '' || password === undefined) throw invalidArgument('username and password are required');
          ({ token } = await deps.login.login(username, password));
        }
      } catch (err) {
        deps.metrics.loginRequests.inc({ status: 'failure' });
        // Other failures (wrong password, bad token) answer 401 through the error handler.
        if (err instanceof LoginThrottledError) {
          throw new ApiError(errorCodes.AUTH_THROTTLED, 429, grpcCodes.ResourceExhausted, err.message, { headers: { 'retry-after': String(Math.ceil(err.retryAfterMs / 1000)) } });
        }
        throw err;
      }
      deps.metrics.loginRequests.inc({ status: 'success' });
      reply.header('set-cookie', await cookieFor(token));
      return { token };
    },
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/session',
    schema: { tags, operationId: 'SessionService_Delete', summary: 'Delete an existing JWT cookie if using HTTP', response: answers(sessionResponseSchema) },
    config: { auth: { kind: 'authenticated' } },
    handler: async (request, reply) => {
      const caller = request.caller;
      // Only login sessions can be logged out; API keys and project tokens are revoked by deleting their id.
      if ((caller?.token.kind === 'session' || caller?.token.kind === 'sso') && caller.token.id !== undefined) await deps.revocations.revoke(caller.token.id, caller.token.expiresAt);
      reply.header('set-cookie', sessionCookie('', { secure: deps.secureCookies }));
      return {};
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/session/userinfo',
    schema: { tags, operationId: 'SessionService_GetUserInfo', summary: 'Get the current user\'s info', response: answers(userInfoSchema) },
    config: { auth: { kind: 'authenticated' } },
    handler: (request) => {
      const caller = request.caller;
      // SSO users report their provider as `iss`: Argo CD's UI offers a password change only for iss=argocd.
      return caller === undefined ? { loggedIn: false } : { loggedIn: true, username: caller.user, iss: caller.token.issuer ?? TOKEN_ISSUER, groups: [...caller.token.groups] };
    },
  });
}
