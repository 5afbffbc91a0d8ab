// Following an application until a goal holds (`app sync`, `app wait`, `app rollback`): the SSE stream
// `/api/v1/stream/applications?name=` when the server offers it, polling `GET application` otherwise.
// Progress (operation phase, per-resource results with their phase and wave) goes to stderr.
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes } from '../../errors.js';
import type { Application, ResourceResult } from '../../model/index.js';
import type { ApiClient } from './api.js';
import { applicationsApi } from './api/applications.js';
import { statusColor, type Painter } from './io.js';
import { kawaCommand } from './kawa-command.js';

export interface WaitGoals {
  sync?: boolean;
  health?: boolean;
  operation?: boolean;
  suspended?: boolean;
  degraded?: boolean;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Error']);

/** No operation pending or running. */
export function operationDone(app: Application): boolean {
  if (app.operation !== undefined) return false;
  const phase = app.status?.operationState?.phase;
  return phase === undefined || TERMINAL.has(phase);
}

/** Whether every requested goal holds (no goal given means all of sync, health and operation). */
export function goalsMet(app: Application, goals: WaitGoals): boolean {
  const any = goals.sync === true || goals.health === true || goals.operation === true || goals.suspended === true || goals.degraded === true;
  const want = any ? goals : { sync: true, health: true, operation: true };
  const health = app.status?.health?.status;
  if (want.operation === true && !operationDone(app)) return false;
  if (want.sync === true && app.status?.sync?.status !== 'Synced') return false;
  if (want.health === true && health !== 'Healthy') return false;
  if (want.suspended === true && health !== 'Suspended') return false;
  if (want.degraded === true && health !== 'Degraded') return false;
  return true;
}

/** What `wait` reports when giving up: the state of each goal. */
export function describeState(app: Application): string {
  const op = app.status?.operationState;
  const parts = [`sync ${app.status?.sync?.status ?? 'unknown'}`, `health ${app.status?.health?.status ?? 'unknown'}`];
  if (app.operation !== undefined && op?.phase === undefined) parts.push('operation pending (is the controller running?)');
  else if (op !== undefined) parts.push(`operation ${op.phase}${op.message === undefined ? '' : `: ${op.message}`}`);
  return parts.join(', ');
}

const key = (r: { group?: string | undefined; kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string =>
  `${r.group ?? ''}/${r.kind ?? ''}/${r.namespace ?? ''}/${r.name ?? ''}`;

/** Turns successive states of one app into progress lines, printing only what changed. */
export class ProgressReporter {
  private phase: string | undefined;
  private readonly results = new Map<string, string>();
  private waveShown: string | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly paint: Painter,
  ) {}

  private color(text: string): string {
    const c = statusColor(text);
    return c === undefined ? text : this.paint(c, text);
  }

  update(app: Application): void {
    const op = app.status?.operationState;
    // A requested operation next to a finished state: that state is the previous operation's.
    if (op === undefined || (app.operation !== undefined && TERMINAL.has(op.phase))) {
      if (app.operation !== undefined && this.phase !== 'Pending') {
        this.phase = 'Pending';
        this.write(`operation pending: waiting for the controller to start it\n`);
      }
      return;
    }
    const waves = new Map<string, number>();
    for (const r of app.status?.resources ?? []) waves.set(key(r), r.syncWave ?? 0);
    for (const r of op.syncResult?.resources ?? []) this.result(r, waves);
    const phaseLine = `${op.phase}${op.message === undefined || op.message === '' ? '' : `: ${op.message}`}`;
    if (phaseLine !== this.phase) {
      this.phase = phaseLine;
      this.write(`${this.paint('bold', 'operation')} ${this.color(op.phase)}${op.message === undefined || op.message === '' ? '' : `: ${op.message}`}\n`);
    }
  }

  private result(r: ResourceResult, waves: Map<string, number>): void {
    const status = r.hookType !== undefined ? (r.hookPhase ?? r.status ?? '') : (r.status ?? '');
    const line = `${status}|${r.message ?? ''}`;
    const k = `${key(r)}|${r.hookType ?? ''}`;
    if (this.results.get(k) === line) return;
    this.results.set(k, line);
    const phase = r.syncPhase ?? (r.hookType ?? 'Sync');
    const wave = waves.get(key(r));
    const stage = `${phase}${wave === undefined ? '' : ` wave ${wave}`}`;
    if (stage !== this.waveShown) {
      this.waveShown = stage;
      this.write(`${this.paint('cyan', `── ${stage}`)}\n`);
    }
    const kind = r.group === undefined || r.group === '' ? (r.kind ?? '') : `${r.group}/${r.kind ?? ''}`;
    const where = r.namespace === undefined || r.namespace === '' ? (r.name ?? '') : `${r.namespace}/${r.name ?? ''}`;
    const hook = r.hookType === undefined ? '' : ` (${r.hookType} hook)`;
    this.write(`   ${this.color(status).padEnd(12)} ${kind} ${where}${hook}${r.message === undefined || r.message === '' ? '' : `: ${r.message}`}\n`);
  }
}

export interface FollowOptions {
  appNamespace?: string | undefined;
  timeoutMs?: number | undefined;
  pollMs?: number;
  /** Try the SSE stream first (default true). */
  stream?: boolean;
}

/**
 * Calls `onApp` with each new state of the app until it answers true; throws CLI_TIMEOUT after
 * `timeoutMs` (none: wait forever) with `describe(last)` in the message.
 */
export async function followApp(client: ApiClient, name: string, onApp: (app: Application) => boolean, options: FollowOptions = {}): Promise<Application> {
  const started = Date.now();
  const deadline = options.timeoutMs === undefined || options.timeoutMs <= 0 ? Infinity : started + options.timeoutMs;
  const id = { name, appNamespace: options.appNamespace };
  const applications = applicationsApi(client);
  const get = (): Promise<Application> => applications.get(id);
  let last = await get();
  if (onApp(last)) return last;

  const timedOut = (): UserError =>
    new UserError(
      errorCodes.CLI_TIMEOUT,
      `timed out after ${Math.round((Date.now() - started) / 1000)}s waiting for application ${name}: ${describeState(last)}; raise --timeout, or look at \`${kawaCommand(['app', 'get', name, '--show-operation'])}\``,
    );

  if (options.stream !== false) {
    const controller = new AbortController();
    const timer = Number.isFinite(deadline) ? setTimeout(() => {
      controller.abort();
    }, deadline - Date.now()) : undefined;
    // An object, so the narrowing of a plain `let` does not hide the callback's assignment.
    const state = { done: false };
    try {
      await applications.watch(id, controller.signal, (line) => {
        if (state.done || !line.startsWith('data:')) return;
        try {
          const event = JSON.parse(line.slice(5)) as { result?: { type?: string; application?: Application } };
          const app = event.result?.application;
          if (app === undefined || app.metadata.name !== name) return;
          last = app;
          if (event.result?.type === 'DELETED' || onApp(app)) {
            state.done = true;
            controller.abort();
          }
        } catch {
          // a malformed event is skipped; the next one carries the whole object again
        }
      });
    } catch {
      // No stream (older server, proxy): poll instead.
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (state.done) return last;
    if (Date.now() >= deadline) throw timedOut();
  }

  for (;;) {
    await sleep(Math.max(0, Math.min(options.pollMs ?? 1000, deadline - Date.now())));
    if (Date.now() >= deadline) throw timedOut();
    last = await get();
    if (onApp(last)) return last;
  }
}

/** Throws CLI_OPERATION_FAILED when the app's last operation failed. */
export function assertOperationSucceeded(app: Application, name: string): void {
  const op = app.status?.operationState;
  if (op === undefined || op.phase === 'Succeeded') return;
  if (op.phase === 'Failed' || op.phase === 'Error') {
    const failed = (op.syncResult?.resources ?? []).filter((r) => r.status === 'SyncFailed' || r.hookPhase === 'Failed' || r.hookPhase === 'Error');
    const details = failed.map((r) => `${r.kind ?? ''}/${r.name ?? ''}: ${r.message ?? ''}`).join('; ');
    throw new UserError(
      errorCodes.CLI_OPERATION_FAILED,
      `the operation on ${name} ended ${op.phase}: ${op.message ?? ''}${details === '' ? '' : ` (${details})`}; fix the cause and sync again (details: \`${kawaCommand(['app', 'get', name, '--show-operation'])}\`)`,
    );
  }
}
