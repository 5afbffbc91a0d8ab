// Who sent a webhook and whether they knew the shared secret. Pure: headers, the raw body and the
// secrets from argocd-secret in, a verdict out.
//
// Provider detection follows Argo CD's order (util/webhook): Azure DevOps, then Gitea and Gogs before
// GitHub because Gitea/Gogs also send GitHub's headers, then GitLab, Bitbucket Cloud (X-Hook-UUID) and
// Bitbucket Server (X-Event-Key without X-Hook-UUID).
//
// As in Argo CD a provider without a configured secret is accepted unsigned: such an event can only
// make kawa look at Git sooner, never change what it deploys. Once a secret is configured, a missing or
// wrong signature is refused. Every comparison is constant-time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Provider = 'github' | 'gitlab' | 'bitbucket' | 'bitbucketserver' | 'gitea' | 'gogs' | 'azuredevops';

/** Request headers as Node gives them (lower-case names). */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The webhook secrets of argocd-secret; an empty value counts as not configured. */
export interface WebhookSecrets {
  readonly github?: string | undefined;
  readonly gitlab?: string | undefined;
  readonly bitbucketUuid?: string | undefined;
  readonly bitbucketServer?: string | undefined;
  /** Gogs and Gitea share Argo CD's `webhook.gogs.secret`. */
  readonly gogs?: string | undefined;
  readonly azureUsername?: string | undefined;
  readonly azurePassword?: string | undefined;
}

/** The secrets from argocd-secret's data (already base64-decoded). */
export function secretsFromData(data: Readonly<Record<string, string>>): WebhookSecrets {
  const get = (key: string): string | undefined => {
    const value = data[key];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    github: get('webhook.github.secret'),
    gitlab: get('webhook.gitlab.secret'),
    bitbucketUuid: get('webhook.bitbucket.uuid'),
    bitbucketServer: get('webhook.bitbucketserver.secret'),
    gogs: get('webhook.gogs.secret'),
    azureUsername: get('webhook.azuredevops.username'),
    azurePassword: get('webhook.azuredevops.password'),
  };
}

/** One header's value; a repeated header counts by its first value. */
export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

export function detectProvider(headers: Headers): Provider | undefined {
  if (header(headers, 'x-vss-activityid') !== undefined) return 'azuredevops';
  if (header(headers, 'x-gitea-event') !== undefined) return 'gitea';
  if (header(headers, 'x-gogs-event') !== undefined) return 'gogs';
  if (header(headers, 'x-github-event') !== undefined) return 'github';
  if (header(headers, 'x-gitlab-event') !== undefined) return 'gitlab';
  if (header(headers, 'x-hook-uuid') !== undefined) return 'bitbucket';
  if (header(headers, 'x-event-key') !== undefined) return 'bitbucketserver';
  return undefined;
}

/** The event name the provider put in its headers (Azure DevOps names it in the body instead). */
export function eventOf(provider: Provider, headers: Headers): string | undefined {
  const name: Record<Provider, string | undefined> = {
    github: 'x-github-event',
    gitlab: 'x-gitlab-event',
    bitbucket: 'x-event-key',
    bitbucketserver: 'x-event-key',
    gitea: 'x-gitea-event',
    gogs: 'x-gogs-event',
    azuredevops: undefined,
  };
  const key = name[provider];
  return key === undefined ? undefined : header(headers, key);
}

/** The provider's id of this delivery (the same on a redelivery), for replay protection. */
export function deliveryIdOf(provider: Provider, headers: Headers): string | undefined {
  const names: Record<Provider, readonly string[]> = {
    github: ['x-github-delivery'],
    gitlab: ['x-gitlab-event-uuid', 'x-gitlab-webhook-uuid'],
    bitbucket: ['x-request-uuid'],
    bitbucketserver: ['x-request-id'],
    gitea: ['x-gitea-delivery'],
    gogs: ['x-gogs-delivery'],
    // Azure DevOps sends no delivery header; the route uses the payload's event `id`.
    azuredevops: [],
  };
  for (const name of names[provider]) {
    const value = header(headers, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

export type Verdict = { readonly ok: true; readonly signed: boolean } | { readonly ok: false; readonly reason: string };

/** Constant-time string equality: hashing first makes the lengths equal, so length leaks nothing either. */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether `signatureHex` is the HMAC-SHA256 of `body` under `secret`; constant-time in the signature. */
export function hmacMatches(secret: string, body: Buffer, signatureHex: string): boolean {
  const expected = createHmac('sha256', secret).update(body).digest();
  if (!/^[0-9a-fA-F]{64}$/.test(signatureHex)) return false;
  return timingSafeEqual(expected, Buffer.from(signatureHex, 'hex'));
}

const refuse = (reason: string): Verdict => ({ ok: false, reason });
const UNSIGNED: Verdict = { ok: true, signed: false };
const SIGNED: Verdict = { ok: true, signed: true };

function verifyHmac(secret: string | undefined, body: Buffer, value: string | undefined, headerName: string, prefix: string): Verdict {
  if (secret === undefined) return UNSIGNED;
  if (value === undefined) return refuse(`missing ${headerName} header`);
  if (!value.startsWith(prefix)) return refuse(`${headerName} is not "${prefix}<hex>"`);
  return hmacMatches(secret, body, value.slice(prefix.length)) ? SIGNED : refuse(`${headerName} does not match the payload`);
}

function verifyToken(secret: string | undefined, value: string | undefined, headerName: string, normalise: (s: string) => string = (s) => s): Verdict {
  if (secret === undefined) return UNSIGNED;
  if (value === undefined) return refuse(`missing ${headerName} header`);
  return safeEqual(normalise(secret), normalise(value)) ? SIGNED : refuse(`${headerName} does not match the configured secret`);
}

function verifyBasicAuth(username: string | undefined, password: string | undefined, authorization: string | undefined): Verdict {
  if (username === undefined && password === undefined) return UNSIGNED;
  const match = authorization === undefined ? null : /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization);
  if (match?.[1] === undefined) return refuse('missing basic authentication');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [user, pass] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  // Both compared every time, so timing does not tell which one was wrong.
  const userOk = safeEqual(username ?? '', user);
  const passOk = safeEqual(password ?? '', pass);
  return userOk && passOk ? SIGNED : refuse('basic authentication does not match the configured credentials');
}

// Bitbucket sends the hook UUID in braces and its UI shows it without; accept either spelling.
const bareUuid = (s: string): string => s.trim().replace(/^\{/, '').replace(/\}$/, '').toLowerCase();

/** Check the request against the provider's secret. `body` is the raw request body, byte for byte. */
export function verifyRequest(provider: Provider, headers: Headers, body: Buffer, secrets: WebhookSecrets): Verdict {
  switch (provider) {
    case 'github':
      return verifyHmac(secrets.github, body, header(headers, 'x-hub-signature-256'), 'X-Hub-Signature-256', 'sha256=');
    case 'gitlab':
      return verifyToken(secrets.gitlab, header(headers, 'x-gitlab-token'), 'X-Gitlab-Token');
    case 'bitbucket':
      return verifyToken(secrets.bitbucketUuid, header(headers, 'x-hook-uuid'), 'X-Hook-UUID', bareUuid);
    case 'bitbucketserver':
      return verifyHmac(secrets.bitbucketServer, body, header(headers, 'x-hub-signature'), 'X-Hub-Signature', 'sha256=');
    case 'gitea':
      return verifyHmac(secrets.gogs, body, header(headers, 'x-gitea-signature'), 'X-Gitea-Signature', '');
    case 'gogs':
      return verifyHmac(secrets.gogs, body, header(headers, 'x-gogs-signature'), 'X-Gogs-Signature', '');
    case 'azuredevops':
      return verifyBasicAuth(secrets.azureUsername, secrets.azurePassword, header(headers, 'authorization'));
  }
}

/**
 * Delivery ids seen recently: a bounded LRU with a time window. A repeated id inside the window is a
 * replay (or a redelivery, which the provider's UI makes on request) and is refused; the oldest ids
 * are dropped first once `max` is reached, so memory stays bounded whatever the traffic.
 */
export class DeliveryLog {
  private readonly seen = new Map<string, number>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: { max?: number; windowMs?: number; now?: () => number } = {}) {
    this.max = options.max ?? 10_000;
    this.windowMs = options.windowMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Record `id`; false when it was already recorded inside the window. */
  remember(id: string): boolean {
    const now = this.now();
    const at = this.seen.get(id);
    if (at !== undefined && now - at < this.windowMs) return false;
    // Map keeps insertion order: delete and re-insert keeps the oldest first.
    this.seen.delete(id);
    this.seen.set(id, now);
    for (const [key, time] of this.seen) {
      if (this.seen.size <= this.max && now - time < this.windowMs) break;
      this.seen.delete(key);
    }
    return true;
  }

  /** Drop `id` again (the delivery failed on our side, so the provider's retry must get through). */
  forget(id: string): void {
    this.seen.delete(id);
  }

  get size(): number {
    return this.seen.size;
  }
}
