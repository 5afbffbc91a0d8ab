// The CLI's contexts, in argocd's localconfig layout (contexts, servers, users, current-context) at
// ~/.config/kawa/config ($KAWA_CONFIG overrides, $XDG_CONFIG_HOME respected). Written 0600 through a
// temporary file and a rename, so a crash never leaves half a file; a file that does not parse is
// reported and never overwritten.
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import { kawaCommand } from './kawa-command.js';

const contextSchema = z.object({ name: z.string().min(1), server: z.string().min(1), user: z.string().min(1) });
const serverSchema = z.object({
  server: z.string().min(1),
  insecure: z.boolean().optional(),
  'plain-text': z.boolean().optional(),
});
const userSchema = z.object({
  name: z.string().min(1),
  'auth-token': z.string().optional(),
  /** An SSO login's refresh token (argocd's field), when the provider issued one. */
  'refresh-token': z.string().optional(),
  /** kawa's addition: who logged in, so `relogin` needs only the password. */
  username: z.string().optional(),
});
const configSchema = z.object({
  'current-context': z.string().optional(),
  contexts: z.array(contextSchema).optional(),
  servers: z.array(serverSchema).optional(),
  users: z.array(userSchema).optional(),
});

export type ContextEntry = z.infer<typeof contextSchema>;
export type ServerEntry = z.infer<typeof serverSchema>;
export type UserEntry = z.infer<typeof userSchema>;

export interface LocalConfig {
  currentContext?: string;
  contexts: ContextEntry[];
  servers: ServerEntry[];
  users: UserEntry[];
}

export const emptyConfig = (): LocalConfig => ({ contexts: [], servers: [], users: [] });

/** The config file: $KAWA_CONFIG, else $XDG_CONFIG_HOME/kawa/config, else ~/.config/kawa/config. */
export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env['KAWA_CONFIG'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const base = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : path.join(homedir(), '.config');
  return path.join(base, 'kawa', 'config');
}

const invalid = (file: string, why: string): UserError =>
  new UserError(
    errorCodes.CLI_CONFIG_INVALID,
    `the kawa config file ${file} is not valid (${why}); it was left unchanged: fix or remove it (then run \`${kawaCommand('login SERVER')}\`), or point KAWA_CONFIG at another file`,
  );

/** Parses the file's text; throws CLI_CONFIG_INVALID saying where. */
export function parseConfig(text: string, file: string): LocalConfig {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : parse(text);
  } catch (err) {
    throw invalid(file, `not YAML: ${messageOf(err).split('\n')[0] ?? ''}`);
  }
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalid(file, issue === undefined ? 'unexpected content' : `${issue.path.join('.') || 'top level'}: ${issue.message}`);
  }
  const c = result.data;
  return {
    ...(c['current-context'] === undefined || c['current-context'] === '' ? {} : { currentContext: c['current-context'] }),
    contexts: c.contexts ?? [],
    servers: c.servers ?? [],
    users: c.users ?? [],
  };
}

/** The config, or an empty one when the file does not exist. */
export async function readConfig(file: string): Promise<LocalConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyConfig();
    throw new UserError(errorCodes.CLI_CONFIG_INVALID, `cannot read the kawa config file ${file}: ${messageOf(err)}; check its permissions`);
  }
  return parseConfig(text, file);
}

export function serializeConfig(config: LocalConfig): string {
  return stringify({
    ...(config.currentContext === undefined ? {} : { 'current-context': config.currentContext }),
    contexts: config.contexts,
    servers: config.servers,
    users: config.users,
  });
}

export async function writeConfig(file: string, config: LocalConfig): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, serializeConfig(config), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UserError(errorCodes.CLI_CONFIG_INVALID, `cannot write the kawa config file ${file}: ${messageOf(err)}`);
  }
}

/** Reads, changes and writes back; the change sees the parsed file, so a corrupt file is never replaced. */
export async function updateConfig(file: string, change: (config: LocalConfig) => void): Promise<LocalConfig> {
  const config = await readConfig(file);
  change(config);
  await writeConfig(file, config);
  return config;
}

/** A server as typed (`https://host:8080`, `host:8080`) → the address stored and whether it is plain HTTP. */
export function normalizeServer(input: string): { server: string; plaintext?: boolean } {
  const trimmed = input.trim().replace(/\/+$/, '');
  const m = /^(https?):\/\/(.+)$/i.exec(trimmed);
  if (m?.[1] !== undefined && m[2] !== undefined) return { server: m[2], plaintext: m[1].toLowerCase() === 'http' };
  if (trimmed === '' || /\s/.test(trimmed) || trimmed.includes('://')) {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `"${input}" is not a server address: give HOST[:PORT] or http(s)://HOST[:PORT]`);
  }
  return { server: trimmed };
}

export interface Login {
  contextName: string;
  server: string;
  insecure: boolean;
  plaintext: boolean;
  token: string;
  /** SSO logins: the provider's refresh token, if any. */
  refreshToken?: string | undefined;
  username?: string;
}

/** Records a login: its context becomes the current one (argocd names the context after the server). */
export function addLogin(config: LocalConfig, login: Login): void {
  const replace = <T>(list: T[], match: (item: T) => boolean, item: T): void => {
    const i = list.findIndex(match);
    if (i >= 0) list[i] = item;
    else list.push(item);
  };
  replace(config.servers, (s) => s.server === login.server, {
    server: login.server,
    ...(login.insecure ? { insecure: true } : {}),
    ...(login.plaintext ? { 'plain-text': true } : {}),
  });
  replace(config.users, (u) => u.name === login.contextName, {
    name: login.contextName,
    'auth-token': login.token,
    ...(login.refreshToken === undefined || login.refreshToken === '' ? {} : { 'refresh-token': login.refreshToken }),
    ...(login.username === undefined ? {} : { username: login.username }),
  });
  replace(config.contexts, (c) => c.name === login.contextName, { name: login.contextName, server: login.server, user: login.contextName });
  config.currentContext = login.contextName;
}

export interface ResolvedContext {
  context: ContextEntry;
  server: ServerEntry;
  user: UserEntry | undefined;
}

export function findContext(config: LocalConfig, name: string | undefined): ResolvedContext | undefined {
  const wanted = name ?? config.currentContext;
  if (wanted === undefined) return undefined;
  const context = config.contexts.find((c) => c.name === wanted);
  if (context === undefined) return undefined;
  const server = config.servers.find((s) => s.server === context.server) ?? { server: context.server };
  return { context, server, user: config.users.find((u) => u.name === context.user) };
}

/** Drops a context, its user, and its server when no other context uses it. */
export function deleteContext(config: LocalConfig, name: string): boolean {
  const context = config.contexts.find((c) => c.name === name);
  if (context === undefined) return false;
  config.contexts = config.contexts.filter((c) => c !== context);
  if (!config.contexts.some((c) => c.user === context.user)) config.users = config.users.filter((u) => u.name !== context.user);
  if (!config.contexts.some((c) => c.server === context.server)) config.servers = config.servers.filter((s) => s.server !== context.server);
  if (config.currentContext === name) {
    const next = config.contexts[0]?.name;
    if (next === undefined) delete config.currentContext;
    else config.currentContext = next;
  }
  return true;
}

/** Forgets the token of a context (logout keeps the context, as argocd does). */
export function clearToken(config: LocalConfig, name: string): void {
  const context = config.contexts.find((c) => c.name === name);
  const user = config.users.find((u) => u.name === context?.user);
  if (user !== undefined) {
    delete user['auth-token'];
    delete user['refresh-token'];
  }
}
