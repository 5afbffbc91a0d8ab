// Who and where the CLI talks to: global flags, then $KAWA_SERVER / $KAWA_AUTH_TOKEN, then the current
// context of the config file. Login, logout and relogin update the contexts.
import { UserError, errorCodes } from '../../errors.js';
import { ApiClient, ApiRequestError, type Target } from './api.js';
import { sessionApi, type UserInfo } from './api/session.js';
import { addLogin, clearToken, configPath, findContext, normalizeServer, readConfig, updateConfig, type LocalConfig } from './config.js';
import { kawaCommand } from './kawa-command.js';

export interface GlobalFlags {
  server?: string;
  authToken?: string;
  insecure?: boolean;
  plaintext?: boolean;
  /** Talk to Kubernetes directly through an in-process server (see core.ts). */
  core?: boolean;
  kubeContext?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** The server and token to use; throws CLI_NOT_LOGGED_IN when no server is known. */
export function resolveTarget(flags: GlobalFlags, env: Env, config: LocalConfig): Target {
  const current = findContext(config, undefined);
  const explicitServer = nonEmpty(flags.server) ?? nonEmpty(env['KAWA_SERVER']);
  const token = nonEmpty(flags.authToken) ?? nonEmpty(env['KAWA_AUTH_TOKEN']);
  if (explicitServer !== undefined) {
    const { server, plaintext } = normalizeServer(explicitServer);
    // A context for the same server lends its settings and token.
    const known = config.contexts.find((c) => c.server === server);
    const ctx = known === undefined ? undefined : findContext(config, known.name);
    return {
      server,
      // An explicit scheme wins over what the context remembers.
      plaintext: flags.plaintext === true || (plaintext ?? ctx?.server['plain-text'] === true),
      insecure: flags.insecure === true || ctx?.server.insecure === true,
      token: token ?? ctx?.user?.['auth-token'],
      contextName: ctx?.context.name,
    };
  }
  if (current === undefined) {
    throw new UserError(
      errorCodes.CLI_NOT_LOGGED_IN,
      config.currentContext === undefined
        ? `no server to talk to: run \`${kawaCommand('login SERVER')}\` first, or pass --server (or set KAWA_SERVER)`
        : `the current context "${config.currentContext}" does not exist in the config: run \`${kawaCommand('context')}\` to list contexts, or \`${kawaCommand('login SERVER')}\``,
    );
  }
  return {
    server: current.server.server,
    plaintext: flags.plaintext === true || current.server['plain-text'] === true,
    insecure: flags.insecure === true || current.server.insecure === true,
    token: token ?? current.user?.['auth-token'],
    contextName: current.context.name,
  };
}

/** Everything a command needs to call the API. */
export interface Session {
  readonly configFile: string;
  readonly config: LocalConfig;
  readonly target: Target;
  readonly client: ApiClient;
}

/** What must be stopped when the command ends (core-mode servers). */
const closers = new Set<() => Promise<void>>();

export async function closeSessions(): Promise<void> {
  const all = [...closers];
  closers.clear();
  await Promise.allSettled(all.map((close) => close()));
}

export async function openSession(flags: GlobalFlags, env: Env): Promise<Session> {
  const configFile = configPath(env);
  const config = await readConfig(configFile);
  if (flags.core === true) {
    const { startCoreServer } = await import('./core.js');
    const core = await startCoreServer({ kubeContext: flags.kubeContext, namespace: nonEmpty(env['KAWA_NAMESPACE']) });
    closers.add(() => core.close());
    return { configFile, config, target: core.target, client: new ApiClient(core.target) };
  }
  const target = resolveTarget(flags, env, config);
  return { configFile, config, target, client: new ApiClient(target) };
}

/** The `sub` of a JWT, unverified (to remember who logged in). */
export function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    if (typeof claims.sub !== 'string') return undefined;
    // Argo CD writes `sub` as `name` or `name:login`.
    return claims.sub.replace(/:(login|apiKey)$/, '');
  } catch {
    return undefined;
  }
}

export interface LoginRequest {
  server: string;
  username: string;
  password: string;
  insecure: boolean;
  plaintext: boolean;
  /** Context name (default: the server address). */
  name?: string | undefined;
}

/** Creates a session on the server and stores it as the current context. */
export async function login(request: LoginRequest, env: Env): Promise<{ contextName: string; server: string }> {
  const normalized = normalizeServer(request.server);
  const target: Target = { server: normalized.server, plaintext: request.plaintext || normalized.plaintext === true, insecure: request.insecure };
  const configFile = configPath(env);
  await readConfig(configFile); // a corrupt file is reported before anything is sent
  const answer = await sessionApi(new ApiClient(target))
    .create(request.username, request.password)
    .catch((err: unknown) => {
      // A 401 here can only mean the credentials: the generic hint ("you are not logged in: run login") would send the user in a circle.
      if (err instanceof ApiRequestError && err.status === 401) {
        throw new UserError(
          errorCodes.AUTH_LOGIN_FAILED,
          `${target.server} refused the login of '${request.username}': ${err.serverMessage || 'invalid username or password'}; check the username and password (the first admin password: \`${kawaCommand('admin initial-password')}\`)`,
        );
      }
      throw err;
    });
  if (answer.token === undefined || answer.token === '') throw new UserError(errorCodes.CLI_API_FAILED, `the server at ${target.server} answered the login without a token`);
  const contextName = request.name ?? target.server;
  await updateConfig(configFile, (config) => {
    addLogin(config, { contextName, server: target.server, insecure: target.insecure, plaintext: target.plaintext, token: answer.token ?? '', username: request.username });
  });
  return { contextName, server: target.server };
}

export interface SsoLoginRequest {
  server: string;
  insecure: boolean;
  plaintext: boolean;
  name?: string | undefined;
  /** Loopback port for the provider's redirect (argocd's --sso-port, default 8085). */
  port: number;
  launchBrowser: boolean;
  /** Where the authorization URL is shown (stderr). */
  note: (text: string) => void;
  timeoutMs?: number;
}

/**
 * Logs in through the server's OIDC provider in a browser (sso.ts), checks that the server accepts the
 * id_token (GET /api/v1/session/userinfo) and stores it, with the refresh token if any, as the current
 * context. A token the server refuses is never stored.
 */
export async function ssoLogin(request: SsoLoginRequest, env: Env): Promise<{ contextName: string; server: string; user: UserInfo }> {
  const normalized = normalizeServer(request.server);
  const target: Target = { server: normalized.server, plaintext: request.plaintext || normalized.plaintext === true, insecure: request.insecure };
  const configFile = configPath(env);
  await readConfig(configFile); // a corrupt file is reported before the browser is involved
  const { ssoAuthenticate } = await import('./sso.js');
  const tokens = await ssoAuthenticate({ target, port: request.port, launchBrowser: request.launchBrowser, env, note: request.note, ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }) });
  let user: UserInfo;
  try {
    user = await sessionApi(new ApiClient({ ...target, token: tokens.idToken })).userInfo();
  } catch (err) {
    if (err instanceof ApiRequestError && err.status === 401) {
      throw new UserError(
        errorCodes.CLI_SSO_FAILED,
        `the server at ${target.server} refused the id_token of its own SSO provider (${err.serverMessage}); nothing was stored: ask its administrator to check oidc.config (clientID, cliClientID, allowedAudiences) and the server log`,
      );
    }
    throw err;
  }
  if (user.loggedIn !== true) throw new UserError(errorCodes.CLI_SSO_FAILED, `the server at ${target.server} does not consider the SSO login valid; nothing was stored: check the server log`);
  const contextName = request.name ?? target.server;
  await updateConfig(configFile, (config) => {
    addLogin(config, { contextName, server: target.server, insecure: target.insecure, plaintext: target.plaintext, token: tokens.idToken, refreshToken: tokens.refreshToken });
  });
  return { contextName, server: target.server, user };
}

/** Whether a token was issued by an SSO provider rather than by kawa (argocd's test: the issuer is not `argocd`). */
export function isSsoToken(token: string | undefined): boolean {
  const payload = token?.split('.')[1];
  if (payload === undefined) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' && claims.iss !== '' && claims.iss !== TOKEN_ISSUER;
  } catch {
    return false;
  }
}

/** The issuer of kawa's own session tokens (Argo CD's SessionManagerClaimsIssuer). */
const TOKEN_ISSUER = 'argocd';

/** The context to log in again to through SSO, or undefined when its token is not an SSO token. */
export function ssoReloginTarget(config: LocalConfig): { contextName: string; server: string; insecure: boolean; plaintext: boolean } | undefined {
  const current = findContext(config, undefined);
  if (current === undefined || !isSsoToken(current.user?.['auth-token'])) return undefined;
  return { contextName: current.context.name, server: current.server.server, insecure: current.server.insecure === true, plaintext: current.server['plain-text'] === true };
}

/** The username to log in again as: remembered at login, else the token's subject. */
export function reloginUser(config: LocalConfig): { contextName: string; server: string; username: string; insecure: boolean; plaintext: boolean } {
  const current = findContext(config, undefined);
  if (current === undefined) throw new UserError(errorCodes.CLI_NOT_LOGGED_IN, `no current context to log in again to: run \`${kawaCommand('login SERVER')}\``);
  const username = current.user?.username ?? tokenSubject(current.user?.['auth-token'] ?? '');
  if (username === undefined) throw new UserError(errorCodes.CLI_NOT_LOGGED_IN, `the context "${current.context.name}" does not say who logged in: run \`${kawaCommand(['login', current.server.server])}\` (add --sso for an SSO login)`);
  return {
    contextName: current.context.name,
    server: current.server.server,
    username,
    insecure: current.server.insecure === true,
    plaintext: current.server['plain-text'] === true,
  };
}

/** Ends the session on the server (best effort) and forgets the token locally. */
export async function logout(contextName: string | undefined, env: Env): Promise<{ contextName: string; serverError?: string }> {
  const configFile = configPath(env);
  const config = await readConfig(configFile);
  const ctx = findContext(config, contextName);
  if (ctx === undefined) throw new UserError(errorCodes.CLI_NOT_LOGGED_IN, contextName === undefined ? 'not logged in: there is no current context' : `no context named "${contextName}": run \`${kawaCommand('context')}\` to list them`);
  let serverError: string | undefined;
  const token = ctx.user?.['auth-token'];
  if (token !== undefined && token !== '') {
    const client = new ApiClient({ server: ctx.server.server, plaintext: ctx.server['plain-text'] === true, insecure: ctx.server.insecure === true, token });
    try {
      await sessionApi(client).delete();
    } catch (err) {
      // The local token is removed anyway: an unreachable server must not keep a user logged in here.
      serverError = err instanceof Error ? err.message : String(err);
    }
  }
  await updateConfig(configFile, (c) => {
    clearToken(c, ctx.context.name);
  });
  return { contextName: ctx.context.name, ...(serverError === undefined ? {} : { serverError }) };
}
