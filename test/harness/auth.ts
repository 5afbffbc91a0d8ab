// Helpers for the account-store tests on the real API server.
import { CoreV1Api } from '@kubernetes/client-node';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { AccountStore, type SecretsApi } from '../../src/server/auth/index.js';
import { testKubeConfig } from './kube.js';

/** The HTTP status a client-node error carries. */
export const codeOf = (err: unknown): number | undefined => (err as { code?: number } | null)?.code;

/**
 * `count` account stores, each with its own real client, whose first read of a Secret is held until all
 * of them have read: they then race on the same state, and the API server itself refuses the losers
 * (409). Every refused write's status is pushed to `conflicts`.
 */
export function racingStores(count: number, namespace: string, conflicts: number[]): AccountStore[] {
  let reads = 0;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  return Array.from({ length: count }, () => {
    const client = testKubeConfig().makeApiClient(CoreV1Api);
    let first = true;
    const countConflict = (err: unknown): never => {
      conflicts.push(codeOf(err) ?? -1);
      throw err;
    };
    const racing: SecretsApi = {
      readNamespacedConfigMap: (param) => client.readNamespacedConfigMap(param),
      readNamespacedSecret: async (param) => {
        const result = await client.readNamespacedSecret(param).then(
          (secret) => ({ secret, err: undefined }),
          (err: unknown) => ({ secret: undefined, err }),
        );
        if (first) {
          first = false;
          if (++reads === count) release();
          await allRead;
        }
        if (result.secret !== undefined) return result.secret;
        throw result.err;
      },
      createNamespacedSecret: (param) => client.createNamespacedSecret(param).catch(countConflict),
      replaceNamespacedSecret: (param) => client.replaceNamespacedSecret(param).catch(countConflict),
    };
    return new AccountStore({ core: racing, namespace });
  });
}

/** A Secret's data, decoded, or undefined when it does not exist. */
export async function readSecretData(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const secret = await core.readNamespacedSecret({ name, namespace }).catch((err: unknown) => {
    if (codeOf(err) === 404) return undefined;
    throw err;
  });
  if (secret === undefined) return undefined;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** A real OpenID Connect provider (oidc-provider) on loopback, for the SSO tests. */
export interface TestOidcProvider {
  /** `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** Its signing key: tests mint tokens the provider could have issued (expired ones, other audiences). */
  readonly signingKey: SigningKey;
  readonly kid: string;
  close(): Promise<void>;
}

export type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TestOidcClient {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly redirect_uris: readonly string[];
  /** `none` for public clients (the CLI). */
  readonly token_endpoint_auth_method?: string;
  readonly application_type?: 'web' | 'native';
}

/** The slice of oidc-provider's API used here (the package ships no types). */
interface ProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => { callback(): RequestListener };
}

/**
 * Start oidc-provider with static clients, users with groups (claims `email`, `groups` in the id_token),
 * its development login/consent pages, and a signing key the test knows.
 */
export async function startOidcProvider(clients: readonly TestOidcClient[], users: Readonly<Record<string, readonly string[]>>): Promise<TestOidcProvider> {
  const kid = 'provider-key';
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.privateKey)), kid, alg: 'RS256', use: 'sig' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  // A computed specifier: the package has no declarations, so it is typed through ProviderModule.
  const moduleName = 'oidc-provider';
  const { Provider } = (await import(moduleName)) as ProviderModule;
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ response_types: ['code'], grant_types: ['authorization_code'], ...c, redirect_uris: [...c.redirect_uris] })),
    jwks: { keys: [jwk] },
    findAccount: (_ctx: unknown, id: string) => {
      const groups = users[id];
      return groups === undefined ? undefined : { accountId: id, claims: () => ({ sub: id, email: `${id}@example.com`, groups: [...groups] }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // Requested claims go into the id_token (as Dex and Keycloak do), not only into userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['provider-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    signingKey: pair.privateKey,
    kid,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => {
        resolve();
      }));
    },
  };
}

/**
 * Log `user` in at the provider, starting at an authorization URL: follow redirects with the provider's
 * cookies, fill in the development login and consent forms, and stop at the first redirect to a URL
 * starting with `stopAt` (the client's redirect URI). Returns that URL.
 */
export async function loginAtProvider(authorizeUrl: string, user: string, stopAt: string): Promise<URL> {
  // The provider's cookies, by name (its cookies have distinct names, so paths can be ignored).
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  let form: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return new URL(url);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: { ...(cookie === '' ? {} : { cookie }), ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(form === undefined ? {} : { body: form.toString() }),
    });
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    form = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location !== null) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (res.status !== 200 || action === undefined || prompt === undefined) throw new Error(`the provider answered ${String(res.status)}: ${html.slice(0, 500)}`);
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    form = new URLSearchParams(prompt === 'login' ? { prompt, login: user, password: 'anything' } : { prompt });
  }
  throw new Error('the provider never redirected back');
}

/**
 * Cancel the login at the provider, as a user who clicks "[ Cancel ]" on its login page: follow redirects
 * with its cookies to the login page, follow its cancel link, and stop at the first redirect to a URL
 * starting with `stopAt` (the provider's `error=access_denied` answer). Returns that URL.
 */
export async function cancelAtProvider(authorizeUrl: string, stopAt: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return new URL(url);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie === '' ? {} : { cookie } });
    for (const header of res.headers.getSetCookie()) {
      const pair = header.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location !== null) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const cancel = /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(html)?.[1];
    if (res.status !== 200 || cancel === undefined) throw new Error(`the provider answered ${String(res.status)}: ${html.slice(0, 500)}`);
    url = new URL(cancel.replaceAll('&amp;', '&'), url).href;
  }
  throw new Error('the provider never redirected back');
}
