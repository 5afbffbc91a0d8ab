// /api/v1/account (Argo CD's AccountService): local accounts, `can-i`, password changes, API keys.
//
// As in Argo CD: creating or deleting one's own API key needs no RBAC grant when the caller is logged in
// as that account (a login session, not another API key); anything about another account needs
// `accounts, update, <name>` (`get` to read). Changing a password needs the caller's current password,
// checked with the login throttle, and voids every older session of that account — the caller's own
// included, so a self-change answers with a fresh session cookie.
import type { FastifyRequest } from 'fastify';
import { apiReasons, errorCodes } from '../../errors.js';
import { ARGOCD_CM, changePassword, createApiKey, DEFAULT_PASSWORD_PATTERN, revokeApiKey, verifyPassword, type AccountStore } from '../auth/index.js';
import { actorOf, sessionCookie, type Actor } from '../guard.js';
import { invalidArgument, notFound, permissionDenied, unavailable } from '../http-errors.js';
import { answers, emptySchema } from '../schemas.js';
import {
  accountListSchema,
  accountParamsSchema,
  accountSchema,
  canIParamsSchema,
  canIResponseSchema,
  createTokenRequestSchema,
  createTokenResponseSchema,
  tokenParamsSchema,
  updatePasswordRequestSchema,
} from '../schemas-settings.js';
import { tokenOptions } from './token-options.js';
import type { RouteDeps, ZodApp } from './types.js';

const tags = ['AccountService'];
const RESOURCE = 'accounts';


export function accountRoutes(app: ZodApp, deps: RouteDeps): void {
  const store = (): AccountStore => {
    if (deps.accounts === undefined) throw unavailable('local accounts are not configured on this server', errorCodes.AUTH_STORE_FAILED);
    return deps.accounts;
  };

  /** Own API keys need no grant when logged in as that account; anything else needs `accounts, update`. */
  const authorizeTokenChange = (request: FastifyRequest, actor: Actor, name: string): void => {
    const caller = request.caller;
    if (caller !== undefined && caller.user === name && caller.token.kind === 'session') {
      // The account owner: Argo CD's ensureHasAccountPermission skips RBAC here too.
      request.rbacChecked = true;
      return;
    }
    actor.authorize(RESOURCE, 'update', name);
  };

  const view = (account: { name: string; enabled: boolean; capabilities: readonly string[]; tokens: readonly { id: string; iat: number; exp?: number }[] }) => ({
    name: account.name,
    enabled: account.enabled,
    capabilities: [...account.capabilities],
    tokens: account.tokens.map((t) => ({ id: t.id, issuedAt: t.iat, ...(t.exp === undefined ? {} : { expiresAt: t.exp }) })),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/account',
    schema: { tags, operationId: 'AccountService_ListAccounts', summary: 'ListAccounts returns the list of accounts', response: answers(accountListSchema) },
    config: { auth: { kind: 'filtered', resource: RESOURCE, action: 'get' } },
    handler: async (request) => {
      const actor = actorOf(request, deps.rbac);
      const settings = await store().load();
      return { items: [...settings.accounts.values()].filter((a) => actor.can(RESOURCE, 'get', a.name)).map(view) };
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/account/can-i/:resource/:action/*',
    schema: { tags, operationId: 'AccountService_CanI', summary: 'CanI checks if the current account has permission to perform an action', params: canIParamsSchema, response: answers(canIResponseSchema) },
    // Anyone may ask about themselves; the answer is about the caller only.
    config: { auth: { kind: 'authenticated' } },
    handler: (request) => {
      const actor = actorOf(request, deps.rbac);
      const { resource, action } = request.params;
      return { value: actor.can(resource, action, request.params['*']) ? ('yes' as const) : ('no' as const) };
    },
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/account/password',
    schema: { tags, operationId: 'AccountService_UpdatePassword', summary: "UpdatePassword updates an account's password to a new value", body: updatePasswordRequestSchema, response: answers(emptySchema) },
    config: { auth: { kind: 'authenticated' } },
    handler: async (request, reply) => {
      const caller = request.caller;
      if (caller === undefined) throw permissionDenied();
      if (caller.token.kind !== 'session') throw permissionDenied('passwords can only be changed from a login session of a local account', { reason: apiReasons.LOGIN_SESSION_REQUIRED });
      const accounts = store();
      const target = request.body.name === undefined || request.body.name === '' ? caller.user : request.body.name;
      if (target !== caller.user) actorOf(request, deps.rbac).authorize(RESOURCE, 'update', target);
      const settings = await accounts.load();
      const self = settings.accounts.get(caller.user);
      // The caller proves who they are with their own current password, throttled like a login.
      deps.login.throttle.check(caller.user);
      const matches = self?.passwordHash !== undefined && (await verifyPassword(request.body.currentPassword, self.passwordHash));
      if (!matches) {
        deps.login.throttle.recordFailure(caller.user);
        throw invalidArgument('current password does not match');
      }
      deps.login.throttle.recordSuccess(caller.user);
      if (!settings.accounts.has(target)) throw notFound(`account ${target} does not exist`);
      const cm = await accounts.readConfigMap(ARGOCD_CM);
      await changePassword(accounts, target, request.body.newPassword, { passwordPattern: cm?.data?.['passwordPattern'] ?? DEFAULT_PASSWORD_PATTERN });
      if (target === caller.user) {
        // The change voided the caller's session: hand them a new one.
        const token = await deps.sessions.issueSession(target);
        reply.header('set-cookie', sessionCookie(token, { secure: deps.secureCookies }));
      }
      return {};
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/account/:name',
    schema: { tags, operationId: 'AccountService_GetAccount', summary: 'GetAccount returns an account', params: accountParamsSchema, response: answers(accountSchema) },
    config: { auth: { kind: 'rbac', resource: RESOURCE, action: 'get' } },
    handler: async (request) => {
      actorOf(request, deps.rbac).authorize(RESOURCE, 'get', request.params.name);
      const account = (await store().load()).accounts.get(request.params.name);
      if (account === undefined) throw notFound(`account ${request.params.name} does not exist`);
      return view(account);
    },
  });

  app.route({
    method: 'POST',
    url: '/api/v1/account/:name/token',
    schema: { tags, operationId: 'AccountService_CreateToken', summary: 'CreateToken creates a token (API key) for an account', params: accountParamsSchema, body: createTokenRequestSchema, response: answers(createTokenResponseSchema) },
    config: { auth: { kind: 'rbac', resource: RESOURCE, action: 'update' } },
    handler: async (request) => {
      const name = request.params.name;
      authorizeTokenChange(request, actorOf(request, deps.rbac), name);
      const expiresIn = request.body.expiresIn;
      if (expiresIn !== undefined && expiresIn < 0) throw invalidArgument('expiresIn must be zero (never) or positive');
      const { token } = await createApiKey(store(), deps.sessions, name, tokenOptions(request.body));
      return { token };
    },
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/account/:name/token/:id',
    schema: { tags, operationId: 'AccountService_DeleteToken', summary: 'DeleteToken deletes an API key of an account', params: tokenParamsSchema, response: answers(emptySchema) },
    config: { auth: { kind: 'rbac', resource: RESOURCE, action: 'update' } },
    handler: async (request) => {
      const { name, id } = request.params;
      authorizeTokenChange(request, actorOf(request, deps.rbac), name);
      if (!(await revokeApiKey(store(), name, id))) throw notFound(`account ${name} has no token with id ${id}`);
      return {};
    },
  });
}
