// Passwords: bcrypt hashes (the format Argo CD stores, so hashes move between the two either way), the
// random initial admin password, and the bootstrap that creates what a fresh installation lacks.
import bcrypt from 'bcryptjs';
import { randomBytes, randomInt } from 'node:crypto';
import { UserError, errorCodes } from '../../errors.js';
import { ADMIN, ARGOCD_SECRET, formatRfc3339, secretKeys, type AccountStore } from './accounts.js';

/** Go's bcrypt.DefaultCost, which Argo CD uses; never lower. */
export const BCRYPT_COST = 10;
export const INITIAL_ADMIN_SECRET = 'argocd-initial-admin-secret';
/** Argo CD's default `passwordPattern` (argocd-cm): 8 to 32 characters. */
export const DEFAULT_PASSWORD_PATTERN = '^.{8,32}$';

export async function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  if (cost < BCRYPT_COST) throw new RangeError(`bcrypt cost ${cost} is below the minimum ${BCRYPT_COST}`);
  // bcrypt reads only the first 72 bytes; a longer password would match anything with the same prefix.
  if (bcrypt.truncates(password)) throw new UserError(errorCodes.AUTH_PASSWORD_INVALID, 'the password is longer than 72 bytes, which bcrypt cannot hash');
  return bcrypt.hash(password, cost);
}

/** False for a wrong password, a password bcrypt would truncate, and a malformed hash; never throws. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (bcrypt.truncates(password)) return false;
  try {
    return await bcrypt.compare(password, hash);
  } catch {
    return false;
  }
}

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random password from a CSPRNG without modulo bias (16 alphanumerics ≈ 95 bits, as Argo CD's initial password). */
export function generatePassword(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET.charAt(randomInt(PASSWORD_ALPHABET.length));
  return out;
}

/** A new `server.secretkey`: 32 random bytes, base64. */
export function generateServerSecretKey(): string {
  return randomBytes(32).toString('base64');
}

/** Check a new password against argocd-cm `passwordPattern` and bcrypt's limit; throws AUTH_PASSWORD_INVALID. */
export function validateNewPassword(password: string, pattern: string = DEFAULT_PASSWORD_PATTERN): void {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    throw new UserError(errorCodes.AUTH_PASSWORD_INVALID, `argocd-cm passwordPattern ${JSON.stringify(pattern)} is not a valid regular expression`);
  }
  if (!re.test(password)) throw new UserError(errorCodes.AUTH_PASSWORD_INVALID, `the new password does not match the password pattern ${pattern}`);
  if (bcrypt.truncates(password)) throw new UserError(errorCodes.AUTH_PASSWORD_INVALID, 'the new password is longer than 72 bytes');
}

export interface BootstrapOptions {
  readonly now?: () => Date;
  /** bcrypt cost, at least BCRYPT_COST. */
  readonly cost?: number;
}

export interface BootstrapResult {
  readonly secretKeyCreated: boolean;
  /** The admin hash was absent and has been set from the initial password. */
  readonly adminPasswordCreated: boolean;
  /** `argocd-initial-admin-secret` was created by this call. */
  readonly initialSecretCreated: boolean;
}

/**
 * Make a fresh installation usable; a no-op on one that is set up. Creates `server.secretkey` in
 * argocd-secret if absent and, if `admin.password` is absent, an initial admin password: stored in
 * plain text in Secret `argocd-initial-admin-secret` (key `password`; created only if absent, and
 * reused if it exists, so concurrent or interrupted bootstraps converge on one password) and as a
 * bcrypt hash in argocd-secret.
 */
export async function bootstrapAuth(store: AccountStore, options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const now = options.now ?? (() => new Date());
  let secretKeyCreated = false;
  await store.updateSecret(ARGOCD_SECRET, (data) => {
    secretKeyCreated = false;
    if (data['server.secretkey'] !== undefined && data['server.secretkey'] !== '') return undefined;
    secretKeyCreated = true;
    return { ...data, 'server.secretkey': generateServerSecretKey() };
  });

  const keys = secretKeys(ADMIN);
  const existing = await store.readSecret(ARGOCD_SECRET);
  if (existing?.data?.[keys.password] !== undefined) return { secretKeyCreated, adminPasswordCreated: false, initialSecretCreated: false };

  const initial = await store.createSecretIfAbsent(INITIAL_ADMIN_SECRET, { password: generatePassword() });
  const password = initial.data.password;
  if (password === undefined || password === '') {
    throw new UserError(errorCodes.AUTH_STORE_FAILED, `Secret ${store.namespace}/${INITIAL_ADMIN_SECRET} exists but has no "password"; delete it so a new one can be created`);
  }
  const hash = await hashPassword(password, options.cost ?? BCRYPT_COST);
  let adminPasswordCreated = false;
  await store.updateSecret(ARGOCD_SECRET, (data) => {
    adminPasswordCreated = false;
    if (data[keys.password] !== undefined) return undefined;
    adminPasswordCreated = true;
    return { ...data, [keys.password]: hash, [keys.passwordMtime]: formatRfc3339(now()) };
  });
  return { secretKeyCreated, adminPasswordCreated, initialSecretCreated: initial.created };
}

export interface ChangePasswordOptions {
  readonly now?: () => Date;
  readonly cost?: number;
  /** argocd-cm `passwordPattern`. */
  readonly passwordPattern?: string;
}

/**
 * Set an account's password: validated, bcrypt-hashed, stored with a new mtime so that every session
 * issued before now is void. Checking the caller's current password is the caller's job (the API route
 * verifies it with login-grade throttling). Returns the new mtime.
 */
export async function changePassword(store: AccountStore, name: string, newPassword: string, options: ChangePasswordOptions = {}): Promise<Date> {
  const settings = await store.load();
  if (!settings.accounts.has(name)) throw new UserError(errorCodes.AUTH_ACCOUNT_INVALID, `account ${JSON.stringify(name)} does not exist`);
  validateNewPassword(newPassword, options.passwordPattern);
  const hash = await hashPassword(newPassword, options.cost ?? BCRYPT_COST);
  const mtime = (options.now ?? (() => new Date()))();
  await store.setPassword(name, hash, mtime);
  return mtime;
}
