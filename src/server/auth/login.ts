// Username + password → session token. Every way of failing (unknown user, disabled account, no `login`
// capability, no password set, wrong password) does the same bcrypt work against a hash of the same
// cost and ends in the same error, so neither the answer nor its timing tells which accounts exist.
import { randomBytes } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { UserError, errorCodes } from '../../errors.js';
import type { AuthSettingsSource } from './accounts.js';
import { BCRYPT_COST, hashPassword, verifyPassword } from './passwords.js';
import type { SessionManager } from './sessions.js';
import { LoginThrottle } from './throttle.js';

export interface LoginOptions {
  readonly settings: AuthSettingsSource;
  readonly sessions: SessionManager;
  readonly throttle?: LoginThrottle;
  /** bcrypt is CPU-bound; Argo CD caps concurrent logins (ARGOCD_MAX_CONCURRENT_LOGIN_REQUESTS_COUNT = 50). 0 = no cap. */
  readonly maxConcurrent?: number;
}

/** Usernames and passwords longer than this are refused (after the same dummy work). */
const MAX_INPUT_LENGTH = 1024;

function loginFailed(): UserError {
  return new UserError(errorCodes.AUTH_LOGIN_FAILED, 'Invalid username or password');
}

export class LoginService {
  readonly throttle: LoginThrottle;
  private readonly maxConcurrent: number;
  private inFlight = 0;

  private constructor(
    private readonly options: LoginOptions,
    // A real bcrypt hash of a random secret at the production cost: verifying against it costs what a real check costs.
    private readonly dummyHash: string,
  ) {
    this.throttle = options.throttle ?? new LoginThrottle();
    this.maxConcurrent = options.maxConcurrent ?? 50;
  }

  static async create(options: LoginOptions): Promise<LoginService> {
    return new LoginService(options, await hashPassword(randomBytes(16).toString('hex'), BCRYPT_COST));
  }

  /**
   * Check the password and issue a session token. Throws AUTH_LOGIN_FAILED (always "Invalid username or
   * password"), or AUTH_THROTTLED (a LoginThrottledError with retryAfterMs, or too many logins at once).
   */
  async login(username: string, password: string): Promise<{ token: string }> {
    if (this.maxConcurrent > 0 && this.inFlight >= this.maxConcurrent) {
      throw new UserError(errorCodes.AUTH_THROTTLED, 'too many login requests at once; retry shortly');
    }
    // Admits and counts this attempt before any await, so concurrent attempts see each other.
    this.throttle.check(username);
    this.inFlight++;
    let settled = false;
    try {
      const settings = await this.options.settings.load();
      // bcryptjs holds the event loop for the whole check (tens of ms): let attempts that have already
      // arrived be admitted and counted first, so concurrent guesses meet the throttle as one burst.
      await setImmediate();
      const account = settings.accounts.get(username);
      const usable = account !== undefined && account.enabled && account.capabilities.includes('login') && account.passwordHash !== undefined;
      const saneInput = username.length <= MAX_INPUT_LENGTH && password.length <= MAX_INPUT_LENGTH;
      const hash = usable && saneInput ? account.passwordHash : this.dummyHash;
      const matches = await verifyPassword(saneInput ? password : '', hash);
      if (!(usable && saneInput && matches)) throw loginFailed();
      this.throttle.recordSuccess(username);
      settled = true;
      return { token: await this.options.sessions.issueSession(account.name, settings) };
    } finally {
      // Anything but a matching password (a wrong one, a settings read that failed) counts as a failure.
      if (!settled) this.throttle.recordFailure(username);
      this.inFlight--;
    }
  }
}
