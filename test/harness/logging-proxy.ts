// A plain-HTTP proxy to a test cluster that adds the kubeconfig's client credentials and passes
// everything through (watches included), logging each request: for tests that count what a component
// asks the API server, e.g. that a watch-backed reader makes no request per token check.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface LoggingProxy {
  /** A kubeconfig that talks to the cluster through the proxy. */
  readonly kc: KubeConfig;
  /** `METHOD path?query` (URL-decoded) of every request, in arrival order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function loggingProxy(upstreamKc: KubeConfig): Promise<LoggingProxy> {
  const cluster = upstreamKc.getCurrentCluster();
  if (cluster === null) throw new Error('no cluster');
  const upstream = new URL(cluster.server);
  const tls: https.RequestOptions = {};
  await upstreamKc.applyToHTTPSOptions(tls);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method ?? ''} ${decodeURIComponent(url)}`);
    const { host: _host, ...headers } = req.headers;
    const forward = https.request({ host: upstream.hostname, port: upstream.port, path: url, method: req.method, headers, ca: tls.ca, cert: tls.cert, key: tls.key }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'proxy', server: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, skipTLSVerify: true }],
    users: [{ name: 'proxy' }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
    currentContext: 'proxy',
  });
  return {
    kc,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
