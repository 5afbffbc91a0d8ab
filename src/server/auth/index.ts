// Local accounts, passwords, JWT sessions and API keys, login throttling; see each file's header.
export {
  ADMIN,
  ARGOCD_CM,
  ARGOCD_SECRET,
  AccountStore,
  DEFAULT_SESSION_DURATION_MS,
  MAX_ACCOUNT_NAME_LENGTH,
  formatTokens,
  isValidAccountName,
  parseAuthSettings,
  parseTokens,
  secretKeys,
  type Account,
  type AccountCapability,
  type AccountStoreOptions,
  type AuthSettings,
  type AuthSettingsSource,
  type SecretsApi,
  type TokenEntry,
} from './accounts.js';
export { LoginService, type LoginOptions } from './login.js';
export {
  BCRYPT_COST,
  DEFAULT_PASSWORD_PATTERN,
  INITIAL_ADMIN_SECRET,
  bootstrapAuth,
  changePassword,
  generatePassword,
  generateServerSecretKey,
  hashPassword,
  validateNewPassword,
  verifyPassword,
  type BootstrapResult,
} from './passwords.js';
export {
  SessionManager,
  TOKEN_ISSUER,
  createApiKey,
  rbacSubjectOf,
  revokeApiKey,
  type IssueOptions,
  type SessionManagerOptions,
  type TokenKind,
  type VerifiedToken,
} from './sessions.js';
export { LoginThrottle, LoginThrottledError, constantTimeEqual, type ThrottleOptions } from './throttle.js';
