// Pod logs to an HTTP client as NDJSON, at the pace the client reads.
//
// A fast-logging Pod followed by a client that stops reading must not grow the server's memory: each
// pod's log sink waits for the response to drain before it takes the next chunk, and the wait travels
// back through the pipe to the Kubernetes API connection (its TCP window closes, the kubelet stops
// sending). What can still pile up — a line per followed Pod while they all wait, an endless line with
// no newline — is capped: past `maxBufferedBytes` waiting to be sent the stream ends with a final line
// saying why, and the Pods' log requests are aborted.
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';

export interface LogStreamLimits {
  /** Bytes that may wait in the response (and its socket) before the stream is ended (default 1 MiB). */
  readonly maxBufferedBytes: number;
  /** A longer log line is cut into pieces of this size (default 64 KiB). */
  readonly maxLineBytes: number;
}

export const DEFAULT_LOG_LIMITS: LogStreamLimits = { maxBufferedBytes: 1024 * 1024, maxLineBytes: 64 * 1024 };

/** The final line after which a stream ends. */
export const LAST_LINE = JSON.stringify({ result: { content: '', podName: '', last: true } });

/** The NDJSON response: lines go out as the client takes them; it ends once, on the first of end(), overflow, or the client leaving. */
export class NdjsonOut {
  private done = false;
  private drained: Promise<void> | undefined;
  private readonly endListeners = new Set<() => void>();
  /** Resolves when the stream has ended, for whatever reason. */
  readonly ended: Promise<void>;
  private resolveEnded: () => void = () => undefined;
  private started = false;

  /** `onStart` runs before the first byte goes out (the route writes the status line and headers there). */
  constructor(
    private readonly res: ServerResponse,
    private readonly limits: LogStreamLimits = DEFAULT_LOG_LIMITS,
    private readonly onStart: () => void = () => undefined,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    res.on('close', () => {
      this.finish();
    });
  }

  isEnded(): boolean {
    return this.done;
  }

  /** Whether anything was sent yet (before that, a failure can still be answered as an HTTP error). */
  isStarted(): boolean {
    return this.started;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.onStart();
  }

  /** Called once when the stream ends (the producers should stop). */
  onEnd(listener: () => void): void {
    if (this.done) listener();
    else this.endListeners.add(listener);
  }

  /** Bytes written but not yet taken by the client's socket (the response's buffer and the socket's). */
  get buffered(): number {
    return this.res.writableLength;
  }

  /** Sends a line; resolves when more may be sent (at once, or once the client has read enough). */
  async write(line: string): Promise<void> {
    if (this.done) return;
    this.start();
    const more = this.res.write(`${line}\n`);
    if (this.res.writableLength > this.limits.maxBufferedBytes) {
      this.end([
        JSON.stringify({ error: { message: `log stream stopped: the client did not read fast enough (more than ${this.limits.maxBufferedBytes} bytes waited to be sent)` } }),
        LAST_LINE,
      ]);
      return;
    }
    if (!more) await this.drain();
  }

  /** Writes the last lines (if the client is still there) and ends the response. */
  end(lines: readonly string[] = [LAST_LINE]): void {
    if (this.done) return;
    if (!this.res.destroyed) {
      this.start();
      for (const line of lines) this.res.write(`${line}\n`);
      this.res.end();
    }
    this.finish();
  }

  private drain(): Promise<void> {
    // One promise for every waiting pod: they all go on at the same 'drain'.
    this.drained ??= new Promise<void>((resolve) => {
      const go = (): void => {
        this.res.off('drain', go);
        this.endListeners.delete(go);
        this.drained = undefined;
        resolve();
      };
      this.res.on('drain', go);
      this.endListeners.add(go);
    });
    return this.drained;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const listener of [...this.endListeners]) listener();
    this.endListeners.clear();
    this.resolveEnded();
  }
}

/**
 * A Writable for one Pod's log (`timestamp content` lines from the Kubernetes API) that sends each line
 * as `{"result":{content,timeStamp,podName,last:false}}` and takes the next chunk only once `out` can
 * take more, so piping a stream into it pauses that stream while the client is behind.
 */
export function podLogSink(out: NdjsonOut, podName: string, options: { filter?: string | undefined; maxLineBytes?: number } = {}): Writable {
  const maxLine = options.maxLineBytes ?? DEFAULT_LOG_LIMITS.maxLineBytes;
  const filter = options.filter === undefined || options.filter === '' ? undefined : options.filter;
  let rest = '';
  /** The next piece continues a cut line: it has no timestamp of its own. */
  let continuing = false;

  const send = async (text: string, continued: boolean): Promise<void> => {
    if (filter !== undefined && !text.includes(filter)) return;
    const space = continued ? -1 : text.indexOf(' ');
    const timeStamp = space > 0 ? text.slice(0, space) : '';
    await out.write(JSON.stringify({ result: { content: space > 0 ? text.slice(space + 1) : text, timeStamp, podName, last: false } }));
  };

  const consume = async (chunk: Buffer): Promise<void> => {
    rest += chunk.toString('utf8');
    let newline = rest.indexOf('\n');
    while (newline >= 0 && !out.isEnded()) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      await send(line, continuing);
      continuing = false;
      newline = rest.indexOf('\n');
    }
    // A line without end (or a huge one) must not grow `rest` without bound: send it in pieces.
    while (rest.length > maxLine && !out.isEnded()) {
      const piece = rest.slice(0, maxLine);
      rest = rest.slice(maxLine);
      await send(piece, continuing);
      continuing = true;
    }
  };

  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      consume(chunk).then(
        () => {
          callback();
        },
        (err: unknown) => {
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
    final(callback) {
      const last = rest;
      rest = '';
      if (last === '' || out.isEnded()) {
        callback();
        return;
      }
      send(last, continuing).then(
        () => {
          callback();
        },
        (err: unknown) => {
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
  });
}
