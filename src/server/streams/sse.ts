// A Server-Sent Events writer for one client: framing, heartbeats, and a hard bound on what may queue up.
//
// Memory stays bounded per client: once the socket stops draining (`write` returned false), messages wait
// in a local queue until 'drain'; when that queue plus what Node already buffers for the socket exceeds
// `maxBufferedBytes`, the client is disconnected rather than buffered without limit. A client that
// reconnects resumes from its Last-Event-ID, so being cut off costs it a replay, not lost events.

/** What the writer needs of the response (a ServerResponse, or a plain Writable in tests). */
export interface SseSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  destroy(): void;
  end(): void;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface SseOptions {
  /** A comment line this often keeps proxies and clients from timing the stream out (default 15 s). */
  readonly heartbeatMs?: number;
  /** Queued bytes (local queue plus the socket's own buffer) above which the client is dropped (default 4 MiB). */
  readonly maxBufferedBytes?: number;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export type SseCloseReason = 'client' | 'overflow' | 'server';

export interface SseMessage {
  readonly data?: string;
  readonly id?: string;
  readonly event?: string;
}

/** One SSE block. `data` may span lines (each gets its own `data:`); `id` and `event` must not contain newlines. */
export function formatSse(message: SseMessage): string {
  let out = '';
  if (message.event !== undefined) out += `event: ${oneLine(message.event)}\n`;
  if (message.id !== undefined) out += `id: ${oneLine(message.id)}\n`;
  if (message.data !== undefined) {
    for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/** A comment block: ignored by clients, but bytes on the wire. */
export function formatComment(text: string): string {
  return `${text.split(/\r\n|\r|\n/).map((l) => `: ${l}`).join('\n')}\n\n`;
}

function oneLine(value: string): string {
  // A newline in a field would start a new field: the value comes from cluster data, so strip, never trust.
  return value.replace(/[\r\n\0]/g, '');
}

export class SseWriter {
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private blocked = false;
  private done = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBytes: number;
  private readonly closeListeners: ((reason: SseCloseReason) => void)[] = [];

  constructor(
    private readonly sink: SseSink,
    options: SseOptions = {},
  ) {
    this.maxBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.heartbeat = setInterval(() => {
      this.comment('heartbeat');
    }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.heartbeat.unref();
    sink.on('drain', this.onDrain);
    sink.on('close', this.onClose);
    // A reset connection: 'close' follows; without a listener the error would crash the process.
    sink.on('error', () => undefined);
  }

  get closed(): boolean {
    return this.done;
  }

  /** Bytes waiting for this client: the local queue plus what the socket has not flushed yet. */
  get pendingBytes(): number {
    return this.queuedBytes + this.sink.writableLength;
  }

  onClosed(listener: (reason: SseCloseReason) => void): void {
    this.closeListeners.push(listener);
  }

  /** Queues one event; false once the stream is closed (including when this write overflowed it). */
  send(message: SseMessage): boolean {
    return this.push(formatSse(message));
  }

  comment(text: string): boolean {
    return this.push(formatComment(text));
  }

  /** Ends the stream gracefully (server shutdown). */
  end(): void {
    if (this.done) return;
    this.finish('server');
    this.sink.end();
  }

  private push(chunk: string): boolean {
    if (this.done) return false;
    if (this.blocked) {
      this.queue.push(chunk);
      this.queuedBytes += Buffer.byteLength(chunk);
    } else if (!this.sink.write(chunk)) {
      this.blocked = true;
    }
    if (this.pendingBytes > this.maxBytes) {
      this.finish('overflow');
      this.sink.destroy();
      return false;
    }
    return true;
  }

  private readonly onDrain = (): void => {
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked && !this.done) {
      const chunk = this.queue.shift() ?? '';
      this.queuedBytes -= Buffer.byteLength(chunk);
      if (!this.sink.write(chunk)) this.blocked = true;
    }
  };

  private readonly onClose = (): void => {
    this.finish('client');
  };

  private finish(reason: SseCloseReason): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.sink.off('drain', this.onDrain);
    this.sink.off('close', this.onClose);
    for (const listener of this.closeListeners) listener(reason);
  }
}
