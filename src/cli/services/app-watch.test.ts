// Waiting goals and the progress view of `app sync` / `app wait`.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import type { Application, ApplicationStatus, Operation } from '../../model/index.js';
import { ApiClient } from './api.js';
import { assertOperationSucceeded, describeState, followApp, goalsMet, operationDone, ProgressReporter } from './app-watch.js';
import { painter } from './io.js';

const app = (status: ApplicationStatus | undefined, operation?: Operation): Application => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'a' },
  spec: { project: 'default', destination: {} },
  ...(status === undefined ? {} : { status }),
  ...(operation === undefined ? {} : { operation }),
});
const opState = (phase: 'Running' | 'Succeeded' | 'Failed', resources: NonNullable<NonNullable<ApplicationStatus['operationState']>['syncResult']>['resources'] = [], message?: string) => ({
  operation: { sync: {} },
  phase,
  startedAt: '2026-01-01T00:00:00Z',
  ...(message === undefined ? {} : { message }),
  syncResult: { resources },
});

describe('goals', () => {
  const healthy = app({ sync: { status: 'Synced' }, health: { status: 'Healthy' } });
  it.each([
    ['no goal means all; done', healthy, {}, true],
    ['pending operation', app({ sync: { status: 'Synced' }, health: { status: 'Healthy' } }, { sync: {} }), {}, false],
    ['running operation', app({ sync: { status: 'Synced' }, health: { status: 'Healthy' }, operationState: opState('Running') }), { operation: true }, false],
    ['out of sync but only health wanted', app({ sync: { status: 'OutOfSync' }, health: { status: 'Healthy' } }), { health: true }, true],
    ['suspended', app({ health: { status: 'Suspended' } }), { suspended: true }, true],
    ['degraded wanted', app({ health: { status: 'Healthy' } }), { degraded: true }, false],
  ])('%s', (_name, a, goals, expected) => {
    expect(goalsMet(a, goals)).toBe(expected);
  });
  it('operationDone and describeState', () => {
    expect(operationDone(app(undefined))).toBe(true);
    expect(describeState(app(undefined, { sync: {} }))).toBe('sync unknown, health unknown, operation pending (is the controller running?)');
    expect(describeState(app({ operationState: opState('Failed', [], 'boom') }))).toContain('operation Failed: boom');
  });
});

describe('ProgressReporter', () => {
  it('prints phases, waves and each result once', () => {
    const lines: string[] = [];
    const reporter = new ProgressReporter((l) => lines.push(l), painter(false));
    reporter.update(app({ operationState: opState('Succeeded') }, { sync: {} }));
    const resources = [{ kind: 'Namespace', name: 'prod', status: 'Synced' as const, message: 'created', syncPhase: 'Sync' as const }];
    const status = (phase: 'Running' | 'Succeeded', more: typeof resources = []): ApplicationStatus => ({
      resources: [{ kind: 'Namespace', name: 'prod', syncWave: -1 }, { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'web', syncWave: 0 }],
      operationState: opState(phase, [...resources, ...more], phase === 'Running' ? 'one task remaining' : 'successfully synced'),
    });
    reporter.update(app(status('Running')));
    reporter.update(app(status('Running')));
    reporter.update(app(status('Succeeded', [{ group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'web', status: 'Synced', message: 'configured', syncPhase: 'Sync' }] as unknown as typeof resources)));
    expect(lines.join('')).toBe(
      [
        'operation pending: waiting for the controller to start it',
        '── Sync wave -1',
        '   Synced       Namespace prod: created',
        'operation Running: one task remaining',
        '── Sync wave 0',
        '   Synced       apps/Deployment prod/web: configured',
        'operation Succeeded: successfully synced',
        '',
      ].join('\n'),
    );
  });
});

describe('assertOperationSucceeded', () => {
  it('passes success, names the failed resources otherwise', () => {
    expect(() => {
      assertOperationSucceeded(app({ operationState: opState('Succeeded') }), 'a');
    }).not.toThrow();
    expect(() => {
      assertOperationSucceeded(app({ operationState: opState('Failed', [{ kind: 'Deployment', name: 'web', status: 'SyncFailed', message: 'namespaces "prod" not found' }], 'one or more objects failed to apply') }), 'a');
    }).toThrow(/ended Failed: one or more objects failed to apply \(Deployment\/web: namespaces "prod" not found\)/);
  });
});

describe('followApp', () => {
  const pending = app({ sync: { status: 'OutOfSync' } }, { sync: {} });
  const done = app({ sync: { status: 'Synced' }, operationState: opState('Succeeded') });

  async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ client: ApiClient; close: () => void }> {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new ApiClient({ server: `127.0.0.1:${(server.address() as AddressInfo).port}`, plaintext: true, insecure: false });
    return { client, close: () => server.close() };
  }

  it('follows the SSE stream until the goal holds', async () => {
    const { client, close } = await serve((req, res) => {
      if (req.url?.startsWith('/api/v1/stream/applications?name=a') === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ result: { type: 'ADDED', application: pending } })}\n\n`);
        setTimeout(() => res.write(`data: ${JSON.stringify({ result: { type: 'MODIFIED', application: done } })}\n\n`), 50);
        return;
      }
      res.end(JSON.stringify(pending));
    });
    try {
      const seen: string[] = [];
      const final = await followApp(client, 'a', (a) => {
        seen.push(a.status?.sync?.status ?? '');
        return operationDone(a);
      }, { timeoutMs: 5000 });
      expect(final.status?.operationState?.phase).toBe('Succeeded');
      expect(seen).toEqual(['OutOfSync', 'OutOfSync', 'Synced']);
    } finally {
      close();
    }
  });

  it('polls when the server has no stream, and times out saying why', async () => {
    let gets = 0;
    const { client, close } = await serve((req, res) => {
      if (req.url?.startsWith('/api/v1/stream/') === true) {
        res.writeHead(404).end('{"message":"no route"}');
        return;
      }
      gets++;
      res.end(JSON.stringify(gets >= 3 ? done : pending));
    });
    try {
      const final = await followApp(client, 'a', operationDone, { timeoutMs: 5000, pollMs: 20 });
      expect(final.status?.sync?.status).toBe('Synced');
      expect(gets).toBe(3);
      gets = -1000;
      await expect(followApp(client, 'a', operationDone, { timeoutMs: 200, pollMs: 20 })).rejects.toMatchObject({
        code: errorCodes.CLI_TIMEOUT,
        message: expect.stringContaining('operation pending (is the controller running?)') as string,
      });
    } finally {
      close();
    }
  });
});
