// Local accounts, stored where Argo CD stores them so an existing installation's users keep working:
//
//   argocd-cm      accounts.<name>: "apiKey, login"     capabilities (admin has `login` unless accounts.admin says otherwise)
//                  accounts.<name>.enabled: "false"     disables an account; admin.enabled: "false" disables admin
//                  users.session.duration: 24h          lifetime of login sessions
//   argocd-secret  admin.password / accounts.<name>.password            bcrypt hash
//                  admin.passwordMtime / accounts.<name>.passwordMtime  RFC 3339; sessions issued earlier are void
//                  admin.tokens / accounts.<name>.tokens                JSON [{"id","iat","exp"}]: the live API keys
//                  server.secretkey                                     HMAC key of every kawa-issued JWT
//
// Parsing is pure and fails closed: an account whose settings cannot be read (an unknown capability, a
// bad `enabled`, tokens that are not JSON, an unparsable mtime) is reported and treated as disabled,
// rather than guessed at. The store writes argocd-secret through the Kubernetes API with optimistic
// concurrency, so two servers adding API keys at once never lose one. Given the shared settings reader
// (src/settings/), it reads through that watch, so checking a token costs no API call, and each write waits
// until the watch has delivered it, so a login right after a password change sees the new password.
// Without one (one-off tools, tests of the writes) it reads both objects afresh.
import type { CoreV1Api, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import { describeKubeError, kubeErrorStatus } from '../../kube/errors.js';
import { parseDuration } from '../../model/duration.js';
import { ARGOCD_CM_NAME, ARGOCD_SECRET_NAME, PART_OF_ARGOCD, decodeSecretData, type AccountCapability } from '../../model/settings.js';
import { isSettingsSecret, type SettingsReader } from '../../settings/index.js';
import { secretBody } from '../services/secret-store.js';
import { parseGoBool as goParseBool } from '../../util/go-bool.js';

// The model's names, under the names this module has always exported.
export { ARGOCD_CM_NAME as ARGOCD_CM, ARGOCD_SECRET_NAME as ARGOCD_SECRET, decodeSecretData };
const ARGOCD_CM = ARGOCD_CM_NAME;
const ARGOCD_SECRET = ARGOCD_SECRET_NAME;
export const ADMIN = 'admin';
/** Argo CD's documented limit on local account names. */
export const MAX_ACCOUNT_NAME_LENGTH = 32;
export const DEFAULT_SESSION_DURATION_MS = 24 * 3_600_000;

export type { AccountCapability };

/** An API key as listed in `accounts.<name>.tokens`; times are seconds since the epoch. */
export interface TokenEntry {
  readonly id: string;
  readonly iat: number;
  /** Absent or 0: never expires. */
  readonly exp?: number;
}

export interface Account {
  readonly name: string;
  readonly enabled: boolean;
  readonly capabilities: readonly AccountCapability[];
  readonly passwordHash: string | undefined;
  readonly passwordMtime: Date | undefined;
  readonly tokens: readonly TokenEntry[];
}

export interface AuthSettings {
  readonly accounts: ReadonlyMap<string, Account>;
  /** `server.secretkey`; undefined until bootstrap has run. */
  readonly secretKey: string | undefined;
  readonly sessionDurationMs: number;
  /** Settings that could not be read, each naming the key; the affected accounts are disabled. */
  readonly problems: readonly string[];
}

/** Where verification and login read settings from: the store below, or later a watch-backed cache. */
export interface AuthSettingsSource {
  load(): Promise<AuthSettings>;
}

// Account names become JWT subjects (`<name>:login`) and RBAC subjects, so `:` and whitespace are out.
const accountNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;

export function isValidAccountName(name: string): boolean {
  return name.length <= MAX_ACCOUNT_NAME_LENGTH && accountNamePattern.test(name);
}

/** Secret keys for an account's password, mtime and tokens (`admin.*` for admin, `accounts.<name>.*` otherwise). */
export function secretKeys(name: string): { password: string; passwordMtime: string; tokens: string } {
  const prefix = name === ADMIN ? ADMIN : `accounts.${name}`;
  return { password: `${prefix}.password`, passwordMtime: `${prefix}.passwordMtime`, tokens: `${prefix}.tokens` };
}

/** An `enabled` flag as Argo CD reads it (Go's strconv.ParseBool), surrounding blanks ignored. */
export function parseGoBool(raw: string): boolean | undefined {
  return goParseBool(raw.trim());
}

export function parseCapabilities(raw: string): AccountCapability[] {
  const capabilities: AccountCapability[] = [];
  for (const part of raw.split(',')) {
    const capability = part.trim();
    if (capability === '') continue;
    if (capability !== 'login' && capability !== 'apiKey') throw new Error(`unknown capability ${JSON.stringify(capability)} (expected login or apiKey)`);
    if (!capabilities.includes(capability)) capabilities.push(capability);
  }
  return capabilities;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseRfc3339(raw: string): Date {
  const text = raw.trim();
  if (!rfc3339.test(text)) throw new Error(`${JSON.stringify(raw)} is not an RFC 3339 time`);
  // Go writes up to nanoseconds; Date keeps milliseconds.
  const date = new Date(text.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(date.getTime())) throw new Error(`${JSON.stringify(raw)} is not a valid time`);
  return date;
}

/** RFC 3339 with milliseconds: sessions carry millisecond `iat`s, so a change and a login in the same second stay ordered. */
export function formatRfc3339(date: Date): string {
  return date.toISOString();
}

const int64 = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const tokensSchema = z.array(z.object({ id: z.string().min(1), iat: int64, exp: int64.optional() }));

export function parseTokens(raw: string): TokenEntry[] {
  if (raw.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('it is not valid JSON');
  }
  if (json === null) return [];
  const parsed = tokensSchema.safeParse(json);
  if (!parsed.success) throw new Error(`it is not a list of {id, iat, exp}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.map((t) => (t.exp === undefined || t.exp === 0 ? { id: t.id, iat: t.iat } : { id: t.id, iat: t.iat, exp: t.exp }));
}

export function formatTokens(tokens: readonly TokenEntry[]): string {
  return JSON.stringify(tokens.map((t) => (t.exp === undefined ? { id: t.id, iat: t.iat } : { id: t.id, iat: t.iat, exp: t.exp })));
}

/** Names of the accounts defined in argocd-cm (plus admin, which always exists). */
function accountNames(cm: Readonly<Record<string, string>>, problems: string[]): string[] {
  const names = new Set<string>([ADMIN]);
  for (const key of Object.keys(cm)) {
    if (!key.startsWith('accounts.') || key.endsWith('.enabled')) continue;
    const name = key.slice('accounts.'.length);
    if (!isValidAccountName(name)) {
      problems.push(`argocd-cm ${key}: account name ${JSON.stringify(name)} is not allowed (letters, digits, "_", ".", "@", "-"; at most ${MAX_ACCOUNT_NAME_LENGTH} characters); ignored`);
      continue;
    }
    names.add(name);
  }
  return [...names].sort();
}

/**
 * Read accounts and session settings from the data of argocd-cm and argocd-secret (Secret data already
 * base64-decoded). Never throws: problems are returned and make the affected account disabled.
 */
export function parseAuthSettings(
  cmData: Readonly<Record<string, string>> | undefined,
  secretData: Readonly<Record<string, string>> | undefined,
): AuthSettings {
  const cm = cmData ?? {};
  const secret = secretData ?? {};
  const problems: string[] = [];
  const accounts = new Map<string, Account>();

  for (const name of accountNames(cm, problems)) {
    const accountProblems: string[] = [];
    const capKey = `accounts.${name}`;
    const enabledKey = name === ADMIN ? 'admin.enabled' : `accounts.${name}.enabled`;
    const keys = secretKeys(name);
    let capabilities: AccountCapability[] = name === ADMIN ? ['login'] : [];
    let enabled = true;
    let passwordMtime: Date | undefined;
    let tokens: TokenEntry[] = [];

    const capRaw = cm[capKey];
    if (capRaw !== undefined) {
      try {
        capabilities = parseCapabilities(capRaw);
      } catch (err) {
        accountProblems.push(`argocd-cm ${capKey}: ${messageOf(err)}`);
      }
    }
    const enabledRaw = cm[enabledKey];
    if (enabledRaw !== undefined) {
      const parsed = parseGoBool(enabledRaw);
      if (parsed === undefined) accountProblems.push(`argocd-cm ${enabledKey}: ${JSON.stringify(enabledRaw)} is not true or false`);
      else enabled = parsed;
    }
    const mtimeRaw = secret[keys.passwordMtime];
    if (mtimeRaw !== undefined && mtimeRaw.trim() !== '') {
      try {
        passwordMtime = parseRfc3339(mtimeRaw);
      } catch (err) {
        accountProblems.push(`argocd-secret ${keys.passwordMtime}: ${messageOf(err)}`);
      }
    }
    const tokensRaw = secret[keys.tokens];
    if (tokensRaw !== undefined) {
      try {
        tokens = parseTokens(tokensRaw);
      } catch (err) {
        accountProblems.push(`argocd-secret ${keys.tokens}: ${messageOf(err)}`);
      }
    }
    const hash = secret[keys.password];
    if (accountProblems.length > 0) {
      problems.push(...accountProblems.map((p) => `${p}; account ${name} is disabled until this is fixed`));
      enabled = false;
    }
    accounts.set(name, {
      name,
      enabled,
      capabilities,
      passwordHash: hash === undefined || hash === '' ? undefined : hash,
      passwordMtime,
      tokens,
    });
  }

  let sessionDurationMs = DEFAULT_SESSION_DURATION_MS;
  const durationRaw = cm['users.session.duration'];
  if (durationRaw !== undefined && durationRaw.trim() !== '') {
    const parsed = parseDuration(durationRaw.trim());
    if (parsed === undefined || parsed <= 0) problems.push(`argocd-cm users.session.duration: ${JSON.stringify(durationRaw)} is not a positive duration such as 24h; using 24h`);
    else sessionDurationMs = parsed;
  }

  const secretKey = secret['server.secretkey'];
  return { accounts, secretKey: secretKey === undefined || secretKey === '' ? undefined : secretKey, sessionDurationMs, problems };
}

/** The part of CoreV1Api the store uses (the real client; tests wrap it to force real conflicts). */
export type SecretsApi = Pick<CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret' | 'replaceNamespacedSecret' | 'readNamespacedConfigMap'>;

export interface AccountStoreOptions {
  readonly core: SecretsApi;
  /** The namespace Argo CD runs in (usually `argocd`). */
  readonly namespace: string;
  /** Attempts of a read-modify-write before giving up on conflicts. */
  readonly maxAttempts?: number;
  /** The shared watch-backed reader: loads read it, and writes wait until it has seen them. */
  readonly settings?: SettingsReader;
  /** How long a write waits for the reader to see it (default 10 s); past that the write still stands. */
  readonly writeVisibleWithinMs?: number;
}

/** An HTTP status from a client-node error, if it carries one. */
export const statusOf = kubeErrorStatus;

/** A change to a Secret's decoded data: return the new data, or undefined to leave it as it is. */
export type SecretMutation = (data: Readonly<Record<string, string>>) => Record<string, string> | undefined;

export class AccountStore implements AuthSettingsSource {
  private readonly core: SecretsApi;
  readonly namespace: string;
  private readonly maxAttempts: number;
  private readonly settings: SettingsReader | undefined;
  private readonly writeVisibleWithinMs: number;
  // Parsed once per change the reader sees, not once per request.
  private parsed: { version: number; settings: AuthSettings } | undefined;

  constructor(options: AccountStoreOptions) {
    this.core = options.core;
    this.namespace = options.namespace;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.settings = options.settings;
    this.writeVisibleWithinMs = options.writeVisibleWithinMs ?? 10_000;
  }

  /** The accounts as the reader holds them (no API call), or without a reader both objects read afresh; absent objects read as empty. */
  async load(): Promise<AuthSettings> {
    const reader = this.settings;
    if (reader === undefined) {
      const [cm, secret] = await Promise.all([this.readConfigMap(ARGOCD_CM), this.readSecret(ARGOCD_SECRET)]);
      return parseAuthSettings(cm?.data, decodeSecretData(secret));
    }
    // Fail closed: before the first list nothing is known, and "no accounts" would be a guess.
    if (!reader.synced) throw new UserError(errorCodes.AUTH_STORE_FAILED, `${ARGOCD_CM} and ${ARGOCD_SECRET} in namespace ${this.namespace} have not been listed yet; retry shortly`);
    if (this.parsed?.version !== reader.version) {
      const version = reader.version;
      this.parsed = { version, settings: parseAuthSettings(reader.configMapData(ARGOCD_CM), reader.secretData(ARGOCD_SECRET)) };
    }
    return this.parsed.settings;
  }

  readConfigMap(name: string): Promise<V1ConfigMap | undefined> {
    return this.readOrAbsent(`ConfigMap ${name}`, () => this.core.readNamespacedConfigMap({ name, namespace: this.namespace }));
  }

  readSecret(name: string): Promise<V1Secret | undefined> {
    return this.readOrAbsent(`Secret ${name}`, () => this.core.readNamespacedSecret({ name, namespace: this.namespace }));
  }

  /** A read where 404 means absent. */
  private async readOrAbsent<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.failure(`reading ${what}`, err);
    }
  }

  /**
   * Read-modify-write a Secret's data with optimistic concurrency: the write carries the resourceVersion
   * that was read, a 409 means someone else wrote in between, and the mutation is re-applied to their
   * version. A missing Secret is created. Returns the data now stored.
   */
  async updateSecret(name: string, mutate: SecretMutation): Promise<Record<string, string>> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.readSecret(name);
      const data = decodeSecretData(current);
      const next = mutate(data);
      if (next === undefined) return data;
      try {
        let written: V1Secret;
        if (current === undefined) {
          written = await this.core.createNamespacedSecret({
            namespace: this.namespace,
            body: secretBody({ name, namespace: this.namespace, labels: { ...PART_OF_ARGOCD, 'app.kubernetes.io/name': name } }, next),
          });
        } else {
          // resourceVersion travels in metadata: the API server refuses the write if it is stale.
          const body = secretBody(current.metadata ?? {}, next, current.type);
          body.immutable = current.immutable;
          written = await this.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
        }
        await this.visible(written);
        return next;
      } catch (err) {
        if (statusOf(err) !== 409) throw this.failure(`writing Secret ${name}`, err);
      }
    }
    throw new UserError(errorCodes.AUTH_STORE_FAILED, `writing Secret ${this.namespace}/${name}: still conflicting after ${this.maxAttempts} attempts; retry`);
  }

  /**
   * Create a Secret only if it does not exist. Returns the data stored, which is someone else's when
   * they created it first (so two servers bootstrapping at once agree on one initial password).
   */
  async createSecretIfAbsent(name: string, data: Readonly<Record<string, string>>): Promise<{ created: boolean; data: Record<string, string> }> {
    const existing = await this.readSecret(name);
    if (existing !== undefined) return { created: false, data: decodeSecretData(existing) };
    try {
      const written = await this.core.createNamespacedSecret({
        namespace: this.namespace,
        body: secretBody({ name, namespace: this.namespace, labels: { ...PART_OF_ARGOCD } }, data),
      });
      await this.visible(written);
      return { created: true, data: { ...data } };
    } catch (err) {
      if (statusOf(err) !== 409) throw this.failure(`creating Secret ${name}`, err);
      return { created: false, data: decodeSecretData(await this.readSecret(name)) };
    }
  }

  /** Store a new bcrypt hash and its mtime; sessions issued before `mtime` stop working. */
  async setPassword(name: string, hash: string, mtime: Date): Promise<void> {
    const keys = secretKeys(name);
    await this.updateSecret(ARGOCD_SECRET, (data) => ({ ...data, [keys.password]: hash, [keys.passwordMtime]: formatRfc3339(mtime) }));
  }

  /** Append an API key to the account's token list. */
  async addToken(name: string, entry: TokenEntry): Promise<void> {
    const key = secretKeys(name).tokens;
    await this.updateSecret(ARGOCD_SECRET, (data) => {
      const tokens = this.tokensForWrite(data, key);
      if (tokens.some((t) => t.id === entry.id)) throw new UserError(errorCodes.AUTH_ACCOUNT_INVALID, `account ${name} already has a token with id ${entry.id}`);
      return { ...data, [key]: formatTokens([...tokens, entry]) };
    });
  }

  /** Remove an API key; false when the account had no token with that id. */
  async removeToken(name: string, id: string): Promise<boolean> {
    const key = secretKeys(name).tokens;
    let removed = false;
    await this.updateSecret(ARGOCD_SECRET, (data) => {
      const tokens = this.tokensForWrite(data, key);
      const kept = tokens.filter((t) => t.id !== id);
      removed = kept.length !== tokens.length;
      return removed ? { ...data, [key]: formatTokens(kept) } : undefined;
    });
    return removed;
  }

  // Rewriting an unreadable list would silently drop whatever it holds; make the operator fix it instead.
  private tokensForWrite(data: Readonly<Record<string, string>>, key: string): TokenEntry[] {
    try {
      return parseTokens(data[key] ?? '');
    } catch (err) {
      throw new UserError(errorCodes.AUTH_STORE_FAILED, `argocd-secret ${key} cannot be read (${messageOf(err)}); fix or remove it first`);
    }
  }

  /** Waits until the reader holds `written` (a Secret it keeps), so the next load sees this write. */
  private async visible(written: V1Secret): Promise<void> {
    const name = written.metadata?.name;
    const resourceVersion = written.metadata?.resourceVersion;
    if (this.settings === undefined || name === undefined || resourceVersion === undefined) return;
    if (!isSettingsSecret(written)) return;
    await this.settings.waitForResourceVersion('Secret', name, resourceVersion, this.writeVisibleWithinMs);
  }

  private failure(what: string, err: unknown): UserError {
    return new UserError(errorCodes.AUTH_STORE_FAILED, `${what} in namespace ${this.namespace}: ${describeKubeError(err)}`, { cause: err });
  }
}
