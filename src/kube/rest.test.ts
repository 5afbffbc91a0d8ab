// What an impersonating client puts on the wire, seen by a real HTTP server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeRest } from './rest.js';

let server: http.Server;
let url = '';
let seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end('{"gitVersion":"v1.0.0"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function kubeConfig(user: { token: string; impersonateUser?: string }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }], // client-node refuses plain http otherwise
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function headersOf(rest: KubeRest): Promise<http.IncomingHttpHeaders> {
  seen = [];
  await rest.getJson('/version');
  const [headers] = seen;
  if (headers === undefined) throw new Error('no request arrived');
  return headers;
}

describe('KubeRest impersonation', () => {
  it('the plain client sends no Impersonate-User; the derived one sends it with the same credentials', async () => {
    const rest = new KubeRest(kubeConfig({ token: 'controller-token' }));
    const plain = await headersOf(rest);
    expect([plain['authorization'], plain['impersonate-user']]).toEqual(['Bearer controller-token', undefined]);
    const asSa = rest.impersonating('system:serviceaccount:web:deployer');
    const impersonated = await headersOf(asSa);
    expect([impersonated['authorization'], impersonated['impersonate-user']]).toEqual(['Bearer controller-token', 'system:serviceaccount:web:deployer']);
    expect(asSa.impersonatedUser).toBe('system:serviceaccount:web:deployer');
    // The original client is unchanged.
    expect((await headersOf(rest))['impersonate-user']).toBeUndefined();
    rest.close();
    asSa.close();
  });

  it('replaces a user the kubeconfig itself impersonates', async () => {
    const rest = new KubeRest(kubeConfig({ token: 't', impersonateUser: 'admin' })).impersonating('system:serviceaccount:a:b');
    expect((await headersOf(rest))['impersonate-user']).toBe('system:serviceaccount:a:b');
    rest.close();
  });

  it('refuses an empty user name instead of acting as the controller', () => {
    expect(() => new KubeRest(kubeConfig({ token: 't' })).impersonating(' ')).toThrow('cannot impersonate an empty user name');
  });
});
