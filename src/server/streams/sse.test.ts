import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SseWriter, formatComment, formatSse, type SseSink } from './sse.js';

/** A response stand-in: accepts writes until `capacity` bytes are buffered, drains only when told to. */
class FakeSink extends EventEmitter implements SseSink {
  written: string[] = [];
  buffered = 0;
  destroyed = false;
  ended = false;
  constructor(private readonly capacity: number) {
    super();
  }
  get writableLength(): number {
    return this.buffered;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.buffered += Buffer.byteLength(chunk);
    return this.buffered < this.capacity;
  }
  /** The client read everything. */
  drain(): void {
    this.buffered = 0;
    this.emit('drain');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
  end(): void {
    this.ended = true;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SSE framing', () => {
  it('writes id, event and one data line per line, ending with a blank line', () => {
    expect(formatSse({ id: '42', data: '{"a":1}' })).toBe('id: 42\ndata: {"a":1}\n\n');
    expect(formatSse({ event: 'x', data: 'one\ntwo\r\nthree' })).toBe('event: x\ndata: one\ndata: two\ndata: three\n\n');
    expect(formatSse({ id: '7' })).toBe('id: 7\n\n');
  });

  it('never lets a field value start a new field', () => {
    expect(formatSse({ id: '1\ndata: injected', data: 'x' })).toBe('id: 1data: injected\ndata: x\n\n');
  });

  it('writes comments with a colon prefix', () => {
    expect(formatComment('heartbeat')).toBe(': heartbeat\n\n');
  });
});

describe('SseWriter', () => {
  it('sends a heartbeat comment every interval until closed', () => {
    vi.useFakeTimers();
    const sink = new FakeSink(1 << 20);
    const writer = new SseWriter(sink, { heartbeatMs: 1000 });
    vi.advanceTimersByTime(3500);
    expect(sink.written).toEqual([': heartbeat\n\n', ': heartbeat\n\n', ': heartbeat\n\n']);
    sink.emit('close');
    expect(writer.closed).toBe(true);
    vi.advanceTimersByTime(5000);
    expect(sink.written).toHaveLength(3);
  });

  it('queues while the socket is full and flushes in order on drain', () => {
    const sink = new FakeSink(20);
    const writer = new SseWriter(sink, { maxBufferedBytes: 1000 });
    writer.send({ id: '1', data: 'aaaaaaaaaaaaaaaa' }); // fills the socket
    writer.send({ id: '2', data: 'b' });
    writer.send({ id: '3', data: 'c' });
    expect(sink.written).toHaveLength(1);
    expect(writer.pendingBytes).toBeGreaterThan(sink.buffered);
    sink.drain();
    expect(sink.written.join('')).toBe('id: 1\ndata: aaaaaaaaaaaaaaaa\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n');
    expect(writer.closed).toBe(false);
  });

  it('disconnects a client that never drains once its queued bytes pass the limit, and reports why', () => {
    const sink = new FakeSink(100);
    const writer = new SseWriter(sink, { maxBufferedBytes: 1024 });
    const reasons: string[] = [];
    writer.onClosed((r) => reasons.push(r));
    const payload = 'x'.repeat(90);
    let sent = 0;
    while (writer.send({ data: payload })) sent++;
    // Bounded: it stopped near the limit, not after an unbounded number of writes.
    expect(sent).toBeLessThan(12);
    expect([sink.destroyed, writer.closed, reasons]).toEqual([true, true, ['overflow']]);
    expect(writer.pendingBytes).toBeLessThanOrEqual(sink.buffered);
    // Nothing more is accepted or queued after the cut.
    expect(writer.send({ data: 'late' })).toBe(false);
    expect(sink.written.at(-1)).not.toContain('late');
  });

  it('counts heartbeats against the limit too, so an idle stuck client is dropped as well', () => {
    vi.useFakeTimers();
    const sink = new FakeSink(0);
    const writer = new SseWriter(sink, { heartbeatMs: 10, maxBufferedBytes: 100 });
    vi.advanceTimersByTime(1000);
    expect(writer.closed).toBe(true);
    expect(sink.destroyed).toBe(true);
  });

  it('ends gracefully on server shutdown', () => {
    const sink = new FakeSink(1000);
    const writer = new SseWriter(sink);
    const reasons: string[] = [];
    writer.onClosed((r) => reasons.push(r));
    writer.end();
    expect([sink.ended, sink.destroyed, reasons]).toEqual([true, false, ['server']]);
  });
});
