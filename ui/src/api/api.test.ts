import { describe, expect, it } from 'vitest';
import { parseLogLines } from './applications';
import { buildUrl, errorKindOf, messageOf } from './http';
import { ssoConfigured } from './settings';
import { parseTreeMessage, parseWatchMessage } from './stream';

describe('http helpers', () => {
  it('builds query strings, leaving out empty values and repeating lists', () => {
    expect(buildUrl('/api/v1/applications', { projects: ['a', 'b'], selector: undefined, refresh: '' })).toBe('/api/v1/applications?projects=a&projects=b');
    expect(buildUrl('/x', { cascade: false, n: 3 })).toBe('/x?cascade=false&n=3');
    expect(buildUrl('/x')).toBe('/x');
  });
  it('maps statuses to error kinds', () => {
    expect([0, 401, 403, 404, 409, 400, 503, 500].map(errorKindOf)).toEqual(['network', 'unauthenticated', 'forbidden', 'notFound', 'conflict', 'invalid', 'unavailable', 'server']);
  });
  it('reads the message of an Argo CD error body', () => {
    expect(messageOf({ error: 'e', code: 7, message: 'permission denied' }, 'x')).toBe('permission denied');
    expect(messageOf({ error: 'only error' }, 'x')).toBe('only error');
    expect(messageOf('nope', 'fallback')).toBe('fallback');
  });
});

describe('stream and logs parsing', () => {
  it('parses a watch message and rejects malformed ones', () => {
    const msg = JSON.stringify({ result: { type: 'MODIFIED', application: { metadata: { name: 'a' }, spec: {} } } });
    expect(parseWatchMessage(msg)?.type).toBe('MODIFIED');
    expect(parseWatchMessage('{"result":{"type":"BOOKMARK","application":{}}}')).toBeUndefined();
    expect(parseWatchMessage('not json')).toBeUndefined();
  });
  it('parses a resource-tree stream message, dropping malformed nodes', () => {
    const msg = JSON.stringify({
      result: {
        nodes: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'gb', name: 'web', uid: 'u1' }, { kind: 7 }, null],
        orphanedNodes: [],
      },
    });
    expect(parseTreeMessage(msg)).toEqual({ nodes: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'gb', name: 'web', uid: 'u1' }], orphanedNodes: [] });
    expect(parseTreeMessage('{"result":{"nodes":[]}}')).toEqual({ nodes: [], orphanedNodes: [] });
    expect(parseTreeMessage('{"result":{}}')).toBeUndefined();
    expect(parseTreeMessage('{"error":{"message":"x"}}')).toBeUndefined();
    expect(parseTreeMessage('nope')).toBeUndefined();
  });
  it('parses newline-delimited log entries', () => {
    const text = '{"result":{"content":"hello","podName":"p"}}\n{"result":{"content":"world","podName":"p"}}\n{"result":{"content":"","last":true}}\n';
    expect(parseLogLines(text).map((e) => e.content)).toEqual(['hello', 'world']);
  });
  it('says whether SSO is configured', () => {
    expect(ssoConfigured({})).toBe(false);
    expect(ssoConfigured({ oidcConfig: { name: 'Okta', issuer: 'https://idp' } })).toBe(true);
    expect(ssoConfigured({ dexConfig: { connectors: [{ name: 'GitHub', type: 'github' }] } })).toBe(true);
  });
});
