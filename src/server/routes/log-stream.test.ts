// Pod-log streaming against a real HTTP connection: fast Readable sources (kwok Pods write no logs, and
// a real kubelet could not be made to log fast on cue) piped into podLogSink, and a real client socket
// that stops reading. What is measured is the server side: bytes waiting in the response and its socket
// stay under the cap, the source is paused rather than drained into memory, and when too much waits the
// stream ends with a final line saying why.
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LAST_LINE, NdjsonOut, podLogSink, type LogStreamLimits } from './log-stream.js';

/** An endless source of `timestamp text` lines, as fast as it is read; counts what it produced. */
class FastLog extends Readable {
  produced = 0;
  private n = 0;
  constructor(private readonly lineBytes: number) {
    super();
  }
  override _read(): void {
    // 64 KiB per read: a fast Pod as the Kubernetes API would deliver it.
    let chunk = '';
    while (chunk.length < 64 * 1024) {
      this.n += 1;
      const prefix = `2026-12-06T13:00:00.${String(this.n).padStart(9, '0')}Z line ${this.n} `;
      chunk += `${prefix}${'x'.repeat(Math.max(0, this.lineBytes - prefix.length - 1))}\n`;
    }
    this.produced += chunk.length;
    this.push(chunk);
  }
}

interface Served {
  out: NdjsonOut;
  sources: Readable[];
  /** Resolve when each source's sink has taken everything. */
  finished: Promise<void>[];
  /** The most bytes seen waiting in the response, sampled every few ms. */
  maxBuffered: number;
}

let server: Server | undefined;
let client: IncomingMessage | undefined;

afterEach(async () => {
  client?.destroy();
  client = undefined;
  const s = server;
  server = undefined;
  if (s !== undefined) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => {
      s.close(() => {
        resolve();
      });
    });
  }
});

/** Serves one streaming response fed by `makeSources`, and opens a client that does not read. */
async function serve(limits: LogStreamLimits, makeSources: () => Readable[]): Promise<{ served: Served; response: IncomingMessage }> {
  let served: Served | undefined;
  server = createServer((_req, res: ServerResponse) => {
    const out = new NdjsonOut(res, limits, () => res.writeHead(200, { 'content-type': 'application/x-ndjson' }));
    const sources = makeSources();
    const sinks = sources.map((_, i) => podLogSink(out, `pod-${i}`, { maxLineBytes: limits.maxLineBytes }));
    const state: Served = { out, sources, maxBuffered: 0, finished: sinks.map((sink) => new Promise<void>((resolve) => sink.on('finish', resolve))) };
    const sampler = setInterval(() => {
      state.maxBuffered = Math.max(state.maxBuffered, out.buffered);
    }, 2);
    out.onEnd(() => {
      for (const s of sources) s.destroy();
    });
    res.on('close', () => {
      clearInterval(sampler);
    });
    sources.forEach((source, i) => source.pipe(sinks[i] ?? podLogSink(out, 'unreachable')));
    served = state;
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      // A client that stops reading at once: nothing is taken from the socket from here on.
      res.pause();
      resolve(res);
    }).on('error', reject);
  });
  client = response;
  if (served === undefined) throw new Error('no request reached the server');
  return { served, response };
}

/** Waits until `value()` has not changed for `quietMs` (or fails after `timeoutMs`). */
async function settled(value: () => number, quietMs = 300, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
  }
  throw new Error(`still changing after ${timeoutMs} ms (last ${last})`);
}

async function readAll(res: IncomingMessage): Promise<string[]> {
  const chunks: Buffer[] = [];
  res.resume();
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '');
}

describe('pod log streaming to a client that stops reading', () => {
  it('pauses the source instead of buffering: the server holds less than the cap, and goes on when the client reads', async () => {
    const limits = { maxBufferedBytes: 256 * 1024, maxLineBytes: 64 * 1024 };
    const { served, response } = await serve(limits, () => [new FastLog(200)]);
    const source = served.sources[0] as FastLog;
    // The source stops being read once the socket buffers are full (the kernel's take a few MB).
    const stalledAt = await settled(() => source.produced);
    expect(stalledAt).toBeLessThan(64 * 1024 * 1024);
    expect(served.maxBuffered).toBeLessThanOrEqual(limits.maxBufferedBytes);
    expect(served.out.buffered).toBeLessThanOrEqual(limits.maxBufferedBytes);
    // Paused, not cut off: reading again lets the source go on.
    expect(served.out.isEnded()).toBe(false);
    response.resume();
    await expect.poll(() => source.produced, { timeout: 10_000 }).toBeGreaterThan(stalledAt + 1024 * 1024);
    expect(served.maxBuffered).toBeLessThanOrEqual(limits.maxBufferedBytes);
  });

  it('ends the stream with a final line saying why when more than the cap waits (many followed Pods)', async () => {
    const limits = { maxBufferedBytes: 128 * 1024, maxLineBytes: 64 * 1024 };
    const { served, response } = await serve(limits, () => Array.from({ length: 40 }, () => new FastLog(16 * 1024)));
    await served.out.ended;
    // At most one line per source beyond the cap, plus the two final lines.
    expect(served.out.buffered).toBeLessThanOrEqual(limits.maxBufferedBytes + 40 * 16 * 1024);
    expect(served.sources.every((s) => s.destroyed)).toBe(true);
    const lines = await readAll(response);
    expect(lines.slice(-2)).toEqual([
      JSON.stringify({ error: { message: `log stream stopped: the client did not read fast enough (more than ${limits.maxBufferedBytes} bytes waited to be sent)` } }),
      LAST_LINE,
    ]);
    for (const line of lines.slice(0, -2)) {
      const { result } = JSON.parse(line) as { result: { podName: string; last: boolean; timeStamp: string } };
      expect([result.podName, result.last, result.timeStamp.slice(0, 11)]).toEqual([expect.stringMatching(/^pod-\d+$/) as unknown, false, '2026-12-06T']);
    }
  });

  it('cuts a line without end into pieces instead of holding it whole', async () => {
    const limits = { maxBufferedBytes: 1024 * 1024, maxLineBytes: 1000 };
    const text = `2026-12-06T13:00:00Z ${'y'.repeat(2500)}`;
    const { served, response } = await serve(limits, () => [Readable.from([Buffer.from(text)])]);
    await Promise.all(served.finished);
    served.out.end();
    const lines = (await readAll(response)).map((l) => JSON.parse(l) as { result: { content: string; timeStamp?: string } });
    expect(lines.map((l) => l.result.content.length)).toEqual([1000 - 21, 1000, 521, 0]);
    expect(lines[0]?.result.timeStamp).toBe('2026-12-06T13:00:00Z');
    expect(lines[1]?.result.timeStamp).toBe('');
    expect(lines.slice(0, 3).map((l) => l.result.content).join('')).toBe('y'.repeat(2500));
  });
});
