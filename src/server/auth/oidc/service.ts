// SSO with an OpenID Connect provider: the service the /auth routes and SessionManager use. Settings come
// from the shared settings reader (config.ts parses them), the login state rides in a sealed cookie
// (login-state.ts), and the provider does discovery, code exchange and id_token checks (provider.ts).
import * as client from 'openid-client';
import { UserError, errorCodes } from '../../../errors.js';
import { ARGOCD_CM_NAME, ARGOCD_SECRET_NAME } from '../../../model/settings.js';
import type { SettingsReader } from '../../../settings/index.js';
import { groupsFromClaims } from '../../rbac/enforcer.js';
import type { FederatedTokens, SsoIdentity, VerifiedToken } from '../sessions.js';
import { CALLBACK_PATH, safeReturnUrl, ssoFailed, ssoNotConfigured, ssoSettingsOf, type OidcConfig, type SsoSettings } from './config.js';
import { constantTimeStringEqual, openLoginState, sealLoginState } from './login-state.js';
import { ProviderCache, clip, describeOidcError, sameIssuer, verifyIdTokenWith, type IdTokenClaims } from './provider.js';

export interface OidcServiceOptions {
  /** The shared watch-backed reader of argocd-cm, argocd-secret and the Secrets `$secret:key` may name. */
  readonly settings: SettingsReader;
  readonly now?: () => number;
}

/** Reads SSO settings, talks to the provider, verifies its id_tokens. One per server. */
export class OidcService {
  // Parsed once per change the reader sees, not once per request.
  private parsed: { version: number; settings: SsoSettings } | undefined;
  private readonly providers = new ProviderCache();
  private readonly now: () => number;

  constructor(private readonly options: OidcServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The current settings, as the reader's watch holds them (no API call). */
  settings(): Promise<SsoSettings> {
    const reader = this.options.settings;
    if (!reader.synced) {
      return Promise.reject(new UserError(errorCodes.AUTH_STORE_FAILED, `reading SSO settings: ${ARGOCD_CM_NAME} and ${ARGOCD_SECRET_NAME} in namespace ${reader.namespace} have not been listed yet; retry shortly`));
    }
    if (this.parsed?.version !== reader.version) {
      const version = reader.version;
      this.parsed = { version, settings: ssoSettingsOf(reader) };
    }
    return Promise.resolve(this.parsed.settings);
  }

  /** Whether `issuer` is the configured provider (tokens it signed are then checked by verifyIdToken). */
  async isTrustedIssuer(issuer: string): Promise<boolean> {
    const oidc = (await this.settings()).oidc;
    return oidc !== undefined && sameIssuer(oidc.issuer, issuer);
  }

  /** Start a login: the provider URL to redirect to and the sealed state for the cookie. */
  async beginLogin(returnUrl: string | undefined): Promise<{ location: string; state: string }> {
    const { url, oidc, secretKey } = await this.requireConfigured();
    const returnTo = safeReturnUrl(returnUrl, url);
    const provider = await this.providers.get(oidc);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const params: Record<string, string> = {
      redirect_uri: `${url}${CALLBACK_PATH}`,
      response_type: 'code',
      scope: oidc.requestedScopes.join(' '),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    if (oidc.requestedIDTokenClaims !== undefined) params['claims'] = JSON.stringify({ id_token: oidc.requestedIDTokenClaims });
    const location = client.buildAuthorizationUrl(provider.config, params).href;
    const sealed = await sealLoginState({ state, nonce, verifier, returnTo, issuer: oidc.issuer, clientID: oidc.clientID }, secretKey, Math.floor(this.now() / 1000));
    return { location, state: sealed };
  }

  /**
   * Finish a login: check the state cookie against the callback, exchange the code (PKCE), verify the
   * id_token. Throws AUTH_SSO_FAILED with the reason.
   */
  async finishLogin(query: Readonly<Record<string, string>>, sealedState: string | undefined): Promise<{ claims: IdTokenClaims; returnTo: string }> {
    const { url, oidc, secretKey } = await this.requireConfigured();
    if (sealedState === undefined || sealedState === '') throw ssoFailed('no login in progress (the state cookie is missing); start again at /auth/login');
    const login = await openLoginState(sealedState, secretKey, Math.floor(this.now() / 1000));
    if (!sameIssuer(login.issuer, oidc.issuer) || login.clientID !== oidc.clientID) throw ssoFailed('the SSO configuration changed during the login; start again');
    const error = query['error'];
    if (error !== undefined) {
      const description = query['error_description'];
      throw ssoFailed(`the identity provider refused the login: ${clip(error)}${description === undefined ? '' : `: ${clip(description)}`}`);
    }
    const state = query['state'];
    if (state === undefined || !constantTimeStringEqual(state, login.state)) throw ssoFailed('state mismatch: this callback does not belong to the login this browser started');
    if (query['code'] === undefined || query['code'] === '') throw ssoFailed('the callback carries no authorization code');

    const provider = await this.providers.get(oidc);
    // The redirect_uri of the exchange is built from the configured URL, never from the request's Host.
    const current = new URL(`${url}${CALLBACK_PATH}`);
    for (const [key, value] of Object.entries(query)) current.searchParams.set(key, value);
    let idToken: string | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(provider.config, current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (err) {
      throw ssoFailed(`the code exchange with ${oidc.issuer} failed: ${describeOidcError(err)}`, err);
    }
    if (idToken === undefined) throw ssoFailed('the identity provider returned no id_token');
    const claims = await verifyIdTokenWith(provider, oidc, idToken, [oidc.clientID], this.now());
    if (claims['nonce'] !== login.nonce) throw ssoFailed('the id_token nonce does not match this login');
    return { claims, returnTo: login.returnTo };
  }

  /** Verify an id_token of the configured provider (a bearer token from the CLI flow). Throws AUTH_INVALID_TOKEN or AUTH_EXPIRED. */
  async verifyIdToken(token: string): Promise<IdTokenClaims> {
    const oidc = (await this.settings()).oidc;
    if (oidc === undefined) throw new UserError(errorCodes.AUTH_INVALID_TOKEN, 'invalid token: SSO is not configured');
    return verifyIdTokenWith(await this.providers.get(oidc), oidc, token, oidc.audiences, this.now());
  }

  private async requireConfigured(): Promise<{ url: string; oidc: OidcConfig; secretKey: string }> {
    const settings = await this.settings();
    if (settings.oidc === undefined) {
      throw ssoNotConfigured(settings.problems.length > 0 ? `SSO is not configured: ${settings.problems.join('; ')}` : 'SSO is not configured: argocd-cm has no oidc.config');
    }
    if (settings.url === undefined) throw ssoNotConfigured('SSO is not configured: argocd-cm has no url (the external URL the provider redirects back to)');
    if (settings.secretKey === undefined) throw ssoNotConfigured('SSO is not configured yet: argocd-secret has no server.secretkey');
    return { url: settings.url, oidc: settings.oidc, secretKey: settings.secretKey };
  }
}

/**
 * Who the claims of a verified id_token name, for a kawa session: `sub`, and as groups the values of the
 * claims argocd-rbac-cm `scopes` names (default `[groups]`; `[groups, email]` makes the email a group too).
 */
export function identityOf(claims: IdTokenClaims, scopes: readonly string[]): SsoIdentity {
  const email = claims['email'];
  return { sub: claims.sub, issuer: claims.iss, groups: groupsFromClaims(claims, scopes), email: typeof email === 'string' ? email : undefined };
}

/** The provider's id_tokens as bearer credentials (what SessionManager's `federated` option takes). */
export function federatedTokens(oidc: OidcService, scopes: () => readonly string[]): FederatedTokens {
  return {
    isTrustedIssuer: (issuer) => oidc.isTrustedIssuer(issuer),
    verify: async (token): Promise<VerifiedToken> => {
      const claims = await oidc.verifyIdToken(token);
      const identity = identityOf(claims, scopes());
      const jti = claims.jti;
      return {
        kind: 'sso',
        user: identity.sub,
        groups: identity.groups,
        issuer: identity.issuer,
        ...(identity.email === undefined ? {} : { email: identity.email }),
        id: typeof jti === 'string' ? jti : undefined,
        issuedAt: new Date((claims.iat ?? 0) * 1000),
        expiresAt: claims.exp === undefined ? undefined : new Date(claims.exp * 1000),
      };
    },
  };
}
