// One reconcile of one app: validate, check the project and the destination, render when asked (or when
// what the render depends on moved), compare against the cluster's live cache, hand the operation to the
// runner, decide automated sync, and write the reconciled status only when it changed.
import { isoTime, type AppComparison } from '../engine/index.js';
import { messageOf } from '../errors.js';
import { CONDITION_TYPES, sourcesOf, validateApplication, type Application } from '../model/index.js';
import { REFRESH_ANNOTATION, SKIP_RECONCILE_ANNOTATION } from '../model/names.js';
import { instanceNameOf } from './app-identity.js';
import { decideAutoSync } from './autosync.js';
import { appState, isMine, type AppState, type ControllerContext } from './context.js';
import { reconcileDeletion } from './deletion.js';
import { renderDesired, renderKeyOf } from './desired-state.js';
import { appRefOf } from './events.js';
import { handleOperation } from './operations.js';
import { orphanedWarning, resourceProblems, specProblems, windowDecision } from './project-checks.js';
import { strongerLevel, type RefreshLevel } from './queue.js';
import { buildStatus, type ReconciledStatus } from './status.js';

type Condition = { type: string; message: string };

export async function reconcileApp(ctx: ControllerContext, key: string, requested: RefreshLevel): Promise<void> {
  const raw = ctx.rawApp(key);
  if (raw === undefined || ctx.stopped()) return;
  const started = ctx.now();
  const st = appState(ctx, key);
  let level = requested;
  if (level !== 'compare') st.nextRefreshScheduled = false;
  const refreshAnnotation = raw.metadata?.annotations?.[REFRESH_ANNOTATION];
  if (refreshAnnotation !== undefined) level = strongerLevel(level, refreshAnnotation === 'hard' ? 'hard' : 'normal');
  if (raw.metadata?.annotations?.[SKIP_RECONCILE_ANNOTATION] === 'true') return;

  const validation = validateApplication(raw);
  if (!validation.ok) {
    // Without a cluster to shard by, the owner of shard 0 speaks for invalid apps.
    if (ctx.shards !== undefined && !ctx.shards.owns(0)) return;
    await ctx.writer.writeInvalid(raw, validation.errors.join('; '));
    scheduleRefresh(ctx, key, st);
    return;
  }
  const app = validation.value;
  if (!isMine(ctx, app)) return;

  if (raw.metadata?.deletionTimestamp !== undefined) {
    await reconcileDeletion(ctx, key, app, raw);
    return;
  }

  const conditions: Condition[] = [];
  const problems = specProblems(ctx, app);
  const cluster = ctx.registry.find(app.spec.destination);
  if (problems.length > 0 || cluster === undefined) {
    for (const p of problems) conditions.push({ type: CONDITION_TYPES.InvalidSpecError, message: p });
    await ctx.writer.writeStatus(app, buildStatus({ app, conditions, now: isoTime(ctx.now()), controllerNamespace: ctx.namespace }));
    await ctx.writer.clearRefreshAnnotation(app, refreshAnnotation);
    scheduleRefresh(ctx, key, st);
    return;
  }
  const handle = ctx.registry.get(cluster.server);
  if (handle === undefined) return;
  await handle.ready;
  if (handle.connection === 'Failed') {
    // Never compare (or prune) against a view of a cluster we cannot reach.
    conditions.push({ type: CONDITION_TYPES.ComparisonError, message: `cluster ${cluster.server} is unreachable: ${handle.error ?? 'no answer'}` });
    await ctx.writer.writeStatus(app, buildStatus({ app, conditions, healthOverride: { status: 'Unknown', message: 'cluster unreachable' }, now: isoTime(ctx.now()), controllerNamespace: ctx.namespace }));
    scheduleRefresh(ctx, key, st);
    return;
  }

  // Desired state: rendered again only when asked (refresh, spec change); the repo service caches by commit.
  const instance = instanceNameOf(app, ctx.namespace);
  const sourceKey = renderKeyOf(app, instance, handle);
  if (level !== 'compare' || st.desired === undefined || st.desired.sourceKey !== sourceKey) {
    // Someone asked for this refresh (UI, CLI, webhook): what the repository has now, not the refs seen
    // a moment ago for the whole refresh pass.
    if (refreshAnnotation !== undefined) for (const source of sourcesOf(app.spec)) ctx.options.repo.invalidate(source.repoURL);
    try {
      const rendered = await renderDesired(ctx, app, sourcesOf(app.spec), undefined, handle, level === 'hard');
      st.desired = { sourceKey, ...rendered };
      delete st.renderError;
    } catch (err) {
      st.renderError = messageOf(err);
      ctx.options.log.warn({ app: key, err: st.renderError }, 'comparison failed: rendering the desired state failed');
    }
  }
  if (st.renderError !== undefined) {
    // The last good render stays the reference (if any); nothing is synced or pruned from a failed render.
    conditions.push({ type: CONDITION_TYPES.ComparisonError, message: `rendering failed: ${st.renderError}` });
  }

  let comparison: AppComparison | undefined;
  if (st.desired !== undefined) {
    comparison = handle.engine.compare({
      name: instance,
      desired: st.desired.objects,
      ...(app.spec.destination.namespace === undefined ? {} : { destinationNamespace: app.spec.destination.namespace }),
      ...(app.spec.ignoreDifferences === undefined ? {} : { ignoreDifferences: app.spec.ignoreDifferences }),
    });
    for (const message of resourceProblems(ctx, app, st.desired.objects, handle)) conditions.push({ type: CONDITION_TYPES.InvalidSpecError, message });
    const orphans = orphanedWarning(ctx, app, handle);
    if (orphans !== undefined) conditions.push(orphans);
  }

  // Operations: run a requested one, resume one a previous process left Running.
  await handleOperation(ctx, key, app, handle, st);

  // Automated sync: never from a failed render, never while something runs or is invalid.
  const invalid = conditions.some((c) => c.type === CONDITION_TYPES.InvalidSpecError);
  if (comparison !== undefined && st.renderError === undefined && st.running === undefined && !invalid) {
    const condition = await autoSync(ctx, key, app, comparison, st);
    if (condition !== undefined) conditions.push(condition);
  }

  const status = buildStatus({
    app,
    ...(comparison === undefined ? {} : { comparison }),
    ...(st.desired === undefined ? {} : { revision: st.desired.revision, sourceType: st.desired.sourceType }),
    conditions,
    desiredUnknown: st.renderError !== undefined,
    now: isoTime(ctx.now()),
    controllerNamespace: ctx.namespace,
  });
  await ctx.writer.writeStatus(app, status);
  const health = status.health?.status;
  if (health !== undefined && st.lastHealth !== undefined && st.lastHealth !== health) {
    void ctx.events.record(appRefOf(app, ctx.namespace), 'ResourceUpdated', `Updated health status: ${st.lastHealth} -> ${health}`);
  }
  if (health !== undefined) st.lastHealth = health;
  await ctx.writer.clearRefreshAnnotation(app, refreshAnnotation);
  if (level !== 'compare') scheduleRefresh(ctx, key, st);
  recordMetrics(ctx, app, status, started, cluster.server);
  ctx.options.onReconciled?.(key, ctx.now() - started, { ...(status.sync?.status === undefined ? {} : { sync: status.sync.status }), ...(health === undefined ? {} : { health }) });
}

/**
 * Automated sync of a compared app (its desired state rendered): requests the sync the policy calls for,
 * unless a sync window or the self-heal backoff holds it back; returns the condition explaining a refusal.
 */
async function autoSync(ctx: ControllerContext, key: string, app: Application, comparison: AppComparison, st: AppState): Promise<Condition | undefined> {
  const desired = st.desired;
  if (desired === undefined) return undefined;
  if (comparison.sync === 'Synced' && st.selfHeal.attempts > 0) st.selfHeal = { attempts: 0, lastAt: 0, revision: desired.revision };
  const decision = decideAutoSync({
    app,
    comparison,
    revision: desired.revision,
    desiredCount: desired.objects.length,
    selfHeal: st.selfHeal.revision === desired.revision ? st.selfHeal : { attempts: 0, lastAt: 0 },
    now: ctx.now(),
    ...(ctx.options.selfHealBackoffMs === undefined ? {} : { selfHealBackoffMs: ctx.options.selfHealBackoffMs }),
  });
  const windows = decision.kind === 'sync' ? windowDecision(ctx, app, false) : undefined;
  if (decision.kind === 'sync' && windows?.allowed === false) {
    // Argo CD's words; the app stays OutOfSync until the window allows it.
    ctx.options.log.info({ app: key, reason: windows.reason }, 'Sync prevented by sync window');
    ctx.queue.add(key, 'compare', Math.max(1_000, (windows.nextChangeAt ?? ctx.now() + 60_000) - ctx.now()), ctx.now());
  } else if (decision.kind === 'sync') {
    if (decision.selfHeal) st.selfHeal = { attempts: (st.selfHeal.revision === desired.revision ? st.selfHeal.attempts : 0) + 1, lastAt: ctx.now(), revision: desired.revision };
    // No new automated sync from a reconcile that was in flight when stop() came.
    if (!ctx.stopped()) await ctx.writer.requestOperation(app, decision.operation);
    ctx.options.log.info({ app: key, revision: desired.revision, selfHeal: decision.selfHeal }, 'automated sync initiated');
  } else if (decision.kind === 'wait') {
    ctx.queue.add(key, 'compare', decision.retryInMs, ctx.now());
  } else if (decision.condition !== undefined) {
    return decision.condition;
  }
  return undefined;
}

/** The periodic refresh (argocd-cm `timeout.reconciliation`, with jitter): one timer per app at a time. */
function scheduleRefresh(ctx: ControllerContext, key: string, st: AppState): void {
  if (st.nextRefreshScheduled || ctx.stopped()) return;
  const settings = ctx.settings();
  const period = ctx.options.reconciliationMs ?? settings.reconciliationTimeoutMs;
  if (period <= 0) return;
  const jitter = ctx.options.reconciliationJitterMs ?? settings.reconciliationJitterMs;
  st.nextRefreshScheduled = true;
  ctx.queue.add(key, 'normal', period + Math.floor(ctx.random() * jitter), ctx.now());
}

function recordMetrics(ctx: ControllerContext, app: Application, status: ReconciledStatus, started: number, server: string): void {
  const metrics = ctx.options.metrics;
  if (metrics === undefined) return;
  const namespace = app.metadata.namespace ?? ctx.namespace;
  metrics.reconcile.observe({ namespace, dest_server: server }, (ctx.now() - started) / 1000);
  metrics.setApp({
    name: app.metadata.name,
    namespace,
    project: app.spec.project,
    repo: sourcesOf(app.spec)[0]?.repoURL ?? '',
    destServer: server,
    destNamespace: app.spec.destination.namespace ?? '',
    syncStatus: status.sync?.status ?? 'Unknown',
    healthStatus: status.health?.status ?? 'Unknown',
    operation: app.operation === undefined ? '' : 'sync',
    conditions: [...new Set((status.conditions ?? []).map((c) => c.type))],
  });
}
