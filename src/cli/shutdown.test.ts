import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors.js';
import { httpServerPart, parseShutdownTimeout } from './shutdown.js';

describe('parseShutdownTimeout', () => {
  it.each([
    [undefined, 10_000],
    ['10s', 10_000],
    ['1m', 60_000],
    ['3', 3_000],
    ['0', 0],
    ['1500ms', 1_500],
  ])('%s → %i ms', (text, ms) => {
    expect(parseShutdownTimeout(text)).toBe(ms);
  });

  it.each(['soon', '-1', '10 s'])('refuses %s', (text) => {
    expect(() => parseShutdownTimeout(text)).toThrow(expect.objectContaining({ code: errorCodes.CLI_INVALID_ARGUMENT }) as Error);
  });
});

describe('httpServerPart', () => {
  it('names the connections still open and cuts them after the grace period, so close() finishes', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const close = (): Promise<void> =>
      new Promise((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    const lines: string[] = [];
    const part = httpServerPart('API server', server, close, 50, () => ['1 render'], (line) => lines.push(line));
    // Half a request: busy, not idle, so close() alone would wait for the request timeout.
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(part.pending?.()).toEqual(['1 open connection', '1 render']);
    await part.stop();
    await closed;
    expect(lines).toEqual(['API server: closing 1 connection still open (streams or slow requests)']);
  });
});
