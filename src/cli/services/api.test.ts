// What the CLI says when the server refuses or cannot be reached.
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { ApiClient, apiFailure, buildUrl, unreachable } from './api.js';
import { kawaCommand } from './kawa-command.js';

const target = { server: 'kawa:8080', plaintext: false, token: 'tok' };

describe('apiFailure', () => {
  it.each([
    [401, '{"error":"token expired: x","code":16,"message":"token expired: x"}', errorCodes.API_UNAUTHENTICATED, /token expired: x \(HTTP 401\); .*run `.*relogin`/],
    [403, '{"message":"permission denied"}', errorCodes.API_PERMISSION_DENIED, /does not exist, or your account may not do this/],
    [
      403,
      '{"message":"application spec is not permitted by its project","code":7,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"PROJECT_NOT_PERMITTED","domain":"kawa.dev","metadata":{"project":"team"}}]}',
      errorCodes.API_PERMISSION_DENIED,
      /proj add-destination team/,
    ],
    [404, '{"message":"no route for GET /api/v1/x"}', errorCodes.API_NOT_FOUND, /does not offer GET \/api\/v1\/x yet/],
    [404, '{"message":"app not found"}', errorCodes.API_NOT_FOUND, /check the name/],
    [409, '{"message":"exists","code":6}', errorCodes.API_CONFLICT, /--upsert/],
    [409, '{"message":"busy","code":9}', errorCodes.API_CONFLICT, /the message above says what must change first/],
    [400, '{"message":"spec.project: required"}', errorCodes.API_INVALID_ARGUMENT, /spec\.project: required/],
    [502, '<html>bad gateway</html>', errorCodes.CLI_API_FAILED, /<html>bad gateway<\/html> \(HTTP 502\); the server failed/],
  ])('%i %s', (status, body, code, message) => {
    const err = apiFailure(status, body, 'GET', '/api/v1/x?y=1', target);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^GET \/api\/v1\/x: /);
  });
  it('401 without a token says to log in', () => {
    expect(apiFailure(401, '{}', 'GET', '/p', { ...target, token: undefined }).message).toContain(`run \`${kawaCommand('login kawa:8080')}\``);
  });
  it('keeps the reason the server named', () => {
    const err = apiFailure(409, '{"message":"m","code":9,"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"AUTO_SYNC_ENABLED","domain":"kawa.dev"}]}', 'POST', '/r', target);
    expect(err.reason).toBe('AUTO_SYNC_ENABLED');
    expect(err.message).toMatch(/^POST \/r: m \(HTTP 409\); NAME has automated sync/);
  });
});

describe('unreachable', () => {
  it.each([
    ['ECONNREFUSED', /https:\/\/kawa:8080: nothing listens there/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /not trusted.*--insecure/],
    ['EPROTO', /does not speak TLS; pass --plaintext/],
    ['ENOTFOUND', /does not resolve/],
    ['KAWA_TIMEOUT', /did not answer in time/],
  ])('%s', (code, message) => {
    const err = unreachable(Object.assign(new Error('x'), { code }), target);
    expect(err.code).toBe(errorCodes.CLI_SERVER_UNREACHABLE);
    expect(err.message).toMatch(message);
  });
});

describe('buildUrl', () => {
  it('encodes, repeats lists and skips undefined', () => {
    expect(buildUrl('http://h:1', '/api/v1/applications', { projects: ['a', 'b c'], selector: undefined, refresh: 'hard' })).toBe('http://h:1/api/v1/applications?projects=a&projects=b+c&refresh=hard');
  });
});

describe('ApiClient', () => {
  it('sends the bearer token and JSON, parses answers and line streams', async () => {
    const seen: { auth?: string; body: string; url?: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body, url: req.url });
        if (req.url?.startsWith('/stream')) {
          res.write('data: {"a":1}\n\n');
          res.end('data: {"a":2}');
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(req.method === 'DELETE' ? '' : '{"ok":true}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = new ApiClient({ server: `127.0.0.1:${(server.address() as AddressInfo).port}`, plaintext: true, insecure: false, token: 'T' });
      expect(await client.call('POST', '/x', { body: { a: 1 } })).toEqual({ ok: true });
      expect(await client.call('DELETE', '/x')).toEqual({});
      const lines: string[] = [];
      await client.lines('/stream', {}, (l) => lines.push(l));
      expect(lines.filter((l) => l !== '')).toEqual(['data: {"a":1}', 'data: {"a":2}']);
      expect(seen[0]).toEqual({ auth: 'Bearer T', body: '{"a":1}', url: '/x' });
    } finally {
      server.close();
    }
  });
});
