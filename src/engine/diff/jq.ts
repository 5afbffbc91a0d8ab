// `ignoreDifferences[].jqPathExpressions` with the real jq (jq 1.7.1 compiled to WebAssembly, npm `jq-wasm`).
//
// An expression is evaluated as `[path(EXPR)]`; every path it yields is removed from desired and live, as
// Argo CD does with `del(EXPR)`. Argo CD stops jq after `ignore.normalizer.jq.timeout` (1 s by default).
//
// Why a worker: jq-wasm runs jq's `main()` synchronously inside WebAssembly, which cannot be interrupted on
// the thread that runs it, and `JqPathEvaluator.paths` is synchronous. So jq runs in one `worker_threads`
// Worker, reused across calls; the caller blocks on `Atomics.wait` until the worker answers or the time
// limit passes, and on timeout the worker is terminated and a new one is started for the next call.
// The worker source is inline (eval) so it runs the same from `src/` under Vitest and from `dist/`.

import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { JqPathEvaluator } from './ignore.js';
import type { PathSegment } from './pointer.js';
import type { KubeObject } from './types.js';

export interface JqEvaluatorOptions {
  /** Time limit of one evaluation. Default 1000 ms (Argo CD's `ignore.normalizer.jq.timeout`). */
  timeoutMs?: number;
  /** Time limit for (re)starting the worker and loading jq. Default 10000 ms. */
  startupTimeoutMs?: number;
}

export interface JqEvaluator extends JqPathEvaluator {
  /** Stops the worker. Later calls start a new one. */
  close(): Promise<void>;
}

export const DEFAULT_JQ_TIMEOUT_MS = 1000;
const DEFAULT_STARTUP_TIMEOUT_MS = 10_000;

// Flags shared with the worker: [0] an answer is waiting on the port, [1] jq is loaded (2: loading failed).
const ANSWER = 0;
const READY = 1;
const RUNS_PER_INSTANCE = 100;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { jqPath, flags, port } = workerData;
const signal = new Int32Array(flags);
// jq-wasm feeds stdin one byte at a time with \`stdinBuffer.slice(1)\`, copying the rest of the input per
// byte (quadratic: ~50 ms for a 28 KB object). \`subarray\` is the same view without the copy.
function loadJq() {
  const fs = require('node:fs');
  const path = require('node:path');
  const source = fs.readFileSync(jqPath, 'utf8').replace('stdinBuffer = stdinBuffer.slice(1);', 'stdinBuffer = stdinBuffer.subarray(1);');
  const module = { exports: {} };
  new Function('module', 'exports', 'require', '__filename', '__dirname', source)(module, module.exports, require, jqPath, path.dirname(jqPath));
  return module.exports;
}
function answer(message) {
  port.postMessage(message);
  Atomics.store(signal, ${String(ANSWER)}, 1);
  Atomics.notify(signal, ${String(ANSWER)});
}
// jq-wasm runs jq's main() on one instance per call; after ~300 calls that instance hangs (state leaks
// across runs), so a fresh instance is created every ${String(RUNS_PER_INSTANCE)} evaluations (~40 ms, amortized).
const factory = loadJq();
let jq;
let runs = 0;
async function fresh() {
  jq = await factory();
  await jq.raw('null', '.', ['-c']);
  runs = 0;
}
fresh()
  .then(() => {
    port.on('message', async (request) => {
      try {
        if (runs >= ${String(RUNS_PER_INSTANCE)}) await fresh();
        runs++;
        answer({ output: await jq.raw(request.input, request.program, ['-c']) });
      } catch (err) {
        answer({ error: err instanceof Error ? err.message : String(err) });
      }
    });
    Atomics.store(signal, ${String(READY)}, 1);
    Atomics.notify(signal, ${String(READY)});
    parentPort.postMessage('ready');
  })
  .catch((err) => {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    Atomics.store(signal, ${String(READY)}, 2);
    Atomics.notify(signal, ${String(READY)});
    parentPort.postMessage('failed');
  });
`;

interface Session {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Waits (blocking) until `signal[index]` is no longer 0 or `ms` pass; returns the value. */
function waitFlag(signal: Int32Array, index: number, ms: number): number {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = Atomics.load(signal, index);
    if (value !== 0) return value;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return 0;
    Atomics.wait(signal, index, 0, remaining);
  }
}

/** Turns jq's `[path(EXPR)]` output into path segments. */
export function parsePaths(expression: string, output: string): PathSegment[][] {
  const parsed: unknown = JSON.parse(output === '' ? '[]' : output);
  if (!Array.isArray(parsed)) throw new Error(`jq "${expression}" did not produce a list of paths`);
  return parsed.map((path: unknown) => {
    if (!Array.isArray(path)) throw new Error(`jq "${expression}" produced a path that is not a list`);
    return path.map((segment: unknown) => {
      if (typeof segment === 'string' || (typeof segment === 'number' && Number.isInteger(segment))) return segment;
      // Slices (`.[1:3]`) and other exotic paths cannot be mapped onto a JSON pointer.
      throw new Error(`jq "${expression}" selects an unsupported path segment ${JSON.stringify(segment)}`);
    });
  });
}

/** The jq program run for an expression; newlines keep a trailing `#` comment from swallowing the wrapper. */
export function pathProgram(expression: string): string {
  return `[path(\n${expression}\n)]`;
}

class WorkerJqEvaluator implements JqEvaluator {
  private session: Session | undefined;
  private readonly jqPath: string;

  constructor(
    private readonly timeoutMs: number,
    private readonly startupTimeoutMs: number,
  ) {
    this.jqPath = createRequire(import.meta.url).resolve('jq-wasm/dist/build/jq.js');
  }

  /** Starts a worker; the returned promise settles once jq is loaded. */
  start(): Promise<void> {
    const flags = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jqPath: this.jqPath, flags, port: port2 }, transferList: [port2] });
    worker.unref();
    port1.unref();
    const session: Session = { worker, port: port1, signal: new Int32Array(flags) };
    this.session = session;
    return new Promise((resolve, reject) => {
      worker.once('message', (message: unknown) => {
        if (message === 'ready') resolve();
        else reject(new Error(`jq failed to load: ${this.loadError(session)}`));
      });
      worker.once('error', (err) => {
        if (this.session === session) this.session = undefined;
        reject(err);
      });
    });
  }

  private loadError(session: Session): string {
    const message = receiveMessageOnPort(session.port)?.message as unknown;
    return isRecord(message) && typeof message.error === 'string' ? message.error : 'unknown error';
  }

  private stop(session: Session): void {
    if (this.session === session) this.session = undefined;
    session.port.close();
    void session.worker.terminate();
  }

  private readySession(): Session {
    if (!this.session) void this.start().catch(() => undefined);
    const session = this.session;
    if (!session) throw new Error('jq worker could not be started');
    const ready = waitFlag(session.signal, READY, this.startupTimeoutMs);
    if (ready === 1) return session;
    const reason = ready === 2 ? this.loadError(session) : `not loaded within ${String(this.startupTimeoutMs)} ms`;
    this.stop(session);
    throw new Error(`jq is not available: ${reason}`);
  }

  paths(expression: string, obj: KubeObject): ReadonlyArray<readonly PathSegment[]> {
    const session = this.readySession();
    Atomics.store(session.signal, ANSWER, 0);
    session.port.postMessage({ program: pathProgram(expression), input: JSON.stringify(obj) });
    if (waitFlag(session.signal, ANSWER, this.timeoutMs) === 0) {
      this.stop(session);
      throw new Error(`jq "${expression}" did not finish within ${String(this.timeoutMs)} ms`);
    }
    const message = receiveMessageOnPort(session.port)?.message as unknown;
    if (!isRecord(message)) throw new Error(`jq "${expression}": no answer from the jq worker`);
    if (typeof message.error === 'string') throw new Error(`jq "${expression}" is invalid or failed: ${message.error}`);
    return parsePaths(expression, typeof message.output === 'string' ? message.output : '');
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    session.port.close();
    await session.worker.terminate();
  }
}

/**
 * A `JqPathEvaluator` backed by jq 1.7.1 (WebAssembly) in a worker thread. Resolves once jq is loaded.
 * Each `paths()` call blocks the calling thread for at most `timeoutMs` (plus a restart after a timeout).
 */
export async function createJqEvaluator(options: JqEvaluatorOptions = {}): Promise<JqEvaluator> {
  const evaluator = new WorkerJqEvaluator(options.timeoutMs ?? DEFAULT_JQ_TIMEOUT_MS, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
  await evaluator.start();
  return evaluator;
}
