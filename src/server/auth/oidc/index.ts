// SSO with an OpenID Connect provider: settings (config.ts), the sealed login state (login-state.ts), the
// provider and its id_token checks (provider.ts), and the service the routes use (service.ts).
export {
  CALLBACK_PATH,
  CLI_REDIRECT_URL,
  DEFAULT_OIDC_SCOPES,
  PART_OF_LABEL,
  parseOidcConfig,
  referencedSecrets,
  resolveSecretRefs,
  safeReturnUrl,
  secretReference,
  ssoNotConfigured,
  ssoSettingsOf,
  type OidcConfig,
  type SecretLookup,
  type SsoSettings,
} from './config.js';
export { STATE_COOKIE, STATE_TTL_SEC, openLoginState, sealLoginState, stateCookie } from './login-state.js';
export type { IdTokenClaims } from './provider.js';
export { OidcService, federatedTokens, identityOf, type OidcServiceOptions } from './service.js';
