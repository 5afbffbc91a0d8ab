// SSO settings, configured as Argo CD configures them:
//
//   argocd-cm  url: https://kawa.example.com          the external URL; the provider sends users back to <url>/auth/callback
//              oidc.config: |                          YAML
//                name: Okta                            shown on the login button
//                issuer: https://example.okta.com
//                clientID: xxx
//                clientSecret: $oidc.okta.clientSecret a `$<key>` of argocd-secret, or `$<secret>:<key>` of another Secret
//                cliClientID: yyy                      public client the CLI uses (PKCE, http://localhost:8085/auth/callback)
//                requestedScopes: [openid, profile, email, groups]   (the default)
//                requestedIDTokenClaims: {groups: {essential: true}}
//                logoutURL: https://…                  where /auth/logout sends the browser
//                allowedAudiences: [...]               audiences accepted on bearer id_tokens (default clientID + cliClientID)
//
// Decisions:
// - Every string of oidc.config may be a `$` reference (Argo CD replaces them in the whole map). A
//   `$<secret>:<key>` Secret must carry `app.kubernetes.io/part-of: argocd`, as Argo CD requires, so the
//   config cannot be used to read arbitrary Secrets of the namespace. An unresolvable reference disables
//   SSO with a message naming it, instead of sending the literal `$…` to the provider.
// - Plain-http issuers are accepted only on loopback addresses (local providers, tests): a JWKS fetched
//   over the network without TLS would let anyone on the path mint sessions.
// - return_url may be a path (`/applications`) or an absolute URL of kawa's own origin (`url`); anything
//   else, `//host` and `/\host` included, is refused: no open redirect.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import { ARGOCD_CM_NAME, ARGOCD_SECRET_NAME, PART_OF_LABEL, parseArgoCdConfigMap, type ArgoCdSettings } from '../../../model/settings.js';
import type { SettingsReader } from '../../../settings/index.js';

export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'groups'];
/** Where Argo CD's CLI listens during its PKCE login (`argocd login --sso`). */
export const CLI_REDIRECT_URL = 'http://localhost:8085/auth/callback';
export const CALLBACK_PATH = '/auth/callback';
export { PART_OF_LABEL };

export interface OidcConfig {
  readonly name: string;
  readonly issuer: string;
  readonly clientID: string;
  /** Resolved; never answered or logged. */
  readonly clientSecret: string | undefined;
  readonly cliClientID: string | undefined;
  readonly requestedScopes: readonly string[];
  readonly requestedIDTokenClaims: Readonly<Record<string, unknown>> | undefined;
  readonly logoutURL: string | undefined;
  /** Audiences a bearer id_token may carry. */
  readonly audiences: readonly string[];
}

export interface SsoSettings {
  /** argocd-cm `url` without a trailing slash. */
  readonly url: string | undefined;
  readonly oidc: OidcConfig | undefined;
  /** `server.secretkey`, which keys the state cookie. */
  readonly secretKey: string | undefined;
  /** Why SSO is off or partly ignored, each naming the key. */
  readonly problems: readonly string[];
  /** The rest of argocd-cm, read by the model's parser (for /api/v1/settings). */
  readonly argocd: ArgoCdSettings;
}

const claimRequestSchema = z.looseObject({ essential: z.boolean().optional(), value: z.string().optional(), values: z.array(z.string()).optional() });

// Argo CD unmarshals into a struct, so unknown keys are ignored; the ones kawa reads are checked.
const oidcConfigSchema = z.looseObject({
  name: z.string().max(256).optional(),
  issuer: z.string().min(1).max(2048),
  clientID: z.string().min(1).max(1024),
  clientSecret: z.string().max(8192).optional(),
  cliClientID: z.string().max(1024).optional(),
  requestedScopes: z.array(z.string().min(1).max(256)).max(64).optional(),
  requestedIDTokenClaims: z.record(z.string(), claimRequestSchema.nullable()).optional(),
  logoutURL: z.string().max(4096).optional(),
  allowedAudiences: z.array(z.string().min(1)).optional(),
});

export function ssoFailed(message: string, cause?: unknown): UserError {
  return new UserError(errorCodes.AUTH_SSO_FAILED, message, cause === undefined ? undefined : { cause });
}

export function ssoNotConfigured(message: string): UserError {
  return new UserError(errorCodes.AUTH_SSO_NOT_CONFIGURED, message);
}

/** A `$key` or `$secret:key` reference, or undefined for a literal value. */
export function secretReference(value: string): { secret: string | undefined; key: string } | undefined {
  if (!value.startsWith('$') || value.length < 2) return undefined;
  const body = value.slice(1);
  const colon = body.indexOf(':');
  if (colon <= 0) return { secret: undefined, key: body };
  return { secret: body.slice(0, colon), key: body.slice(colon + 1) };
}

/** Secret data by name (`undefined` name = argocd-secret); undefined when the Secret is absent or not allowed. */
export type SecretLookup = (secret: string | undefined) => Readonly<Record<string, string>> | undefined;

/** Replace every `$…` string in a parsed YAML value; unresolvable references are reported in `problems`. */
export function resolveSecretRefs(value: unknown, lookup: SecretLookup, problems: string[], path = 'oidc.config'): unknown {
  if (typeof value === 'string') {
    const ref = secretReference(value);
    if (ref === undefined) return value;
    const data = lookup(ref.secret);
    const resolved = data?.[ref.key];
    if (resolved === undefined) {
      const where = ref.secret === undefined ? `key ${JSON.stringify(ref.key)} of ${ARGOCD_SECRET_NAME}` : `key ${JSON.stringify(ref.key)} of Secret ${ref.secret} (labelled ${PART_OF_LABEL}: argocd)`;
      problems.push(`${path}: references ${where}, which does not exist`);
      return undefined;
    }
    // Argo CD trims secret values (a trailing newline from `kubectl create secret --from-file` is common).
    return resolved.trim();
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecretRefs(v, lookup, problems, `${path}[${String(i)}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecretRefs(v, lookup, problems, `${path}.${k}`)]));
  }
  return value;
}

/** The names of the other Secrets `$secret:key` references in `value` point at. */
export function referencedSecrets(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const secret = secretReference(value)?.secret;
    if (secret !== undefined) out.add(secret);
  } else if (Array.isArray(value)) {
    for (const v of value) referencedSecrets(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) referencedSecrets(v, out);
  }
  return out;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** Parse oidc.config (YAML, references already resolvable through `lookup`). Returns the config or the problems. */
export function parseOidcConfig(raw: string | undefined, lookup: SecretLookup): { config: OidcConfig | undefined; problems: string[] } {
  const problems: string[] = [];
  if (raw === undefined || raw.trim() === '') return { config: undefined, problems };
  let doc: unknown;
  try {
    doc = parseYaml(raw) as unknown;
  } catch (err) {
    return { config: undefined, problems: [`oidc.config: not valid YAML: ${messageOf(err).split('\n')[0] ?? ''}`] };
  }
  const resolved = resolveSecretRefs(doc, lookup, problems);
  if (problems.length > 0) return { config: undefined, problems };
  const parsed = oidcConfigSchema.safeParse(resolved);
  if (!parsed.success) {
    return { config: undefined, problems: parsed.error.issues.map((i) => `oidc.config.${i.path.join('.')}: ${i.message}`) };
  }
  const c = parsed.data;
  if (!URL.canParse(c.issuer)) return { config: undefined, problems: [`oidc.config.issuer: ${JSON.stringify(c.issuer)} is not a URL`] };
  const issuerUrl = new URL(c.issuer);
  if (issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && isLoopback(issuerUrl))) {
    return { config: undefined, problems: [`oidc.config.issuer: ${JSON.stringify(c.issuer)} must be https (plain http only on loopback)`] };
  }
  const cliClientID = c.cliClientID === undefined || c.cliClientID === '' ? undefined : c.cliClientID;
  const audiences = c.allowedAudiences !== undefined && c.allowedAudiences.length > 0 ? c.allowedAudiences : [c.clientID, ...(cliClientID === undefined ? [] : [cliClientID])];
  const claims = c.requestedIDTokenClaims;
  return {
    config: {
      name: c.name ?? '',
      issuer: c.issuer,
      clientID: c.clientID,
      clientSecret: c.clientSecret === undefined || c.clientSecret === '' ? undefined : c.clientSecret,
      cliClientID,
      requestedScopes: c.requestedScopes !== undefined && c.requestedScopes.length > 0 ? c.requestedScopes : DEFAULT_OIDC_SCOPES,
      requestedIDTokenClaims: claims === undefined || Object.keys(claims).length === 0 ? undefined : claims,
      logoutURL: c.logoutURL === undefined || c.logoutURL === '' ? undefined : c.logoutURL,
      audiences,
    },
    problems,
  };
}

/**
 * Where to send the browser after login: a same-origin path, or an absolute URL on `url`'s origin.
 * Throws AUTH_SSO_FAILED for anything else.
 */
export function safeReturnUrl(returnUrl: string | undefined, baseUrl: string): string {
  if (returnUrl === undefined || returnUrl === '') return '/';
  const base = new URL(baseUrl);
  // Browsers read `\` as `/`, so `/\evil.com` would leave the origin; control characters hide tricks.
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(returnUrl)) throw ssoFailed('invalid return_url: it contains a backslash or control characters');
  let target: URL;
  try {
    target = new URL(returnUrl, base);
  } catch {
    throw ssoFailed('invalid return_url: not a URL');
  }
  if (target.origin !== base.origin) throw ssoFailed(`invalid return_url: only URLs of ${base.origin} are allowed`);
  if (returnUrl.startsWith('/') && !returnUrl.startsWith('//')) return `${target.pathname}${target.search}${target.hash}`;
  return target.href;
}

/** SSO settings from what the reader holds; `$secret:key` references resolve against argocd-secret and the Secrets labelled part-of argocd. */
export function ssoSettingsOf(reader: SettingsReader): SsoSettings {
  const cmData = reader.configMapData(ARGOCD_CM_NAME) ?? {};
  const argocd = parseArgoCdConfigMap({ data: cmData });
  const problems = argocd.errors.filter((e) => e.startsWith('url:'));
  const parsed = parseOidcConfig(cmData['oidc.config'], (name) => reader.referableSecretData(name));
  problems.push(...parsed.problems);
  const secretKey = reader.secretData(ARGOCD_SECRET_NAME)?.['server.secretkey'];
  return { url: argocd.settings.url, oidc: parsed.config, secretKey: secretKey === undefined || secretKey === '' ? undefined : secretKey, problems, argocd: argocd.settings };
}
