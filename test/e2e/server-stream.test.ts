// GET /api/v1/stream/applications end to end: a second kawa server with short heartbeats and a small
// per-client buffer, listening on a real port (inject() cannot stream), against the real API server.
import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginService } from '../../src/server/auth/index.js';
import { RbacService } from '../../src/server/rbac/index.js';
import { ArgoStore, buildServer, reloadRbac, type KawaServer } from '../../src/server/index.js';
import { appBody, teamProject, useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('srvstream');
const group = 'argoproj.io';
const version = 'v1alpha1';
const BUFFER_LIMIT = 1024 * 1024;

let server: KawaServer;
let base = '';
const warnings: string[] = [];

beforeAll(async () => {
  const rbac = await RbacService.create();
  await reloadRbac({ rbac, core: api.core, store: new ArgoStore(api.custom, api.core), namespace: api.ns, log: pino({ level: 'silent' }) });
  const login = await LoginService.create({ settings: api.accounts, sessions: api.sessions });
  server = await buildServer({
    custom: api.custom,
    core: api.core,
    sessions: api.sessions,
    login,
    rbac,
    namespace: api.ns,
    logger: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }),
    streams: { kubeConfig: api.kc, heartbeatMs: 200, maxBufferedBytes: BUFFER_LIMIT },
  });
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server.close();
});

interface SseBlock {
  id?: string;
  data?: string;
  comment?: string;
}

/** A raw SSE client over node:http, with helpers to wait for what arrives. */
class SseClient {
  readonly blocks: SseBlock[] = [];
  res: http.IncomingMessage | undefined;
  status = 0;
  closed = false;
  private buffer = '';
  private readonly waiters = new Set<() => void>();

  static async open(path: string, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers } }, (res) => {
        client.res = res;
        client.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          client.feed(chunk);
        });
        res.on('close', () => {
          client.closed = true;
          client.wake();
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
    });
    return client;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block: SseBlock = {};
      for (const line of this.buffer.slice(0, end).split('\n')) {
        if (line.startsWith(':')) block.comment = line.slice(1).trim();
        else if (line.startsWith('id: ')) block.id = line.slice(4);
        else if (line.startsWith('data: ')) block.data = (block.data === undefined ? '' : `${block.data}\n`) + line.slice(6);
      }
      this.buffer = this.buffer.slice(end + 2);
      this.blocks.push(block);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  /** The events with data, as `TYPE name`. */
  get events(): string[] {
    return this.blocks.filter((b) => b.data !== undefined).map((b) => describeEvent(b.data ?? ''));
  }

  /** The last id the client saw (what EventSource would send as Last-Event-ID). */
  get lastId(): string | undefined {
    return this.blocks.filter((b) => b.id !== undefined).at(-1)?.id;
  }

  async until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Waits until `event` (e.g. `MODIFIED web`) has arrived `count` times. */
  async waitFor(event: string, count = 1): Promise<void> {
    await this.until(event, () => this.events.filter((e) => e === event).length >= count);
  }

  close(): void {
    this.res?.destroy();
  }
}

function describeEvent(data: string): string {
  const parsed = JSON.parse(data) as { result: { type: string; application: { metadata: { name: string } } } };
  return `${parsed.result.type} ${parsed.result.application.metadata.name}`;
}

const clients: SseClient[] = [];
async function stream(query = '', token = api.adminToken, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(`/api/v1/stream/applications${query}`, token, headers);
  clients.push(client);
  return client;
}

afterAll(() => {
  for (const c of clients) c.close();
});

async function createApp(body: Json): Promise<void> {
  const res = await api.app.inject({ method: 'POST', url: '/api/v1/applications', headers: api.auth(api.adminToken), payload: body });
  expect(res.statusCode, res.body).toBe(200);
}

/** Read-modify-write of an Application's labels/annotations straight in the API server. */
async function relabel(name: string, labels: Record<string, string>, annotations?: Record<string, string>): Promise<void> {
  const current = await api.getApp(name);
  const meta = current['metadata'] as Json;
  const body = { ...current, metadata: { ...meta, labels, ...(annotations === undefined ? {} : { annotations }) } };
  await api.custom.replaceNamespacedCustomObject({ group, version, plural: 'applications', namespace: api.ns, name, body });
}

async function deleteApp(name: string): Promise<void> {
  await api.custom.deleteNamespacedCustomObject({ group, version, plural: 'applications', namespace: api.ns, name });
}

describe('application stream', () => {
  it('refuses anonymous callers and bad selectors before streaming', async () => {
    const anonymous = await fetch(`${base}/api/v1/stream/applications`);
    expect(anonymous.status).toBe(401);
    const bad = await fetch(`${base}/api/v1/stream/applications?selector=%3D%3D%3D`, { headers: api.auth(api.adminToken) });
    expect([bad.status, ((await bad.json()) as Json)['code']]).toEqual([400, 3]);
  });

  it('sends ADDED for existing apps, then MODIFIED on a label change and DELETED on removal', async () => {
    await createApp(appBody('web', { labels: { tier: 'front' } }));
    await createApp(appBody('db'));
    const client = await stream();
    expect(client.status).toBe(200);
    expect(client.res?.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await client.until('snapshot', () => client.events.length >= 2 && client.lastId !== undefined);
    expect(client.events).toEqual(['ADDED db', 'ADDED web']);

    await relabel('web', { tier: 'back' });
    await client.waitFor('MODIFIED web');
    await deleteApp('db');
    await client.waitFor('DELETED db');
    expect(client.events).toEqual(['ADDED db', 'ADDED web', 'MODIFIED web', 'DELETED db']);
    const modified = client.blocks.find((b) => b.data?.includes('"MODIFIED"'));
    const app = (JSON.parse(modified?.data ?? '{}') as { result: { application: { metadata: { labels: unknown; resourceVersion: string } } } }).result.application;
    expect(app.metadata.labels).toEqual({ tier: 'back' });
    // The event id is the Application's resourceVersion.
    expect(modified?.id).toBe(app.metadata.resourceVersion);
  });

  it('filters by name, project and label selector', async () => {
    const byLabel = await stream('?selector=tier%3Dback');
    const byName = await stream('?name=nothing-here');
    await byLabel.until('snapshot', () => byLabel.lastId !== undefined);
    await byName.until('snapshot', () => byName.lastId !== undefined);
    expect([byLabel.events, byName.events]).toEqual([['ADDED web'], []]);
  });

  it('shows a user only the apps of projects they may read, per event', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: api.auth(api.adminToken), payload: { project: teamProject() } });
    expect(created.statusCode, created.body).toBe(200);
    await createApp(appBody('team-app', { project: 'team', namespace: 'team-a', repoURL: 'https://github.com/example/app' }));
    const bob = await stream('', await api.loginAs('bob'));
    const alice = await stream('', await api.loginAs('alice'));
    const admin = await stream();
    await bob.until('snapshot', () => bob.lastId !== undefined);
    await alice.until('snapshot', () => alice.lastId !== undefined);
    expect([bob.events, alice.events]).toEqual([['ADDED team-app'], []]);

    await relabel('web', { tier: 'hidden' });
    await relabel('team-app', { seen: 'yes' });
    await admin.waitFor('MODIFIED team-app');
    await bob.waitFor('MODIFIED team-app');
    // bob never heard of `web`, though its change came first; alice hears nothing at all.
    expect(bob.events).toEqual(['ADDED team-app', 'MODIFIED team-app']);
    expect(alice.events).toEqual([]);
    expect(admin.events).toEqual(['ADDED team-app', 'ADDED web', 'MODIFIED web', 'MODIFIED team-app']);
  });

  it('resumes from a resourceVersion (query or Last-Event-ID) with only the newer events', async () => {
    const first = await stream();
    await first.until('snapshot', () => first.lastId !== undefined);
    const resumeAt = first.lastId ?? '';
    first.close();

    await relabel('web', { round: '1' });
    await relabel('team-app', { round: '1' });
    const byQuery = await stream(`?resourceVersion=${resumeAt}`);
    const byHeader = await stream('', api.adminToken, { 'last-event-id': resumeAt });
    for (const client of [byQuery, byHeader]) {
      await client.waitFor('MODIFIED team-app');
      expect(client.events).toEqual(['MODIFIED web', 'MODIFIED team-app']);
    }
    // Too old (before the watch started): a full snapshot instead.
    const old = await stream('?resourceVersion=1');
    await old.until('snapshot', () => old.lastId !== undefined);
    expect(old.events).toEqual(['ADDED team-app', 'ADDED web']);
  });

  it('sends heartbeats', async () => {
    const client = await stream('?name=nothing-here');
    await client.until('two heartbeats', () => client.blocks.filter((b) => b.comment === 'heartbeat').length >= 2, 5000);
  });

  it('disconnects a client that stops reading once it is over the buffer limit, while others keep receiving', async () => {
    await createApp(appBody('big'));
    const slow = await stream('?name=big');
    const normal = await stream('?name=big');
    await slow.until('snapshot', () => slow.lastId !== undefined);
    await normal.until('snapshot', () => normal.lastId !== undefined);
    slow.res?.pause();

    const padding = 'x'.repeat(200 * 1024);
    let rounds = 0;
    while (!warnings.some((w) => w.includes('too slow')) && rounds < 60) {
      rounds++;
      await relabel('big', { round: String(rounds) }, { padding: `${padding}${String(rounds)}` });
      await normal.waitFor('MODIFIED big', rounds);
    }
    expect(warnings.some((w) => w.includes('too slow'))).toBe(true);
    // Bounded: cut off after about buffer limit plus socket buffers, not after everything was queued.
    expect(rounds).toBeLessThan(60);

    // The normal client still gets every change after the slow one was dropped.
    await relabel('big', { round: 'after' });
    await normal.waitFor('MODIFIED big', rounds + 1);
    expect(normal.closed).toBe(false);

    // The slow client, reading again, finds its stream ended short of the latest events.
    slow.res?.resume();
    await slow.until('the end of the stream', () => slow.closed);
    expect(slow.events.filter((e) => e === 'MODIFIED big').length).toBeLessThan(rounds + 1);
  });
});
