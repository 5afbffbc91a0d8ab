// Shutdown that always finishes, shared by every long-running role (`kawa up`, `server`, `controller`,
// `repo-server`): the first SIGINT/SIGTERM stops every part at once (they stop accepting work and let
// what runs reach a step boundary), a deadline bounds the wait, and when it passes the parts still
// pending are named and the process exits anyway. A second signal exits at once.
//
// Why exit explicitly instead of letting the event loop drain: one forgotten handle (a keep-alive socket,
// a retry timer, a child process) would keep a stopped role alive, and a role that looks stopped but still
// reconciles is worse than one that is gone. Leader election makes the next one wait for the Lease, not
// for this process.

/** One part of a role, stopped in parallel with the others when the process is asked to stop. */
export interface ShutdownPart {
  readonly name: string;
  stop(): Promise<void>;
  /** What this part is still waiting for (logged when the deadline passes), e.g. `operation argocd/guestbook`. */
  pending?(): readonly string[];
}

/** Where signals come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ShutdownOptions {
  /** How long the parts get to stop (default 10 s). */
  timeoutMs?: number;
  log: (line: string) => void;
  /** Ends the process (default `process.exit`). */
  exit?: (code: number) => void;
  /** Last words before exit, e.g. killing child processes that would outlive us; returns what it did, if anything worth a log line. */
  beforeExit?: () => string | undefined;
  signals?: readonly NodeJS.Signals[];
  source?: SignalSource;
  timers?: ShutdownTimers;
  now?: () => number;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Exit codes: everything stopped in time; the deadline passed; a second signal cut the wait short. */
export const SHUTDOWN_EXIT = { clean: 0, deadline: 1, forced: 130 } as const;

const realTimers: ShutdownTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class Shutdown {
  private readonly parts: ShutdownPart[] = [];
  private readonly done = new Set<string>();
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;
  private readonly signals: readonly NodeJS.Signals[];
  private readonly source: SignalSource;
  private readonly timers: ShutdownTimers;
  private readonly now: () => number;
  private stopping: Promise<number> | undefined;
  private finished = false;
  private readonly listener = (signal: NodeJS.Signals): void => {
    this.onSignal(signal);
  };
  private resolveWaiting: ((code: number) => void) | undefined;
  private readonly waiting: Promise<number>;

  constructor(private readonly options: ShutdownOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.signals = options.signals ?? ['SIGINT', 'SIGTERM'];
    this.source = options.source ?? process;
    this.timers = options.timers ?? realTimers;
    this.now = options.now ?? Date.now;
    this.waiting = new Promise((resolve) => {
      this.resolveWaiting = resolve;
    });
  }

  /** Adds a part; parts added before or after the signal are all stopped (a late one at once). */
  add(part: ShutdownPart): this {
    this.parts.push(part);
    if (this.stopping !== undefined) void this.stopPart(part);
    return this;
  }

  /** Starts listening for the signals (call early: a signal during start-up must stop what started). */
  listen(): this {
    // `on`, not `once`: the second signal must find a listener too, or Node's default would kill us without a word.
    for (const s of this.signals) this.source.on(s, this.listener);
    return this;
  }

  /** Resolves with the exit code once the process was asked to stop and has stopped (or gave up). */
  wait(): Promise<number> {
    return this.waiting;
  }

  /** Parts not stopped yet, with what each still waits for. */
  pending(): string[] {
    return this.parts
      .filter((p) => !this.done.has(p.name))
      .map((p) => {
        const details = p.pending?.() ?? [];
        return details.length === 0 ? p.name : `${p.name} (${details.join(', ')})`;
      });
  }

  /** Stops every part within the deadline, then exits; a second call returns the same promise. */
  stop(reason: string): Promise<number> {
    this.stopping ??= this.run(reason);
    return this.stopping;
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.stopping === undefined) {
      void this.stop(signal);
      return;
    }
    const pending = this.pending();
    this.options.log(`${signal} again: exiting now${pending.length === 0 ? '' : `; not stopped: ${pending.join('; ')}`}`);
    this.finish(SHUTDOWN_EXIT.forced);
  }

  private async stopPart(part: ShutdownPart): Promise<void> {
    try {
      await part.stop();
    } catch (err) {
      this.options.log(`stopping ${part.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.done.add(part.name);
  }

  private async run(reason: string): Promise<number> {
    const started = this.now();
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    this.options.log(`stopping (${reason}): waiting up to ${seconds}s for running work to reach a safe point; a second signal exits at once`);
    let timer: unknown;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = this.timers.setTimeout(() => {
        resolve('deadline');
      }, this.timeoutMs);
    });
    const all = Promise.all(this.parts.map((p) => this.stopPart(p))).then(() => 'stopped' as const);
    const outcome = await Promise.race([all, deadline]);
    this.timers.clearTimeout(timer);
    if (outcome === 'deadline') {
      this.options.log(`shutdown deadline of ${seconds}s passed; exiting with work still pending: ${this.pending().join('; ') || 'nothing named'}`);
      return this.finish(SHUTDOWN_EXIT.deadline);
    }
    this.options.log(`stopped in ${((this.now() - started) / 1000).toFixed(1)}s`);
    return this.finish(SHUTDOWN_EXIT.clean);
  }

  private finish(code: number): number {
    if (this.finished) return code;
    this.finished = true;
    for (const s of this.signals) this.source.off(s, this.listener);
    const said = this.options.beforeExit?.();
    if (said !== undefined) this.options.log(said);
    this.resolveWaiting?.(code);
    this.exit(code);
    return code;
  }
}
