// The API server against a real API server (issue: the API server, "Benchmark"):
//   - GET /api/v1/applications with APPS Applications (default 1,000): latency p50/p99 through fastify's
//     inject (the server alone) and through a real socket from a second process on loopback (HTTP, JSON,
//     keep-alive), served from the watch cache; the same through inject with the cache off (a LIST per
//     request) for comparison. Target p50 ≤ 20 ms.
//   - GET /api/v1/applications/{name}: requests/s, through inject and from the second process (16 in flight).
// Every request is authenticated (admin's session token) and RBAC-filtered, as in production.
// Needs a cluster: $KAWA_BENCH_KUBECONFIG, $KAWA_TEST_KUBECONFIG, else `.kawa/test.kubeconfig` or `.kawa/kubeconfig`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { KubeRest } from '../src/kube/index.js';
import { INITIAL_ADMIN_SECRET } from '../src/server/auth/index.js';
import { assembleServer, type KawaServer } from '../src/server/index.js';
import { findBenchCluster, percentile, pool } from './cluster.js';
import type { BenchResult, Benchmark } from './harness.js';

const APPS = Number(process.env['KAWA_BENCH_APPS'] ?? 1000);
const LIST_REQUESTS = 60;
const GET_SECONDS = 3;
const IN_FLIGHT = 16;


/** Latencies (ms) of `count` sequential injected GETs, after a few warm-up ones. */
async function injectLatencies(app: KawaServer, url: string, token: string, count: number, expectItems?: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = -5; i < count; i++) {
    const start = performance.now();
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const ms = performance.now() - start;
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${String(res.statusCode)} ${res.body.slice(0, 200)}`);
    if (expectItems !== undefined && i === 0) {
      const items = res.json<{ items: unknown[] }>().items.length;
      if (items !== expectItems) throw new Error(`GET ${url} listed ${String(items)} apps, not ${String(expectItems)}`);
    }
    if (i >= 0) out.push(ms);
  }
  return out;
}

/** Requests/s of injected GETs with `IN_FLIGHT` in flight for `seconds`. */
async function injectRate(app: KawaServer, url: string, token: string, seconds: number): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
        if (res.statusCode !== 200) throw new Error(`GET ${url}: ${String(res.statusCode)}`);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

// The load generator of the second process: plain Node (fetch keeps connections alive), JSON on stdout.
const CLIENT = `
const [url, token, mode, amount, inFlight] = process.argv.slice(1);
const headers = { authorization: 'Bearer ' + token };
const get = async () => {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error('GET ' + url + ': ' + res.status);
};
for (let i = 0; i < 5; i++) await get();
if (mode === 'latency') {
  const ms = [];
  for (let i = 0; i < Number(amount); i++) { const t = performance.now(); await get(); ms.push(performance.now() - t); }
  process.stdout.write(JSON.stringify({ ms }));
} else {
  let done = 0; const start = performance.now(); const end = start + Number(amount) * 1000;
  await Promise.all(Array.from({ length: Number(inFlight) }, async () => { while (performance.now() < end) { await get(); done++; } }));
  process.stdout.write(JSON.stringify({ rate: done / ((performance.now() - start) / 1000) }));
}
`;

/** 200 SSE connections in one process; prints the delay of each event carrying a `bench/at` annotation. */
const SSE_CLIENTS = 200;
const SSE_UPDATES = 500;
const SSE_CLIENT = `
const [url, token, clients, expected] = process.argv.slice(1);
const delays = [];
let seen = 0;
const controllers = [];
let opened = 0;
await Promise.all(Array.from({ length: Number(clients) }, async () => {
  const ac = new AbortController(); controllers.push(ac);
  const res = await fetch(url, { headers: { authorization: 'Bearer ' + token }, signal: ac.signal });
  opened++;
  if (opened === Number(clients)) process.stderr.write('ready\\n');
  const decoder = new TextDecoder(); let buf = '';
  try {
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\\n\\n')) >= 0) {
        const block = buf.slice(0, i); buf = buf.slice(i + 2);
        for (const line of block.split('\\n')) {
          if (!line.startsWith('data: ')) continue;
          const at = JSON.parse(line.slice(6)).result?.application?.metadata?.annotations?.['bench/at'];
          if (at !== undefined) { delays.push(Date.now() - Number(at)); seen++; }
        }
      }
      if (seen >= Number(expected)) { for (const c of controllers) c.abort(); }
    }
  } catch {}
}));
process.stdout.write(JSON.stringify({ ms: delays }));
`;

function runClient(args: readonly string[]): Promise<{ ms?: number[]; rate?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`load client exited ${String(code)}: ${err.slice(0, 500)}`));
      else resolve(JSON.parse(out) as { ms?: number[]; rate?: number });
    });
  });
}

function latencyResults(label: string, ms: readonly number[], notes: string): BenchResult[] {
  return [
    { name: `server: list ${String(APPS)} apps p50 (${label})`, figure: percentile(ms, 50), unit: 'ms', target: 20, higherIsBetter: false, notes },
    { name: `server: list ${String(APPS)} apps p99 (${label})`, figure: percentile(ms, 99), unit: 'ms', higherIsBetter: false, notes },
  ];
}

export const serverBenchmarks: Benchmark = {
  name: 'server',
  run: async (): Promise<BenchResult[]> => {
    const found = await findBenchCluster();
    if (typeof found === 'string') return [{ name: 'server: skipped', figure: 0, unit: '', higherIsBetter: true, notes: found }];
    const kc = found;
    const rest = new KubeRest(kc);
    const ns = `bench-srv-${randomBytes(3).toString('hex')}`;
    const logger = pino({ level: 'silent' });
    const results: BenchResult[] = [];
    const closers: (() => Promise<void>)[] = [];
    try {
      await rest.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
      const cached = await assembleServer({ kubeConfig: kc, namespace: ns, logger, installCrds: true });
      closers.push(() => cached.app.close());
      const uncached = await assembleServer({ kubeConfig: kc, namespace: ns, logger, cacheApplications: false });
      closers.push(() => uncached.app.close());

      const initial = (await rest.getJson(`/api/v1/namespaces/${ns}/secrets/${INITIAL_ADMIN_SECRET}`)) as { data?: { password?: string } };
      const password = Buffer.from(initial.data?.password ?? '', 'base64').toString('utf8');
      const login = await cached.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password } });
      if (login.statusCode !== 200) throw new Error(`admin login: ${String(login.statusCode)} ${login.body}`);
      const token = login.json<{ token: string }>().token;

      const createStart = performance.now();
      await pool(APPS, 16, (i) =>
        rest.request('POST', `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`, {
          body: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Application',
            metadata: { name: `app-${String(i).padStart(4, '0')}`, namespace: ns, labels: { team: `t${String(i % 10)}`, 'app.kubernetes.io/part-of': 'bench' } },
            spec: {
              project: 'default',
              source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: `apps/${String(i)}`, targetRevision: 'HEAD', helm: { valueFiles: ['values.yaml'], parameters: [{ name: 'replicas', value: '2' }] } },
              destination: { server: 'https://kubernetes.default.svc', namespace: `team-${String(i % 10)}` },
              syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
            },
          },
        }),
      );
      process.stderr.write(`[bench] server: ${String(APPS)} apps created in ${((performance.now() - createStart) / 1000).toFixed(1)} s\n`);

      const listUrl = '/api/v1/applications';
      // The first lists start the watch and are answered by LISTs until it has synced; wait for that.
      const deadline = Date.now() + 60_000;
      for (;;) {
        await cached.app.inject({ method: 'GET', url: listUrl, headers: { authorization: `Bearer ${token}` } });
        const sample = await injectLatencies(cached.app, listUrl, token, 3, APPS);
        if (percentile(sample, 50) < 200 || Date.now() > deadline) break;
      }
      const body = await cached.app.inject({ method: 'GET', url: listUrl, headers: { authorization: `Bearer ${token}` } });
      const kib = Math.round(body.rawPayload.length / 1024);

      results.push(...latencyResults('inject, watch cache', await injectLatencies(cached.app, listUrl, token, LIST_REQUESTS, APPS), `${String(kib)} KiB per answer`));
      results.push(...latencyResults('inject, LIST per request', await injectLatencies(uncached.app, listUrl, token, Math.ceil(LIST_REQUESTS / 3), APPS), 'for comparison: the cache off'));

      const address = await cached.app.listen({ host: '127.0.0.1', port: 0 });
      const socket = await runClient([`${address}${listUrl}`, token, 'latency', String(LIST_REQUESTS), '1']);
      results.push(...latencyResults('socket, second process', socket.ms ?? [], 'HTTP/1.1 keep-alive on loopback'));

      const getUrl = '/api/v1/applications/app-0500';
      results.push({ name: 'server: GET one app (inject)', figure: await injectRate(cached.app, getUrl, token, GET_SECONDS), unit: 'req/s', higherIsBetter: true, notes: `${String(IN_FLIGHT)} in flight` });
      const rate = await runClient([`${address}${getUrl}`, token, 'rate', String(GET_SECONDS), String(IN_FLIGHT)]);
      results.push({ name: 'server: GET one app (socket, second process)', figure: rate.rate ?? 0, unit: 'req/s', higherIsBetter: true, notes: `${String(IN_FLIGHT)} in flight` });
      const listRate = await runClient([`${address}${listUrl}`, token, 'rate', String(GET_SECONDS), '4']);
      results.push({ name: `server: list ${String(APPS)} apps (socket, second process)`, figure: listRate.rate ?? 0, unit: 'req/s', higherIsBetter: true, notes: '4 in flight' });

      // SSE: 200 clients watch every app while SSE_UPDATES app updates go through at about 100/s.
      const sse = spawn(process.execPath, ['--input-type=module', '-e', SSE_CLIENT, `${address}/api/v1/stream/applications`, token, String(SSE_CLIENTS), String(SSE_CLIENTS * SSE_UPDATES * 0.95)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let sseOut = '';
      sse.stdout.on('data', (c: Buffer) => (sseOut += c.toString('utf8')));
      await new Promise<void>((resolve) => {
        sse.stderr.on('data', (c: Buffer) => {
          if (c.toString('utf8').includes('ready')) resolve();
        });
        setTimeout(resolve, 30_000);
      });
      const sseDone = new Promise<void>((resolve) => sse.once('close', () => { resolve(); }));
      let peakRss = process.memoryUsage().rss;
      const updateStart = performance.now();
      await pool(SSE_UPDATES, 4, async (i) => {
        const due = updateStart + i * 10;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await rest.request('PATCH', `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications/app-${String(i % APPS).padStart(4, '0')}`, {
          body: { metadata: { annotations: { 'bench/at': String(Date.now()) } } },
          contentType: 'application/merge-patch+json',
        });
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      });
      await Promise.race([sseDone, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      sse.kill();
      const delays = sseOut === '' ? [] : (JSON.parse(sseOut) as { ms: number[] }).ms;
      results.push({
        name: `server: SSE event delay p99 (${String(SSE_CLIENTS)} clients)`,
        figure: percentile(delays, 99),
        unit: 'ms',
        higherIsBetter: false,
        notes: `${String(delays.length)} deliveries of ${String(SSE_UPDATES)} updates at ~100/s; p50 ${percentile(delays, 50).toFixed(0)} ms`,
      });
      results.push({ name: `server: RSS with ${String(SSE_CLIENTS)} SSE clients`, figure: peakRss / 1024 / 1024, unit: 'MB', higherIsBetter: false, notes: 'bench process (the server, its watch cache, the load driver)' });
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await rest.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
      rest.close();
    }
    return results;
  },
};
