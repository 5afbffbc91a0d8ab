// POST /api/webhook: Git providers announce pushes here, and kawa asks the controller to refresh the
// Applications the push concerns (annotation `argocd.argoproj.io/refresh: normal`), so a change shows
// up at once instead of at the next poll.
//
// The route is public: providers authenticate with the shared secret of argocd-secret (verify.ts), not
// with a session, and when no secret is configured anyone may call it. So it tells the caller nothing
// (which apps exist, which were refreshed: the server log says) and costs little per call. Answers:
//   200 an empty body, as Argo CD answers: the push was taken (whether it concerned any app or not)
//   400 unknown provider (no recognised event header), or a body that is not the announced event
//   401 a secret is configured for the provider and the signature/token is missing or wrong
//   409 a delivery id seen in the last hour (replay; a provider's "redeliver" is refused too)
//   413 a body over argocd-cm `webhook.maxPayloadSizeMB` (default 50)
//   429 more than argocd-cm `webhook.maxRequestsPerMinute` (kawa's own key, default 300) requests from
//       one source address in a sliding minute, counted before the body is read; Retry-After says when
//   503 the Application watch has not listed yet (a fresh server whose API server is slow)
//
// Apps are found through an index by repository kept from the Application watch cache (app-index.ts),
// never by listing every Application per request. Without a watch cache (cacheApplications: false) the
// route lists, bounded by the rate limit.
//
// Settings (secrets, size limit, rate) come from the shared watch-backed settings reader, so a flood costs
// the API server nothing; edits to argocd-cm/argocd-secret apply as soon as the watch delivers them.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import type { FastifyRequest } from 'fastify';
import { Transform, type TransformCallback } from 'node:stream';
import { z } from 'zod';
import { UserError, errorCodes } from '../../errors.js';
import { ARGOPROJ_GROUP, ARGOPROJ_VERSION } from '../../model/index.js';
import { isRecord } from '../../model/validation.js';
import { ARGOCD_CM_NAME, ARGOCD_SECRET_NAME } from '../../model/settings.js';
import type { SettingsReader } from '../../settings/index.js';
import { ApiError, aborted, grpcCodes, invalidArgument, unauthenticated } from '../http-errors.js';
import type { ZodApp } from '../routes/types.js';
import { errorResponses } from '../schemas.js';
import { REFRESH_ANNOTATION } from '../../model/names.js';
import { ArgoStore, kubeFailure, kubeStatusOf, nameOf, type CoreClient, type CustomObjectsClient, type KubeJson } from '../store.js';
import { WatchedRepoIndex, type WatchSource } from './app-index.js';
import { appsToRefresh } from './match.js';
import { parsePush } from './payload.js';
import { RateLimiter } from './rate-limit.js';
import { DeliveryLog, deliveryIdOf, detectProvider, eventOf, header, secretsFromData, verifyRequest, type WebhookSecrets } from './verify.js';

export const DEFAULT_MAX_PAYLOAD_MB = 50;
export const DEFAULT_MAX_REQUESTS_PER_MINUTE = 300;
/** fastify's own limit for this route: a backstop above any sane `webhook.maxPayloadSizeMB`. */
const BODY_LIMIT_CEILING = 1024 * 1024 * 1024;

export interface WebhookDeps {
  readonly custom: CustomObjectsClient;
  readonly core: CoreClient;
  /** The shared reader of argocd-cm and argocd-secret. */
  readonly settings: SettingsReader;
  /** The control-plane namespace (argocd-cm, argocd-secret, Applications). */
  readonly namespace: string;
  /** Further namespaces Applications may live in. */
  readonly applicationNamespaces?: readonly string[] | undefined;
  readonly deliveries?: DeliveryLog;
  /** The Application watch cache the repository index follows; without it each push lists the apps. */
  readonly appCache?: WatchSource | undefined;
  /** The rate limit's clock and window (tests); the limit itself comes from argocd-cm. */
  readonly rateLimit?: { readonly now?: () => number; readonly windowMs?: number };
}

interface WebhookSettings {
  readonly secrets: WebhookSecrets;
  readonly maxPayloadBytes: number;
  readonly maxRequestsPerWindow: number;
}

export const webhookResponseSchema = z.literal('').describe('an empty body, as Argo CD answers');

const tooManyRequests = (retryAfterSec: number): ApiError =>
  new ApiError(errorCodes.WEBHOOK_RATE_LIMITED, 429, grpcCodes.ResourceExhausted, 'too many webhook requests from this address; retry later', { headers: { 'retry-after': String(retryAfterSec) } });

const notReady = (): ApiError => new ApiError(errorCodes.KUBE_API_FAILED, 503, grpcCodes.Unavailable, 'the Application cache is not ready yet; retry shortly');

const settingsNotReady = (): ApiError =>
  new ApiError(errorCodes.KUBE_API_FAILED, 503, grpcCodes.Unavailable, `${ARGOCD_CM_NAME} and ${ARGOCD_SECRET_NAME} have not been listed yet; retry shortly`);

const tooLarge = (limit: number): ApiError =>
  new ApiError(errorCodes.API_INVALID_ARGUMENT, 413, grpcCodes.ResourceExhausted, `webhook payload too large: the limit is ${limit} bytes (argocd-cm webhook.maxPayloadSizeMB)`);

/** Counts bytes and fails the body with 413 past the limit, so an unannounced (chunked) body cannot grow without bound. */
class LimitStream extends Transform {
  /** fastify compares this with Content-Length when a preParsing hook replaces the stream. */
  receivedEncodedLength = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    if (this.receivedEncodedLength > this.limit) callback(tooLarge(this.limit));
    else callback(null, chunk);
  }
}

function maxPayloadBytes(value: string | undefined): number {
  const mb = Number(value);
  // A malformed value must not switch the limit off: fall back to the default.
  const limit = value === undefined || value.trim() === '' || !Number.isFinite(mb) || mb <= 0 ? DEFAULT_MAX_PAYLOAD_MB : mb;
  return Math.min(Math.floor(limit * 1024 * 1024), BODY_LIMIT_CEILING);
}

function maxRequests(value: string | undefined): number {
  const n = Number(value);
  // Malformed or not positive: the default (the limit cannot be switched off from argocd-cm by accident).
  return value === undefined || value.trim() === '' || !Number.isInteger(n) || n <= 0 ? DEFAULT_MAX_REQUESTS_PER_MINUTE : n;
}

/** The body as JSON; GitHub and Gogs may also send `application/x-www-form-urlencoded` with a `payload` field. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  let text = raw.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') === true) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidArgument('the webhook payload is not JSON');
  }
}

const hasMergePatch = (client: CustomObjectsClient): client is CustomObjectsClient & Pick<CustomObjectsApi, 'patchNamespacedCustomObject'> =>
  typeof (client as Partial<CustomObjectsApi>).patchNamespacedCustomObject === 'function';

export function webhookRoutes(app: ZodApp, deps: WebhookDeps): void {
  const store = new ArgoStore(deps.custom, deps.core);
  const deliveries = deps.deliveries ?? new DeliveryLog();
  const namespaces = [deps.namespace, ...(deps.applicationNamespaces ?? []).filter((ns) => ns !== deps.namespace)];
  const settingsOf = new WeakMap<FastifyRequest, WebhookSettings>();
  // Parsed once per change the reader sees, not once per request.
  let parsed: { version: number; settings: WebhookSettings } | undefined;
  const limiter = new RateLimiter({ limit: DEFAULT_MAX_REQUESTS_PER_MINUTE, ...deps.rateLimit });
  const repoIndex = deps.appCache === undefined ? undefined : new WatchedRepoIndex(deps.appCache);
  app.addHook('onClose', async () => {
    repoIndex?.close();
    return Promise.resolve();
  });

  /** The apps that may concern the pushes: from the index, or (no watch cache) a list of each namespace. */
  const candidates = async (pushes: Parameters<typeof appsToRefresh>[1]): Promise<KubeJson[]> => {
    if (repoIndex === undefined) {
      const apps: KubeJson[] = [];
      for (const ns of namespaces) apps.push(...(await store.list('applications', ns)).items);
      return apps;
    }
    if (!(await repoIndex.ready(namespaces))) throw notReady();
    return repoIndex.index.candidates(pushes);
  };

  const settings = (): Promise<WebhookSettings> => {
    const reader = deps.settings;
    if (!reader.synced) return Promise.reject(settingsNotReady());
    if (parsed?.version !== reader.version) {
      const version = reader.version;
      const cm = reader.configMapData(ARGOCD_CM_NAME) ?? {};
      const current = {
        secrets: secretsFromData(reader.secretData(ARGOCD_SECRET_NAME) ?? {}),
        maxPayloadBytes: maxPayloadBytes(cm['webhook.maxPayloadSizeMB']),
        maxRequestsPerWindow: maxRequests(cm['webhook.maxRequestsPerMinute']),
      };
      parsed = { version, settings: current };
    }
    return Promise.resolve(parsed.settings);
  };

  /** Ask for a refresh with a JSON merge patch (no read-modify-write race); conditional replace for clients without patch. */
  const requestRefresh = async (target: KubeJson): Promise<void> => {
    const meta = isRecord(target['metadata']) ? target['metadata'] : {};
    const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : deps.namespace;
    const name = nameOf(target);
    const custom = deps.custom;
    if (hasMergePatch(custom)) {
      const body = { metadata: { annotations: { [REFRESH_ANNOTATION]: 'normal' } } };
      try {
        await custom.patchNamespacedCustomObject(
          { group: ARGOPROJ_GROUP, version: ARGOPROJ_VERSION, plural: 'applications', namespace, name, body },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (err) {
        // Deleted since it was listed: nothing to refresh.
        if (kubeStatusOf(err) !== 404) throw kubeFailure(err, `refreshing application ${namespace}/${name}`);
      }
      return;
    }
    const annotations = { ...(isRecord(meta['annotations']) ? meta['annotations'] : {}), [REFRESH_ANNOTATION]: 'normal' };
    await store.replace('applications', namespace, { ...target, metadata: { ...meta, annotations } });
  };

  // Encapsulated so the raw-body parser applies to this route only: HMACs are over the exact bytes.
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, parsed) => {
      parsed(null, body);
    });
    scope.route({
      method: 'POST',
      url: '/api/webhook',
      bodyLimit: BODY_LIMIT_CEILING,
      schema: {
        tags: ['Webhook'],
        summary: 'Receive a Git push event (GitHub, GitLab, Bitbucket, Bitbucket Server, Gitea, Gogs, Azure DevOps) and refresh the Applications it concerns',
        security: [],
        response: { 200: webhookResponseSchema, ...errorResponses },
      },
      config: { auth: { kind: 'public' } },
      preParsing: async (request, _reply, payload) => {
        const current = await settings();
        // Before the body is read or anything is verified: strangers' floods are what this is for.
        limiter.limit = current.maxRequestsPerWindow;
        const admission = limiter.admit(request.ip);
        if (!admission.ok) throw tooManyRequests(admission.retryAfterSec);
        settingsOf.set(request, current);
        const limit = current.maxPayloadBytes;
        const announced = Number(request.headers['content-length']);
        if (Number.isFinite(announced) && announced > limit) throw tooLarge(limit);
        return payload.pipe(new LimitStream(limit));
      },
      handler: async (request, reply) => {
        const provider = detectProvider(request.headers);
        if (provider === undefined) throw invalidArgument('unknown webhook event: no GitHub, GitLab, Bitbucket, Gitea, Gogs or Azure DevOps event header');
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const current = settingsOf.get(request) ?? (await settings());
        const verdict = verifyRequest(provider, request.headers, raw, current.secrets);
        if (!verdict.ok) {
          request.log.warn({ provider, reason: verdict.reason }, 'webhook refused');
          throw unauthenticated(`webhook signature verification failed: ${verdict.reason}`);
        }
        const body = parseBody(raw, header(request.headers, 'content-type'));
        const azureId = isRecord(body) && typeof body['id'] === 'string' ? body['id'] : undefined;
        const delivery = deliveryIdOf(provider, request.headers) ?? (provider === 'azuredevops' ? azureId : undefined);
        const key = delivery === undefined ? undefined : `${provider}/${delivery}`;
        if (key !== undefined && !deliveries.remember(key)) throw aborted(`webhook delivery ${delivery ?? ''} was already received`);
        try {
          const pushes = parsePush(provider, eventOf(provider, request.headers), body);
          const refreshed: string[] = [];
          const targets = pushes.length === 0 ? [] : appsToRefresh(await candidates(pushes), pushes);
          for (const target of targets) {
            await requestRefresh(target);
            const ns = isRecord(target['metadata']) ? target['metadata']['namespace'] : undefined;
            refreshed.push(typeof ns === 'string' && ns !== deps.namespace ? `${ns}/${nameOf(target)}` : nameOf(target));
          }
          // Who was refreshed is for the log only: the caller may be anyone.
          request.log.info({ provider, delivery, refreshed }, 'webhook processed');
        } catch (err) {
          // Failed on our side (or a bad payload): let the provider's retry through.
          if (key !== undefined) deliveries.forget(key);
          if (err instanceof UserError && err.code === errorCodes.WEBHOOK_PAYLOAD_INVALID) throw invalidArgument(err.message);
          throw err;
        }
        return reply.code(200).type('text/plain; charset=utf-8').send('');
      },
    });
    done();
  });
}
