import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeliveryLog, deliveryIdOf, detectProvider, hmacMatches, safeEqual, secretsFromData, verifyRequest, type Headers, type Provider, type WebhookSecrets } from './verify.js';

const body = Buffer.from('{"ref":"refs/heads/main"}');
const hmac = (secret: string, data: Buffer = body): string => createHmac('sha256', secret).update(data).digest('hex');
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

const secrets: WebhookSecrets = secretsFromData({
  'webhook.github.secret': 'gh-secret',
  'webhook.gitlab.secret': 'gl-token',
  'webhook.bitbucket.uuid': '{A1B2C3D4-0000-1111-2222-333344445555}',
  'webhook.bitbucketserver.secret': 'bbs-secret',
  'webhook.gogs.secret': 'gogs-secret',
  'webhook.azuredevops.username': 'azure',
  'webhook.azuredevops.password': 'pa:ss',
});

describe('detectProvider', () => {
  it.each<[Headers, Provider | undefined]>([
    [{ 'x-github-event': 'push' }, 'github'],
    [{ 'x-gitlab-event': 'Push Hook' }, 'gitlab'],
    [{ 'x-event-key': 'repo:push', 'x-hook-uuid': 'u' }, 'bitbucket'],
    [{ 'x-event-key': 'repo:refs_changed' }, 'bitbucketserver'],
    // Gitea sends Gogs' and GitHub's headers too.
    [{ 'x-gitea-event': 'push', 'x-gogs-event': 'push', 'x-github-event': 'push' }, 'gitea'],
    [{ 'x-gogs-event': 'push', 'x-github-event': 'push' }, 'gogs'],
    [{ 'x-vss-activityid': 'abc' }, 'azuredevops'],
    [{ 'content-type': 'application/json' }, undefined],
    [{ 'x-github-event': '' }, undefined],
  ])('%j → %s', (headers, provider) => {
    expect(detectProvider(headers)).toBe(provider);
  });
});

describe('verifyRequest', () => {
  type Row = [string, Provider, Headers, boolean];
  const rows: Row[] = [
    ['github good', 'github', { 'x-hub-signature-256': `sha256=${hmac('gh-secret')}` }, true],
    ['github upper-case hex', 'github', { 'x-hub-signature-256': `sha256=${hmac('gh-secret').toUpperCase()}` }, true],
    ['github wrong secret', 'github', { 'x-hub-signature-256': `sha256=${hmac('other')}` }, false],
    ['github other body', 'github', { 'x-hub-signature-256': `sha256=${hmac('gh-secret', Buffer.from('{}'))}` }, false],
    ['github missing', 'github', {}, false],
    ['github SHA-1 header only', 'github', { 'x-hub-signature': `sha1=${createHmac('sha1', 'gh-secret').update(body).digest('hex')}` }, false],
    ['github no prefix', 'github', { 'x-hub-signature-256': hmac('gh-secret') }, false],
    ['github truncated', 'github', { 'x-hub-signature-256': `sha256=${hmac('gh-secret').slice(0, 62)}` }, false],
    ['gitlab good', 'gitlab', { 'x-gitlab-token': 'gl-token' }, true],
    ['gitlab wrong', 'gitlab', { 'x-gitlab-token': 'gl-tokenX' }, false],
    ['gitlab missing', 'gitlab', {}, false],
    ['bitbucket good (braces, case)', 'bitbucket', { 'x-hook-uuid': '{a1b2c3d4-0000-1111-2222-333344445555}' }, true],
    ['bitbucket good (bare)', 'bitbucket', { 'x-hook-uuid': 'A1B2C3D4-0000-1111-2222-333344445555' }, true],
    ['bitbucket wrong', 'bitbucket', { 'x-hook-uuid': '{a1b2c3d4-0000-1111-2222-333344445556}' }, false],
    ['bitbucketserver good', 'bitbucketserver', { 'x-hub-signature': `sha256=${hmac('bbs-secret')}` }, true],
    ['bitbucketserver wrong', 'bitbucketserver', { 'x-hub-signature': `sha256=${hmac('gh-secret')}` }, false],
    ['bitbucketserver missing', 'bitbucketserver', {}, false],
    ['gitea good', 'gitea', { 'x-gitea-signature': hmac('gogs-secret') }, true],
    ['gitea wrong', 'gitea', { 'x-gitea-signature': hmac('nope') }, false],
    ['gitea missing', 'gitea', {}, false],
    ['gogs good', 'gogs', { 'x-gogs-signature': hmac('gogs-secret') }, true],
    ['gogs not hex', 'gogs', { 'x-gogs-signature': 'z'.repeat(64) }, false],
    ['azure good (password with colon)', 'azuredevops', { authorization: basic('azure', 'pa:ss') }, true],
    ['azure wrong password', 'azuredevops', { authorization: basic('azure', 'pa:sx') }, false],
    ['azure wrong user', 'azuredevops', { authorization: basic('other', 'pa:ss') }, false],
    ['azure bearer', 'azuredevops', { authorization: 'Bearer abc' }, false],
    ['azure missing', 'azuredevops', {}, false],
  ];
  it.each(rows)('%s', (_name, provider, headers, ok) => {
    const verdict = verifyRequest(provider, headers, body, secrets);
    expect(verdict.ok).toBe(ok);
    if (verdict.ok) expect(verdict.signed).toBe(true);
  });

  it('accepts unsigned events of providers without a configured secret (they can only trigger a refresh)', () => {
    for (const provider of ['github', 'gitlab', 'bitbucket', 'bitbucketserver', 'gitea', 'gogs', 'azuredevops'] as const) {
      expect(verifyRequest(provider, {}, body, secretsFromData({}))).toEqual({ ok: true, signed: false });
    }
    // An empty value is "not configured", as in Argo CD.
    expect(verifyRequest('github', {}, body, secretsFromData({ 'webhook.github.secret': '' }))).toEqual({ ok: true, signed: false });
    // Another provider's secret does not protect this one.
    expect(verifyRequest('gitlab', {}, body, secretsFromData({ 'webhook.github.secret': 'x' })).ok).toBe(true);
  });

  it('says why it refused', () => {
    expect(verifyRequest('github', {}, body, secrets)).toEqual({ ok: false, reason: 'missing X-Hub-Signature-256 header' });
    expect(verifyRequest('gitlab', { 'x-gitlab-token': 'x' }, body, secrets)).toEqual({ ok: false, reason: 'X-Gitlab-Token does not match the configured secret' });
  });
});

describe('constant-time comparisons', () => {
  it('compare values of any length without throwing (timingSafeEqual needs equal lengths)', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'a'.repeat(1000))).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(hmacMatches('s', body, '')).toBe(false);
    expect(hmacMatches('s', body, 'ab'.repeat(100))).toBe(false);
    expect(hmacMatches('s', body, hmac('s'))).toBe(true);
  });
});

describe('deliveryIdOf', () => {
  it.each<[Provider, Headers, string | undefined]>([
    ['github', { 'x-github-delivery': 'g-1' }, 'g-1'],
    ['gitlab', { 'x-gitlab-event-uuid': 'l-1' }, 'l-1'],
    ['gitlab', { 'x-gitlab-webhook-uuid': 'w-1' }, 'w-1'],
    ['bitbucket', { 'x-request-uuid': 'b-1' }, 'b-1'],
    ['bitbucketserver', { 'x-request-id': 's-1' }, 's-1'],
    ['gitea', { 'x-gitea-delivery': 't-1' }, 't-1'],
    ['gogs', { 'x-gogs-delivery': 'o-1' }, 'o-1'],
    ['azuredevops', { 'x-request-id': 'x' }, undefined],
    ['github', {}, undefined],
  ])('%s %j → %s', (provider, headers, id) => {
    expect(deliveryIdOf(provider, headers)).toBe(id);
  });
});

describe('DeliveryLog', () => {
  it('refuses an id seen inside the window and accepts it after', () => {
    let now = 0;
    const log = new DeliveryLog({ windowMs: 1000, now: () => now });
    expect(log.remember('a')).toBe(true);
    expect(log.remember('a')).toBe(false);
    now = 999;
    expect(log.remember('a')).toBe(false);
    now = 1000;
    expect(log.remember('a')).toBe(true);
  });

  it('stays bounded, dropping the oldest ids first', () => {
    const log = new DeliveryLog({ max: 3 });
    for (const id of ['a', 'b', 'c', 'd']) expect(log.remember(id)).toBe(true);
    expect(log.size).toBe(3);
    expect(log.remember('a')).toBe(true);
    expect(log.remember('d')).toBe(false);
  });

  it('forgets an id on request (the delivery failed on our side)', () => {
    const log = new DeliveryLog();
    log.remember('a');
    log.forget('a');
    expect(log.remember('a')).toBe(true);
  });
});
