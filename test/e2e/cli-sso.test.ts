// `kawa login --sso` against a real kawa API server configured for OIDC (argocd-cm `url` + `oidc.config`
// with a cliClientID) and a real OpenID Connect provider (oidc-provider on loopback, its development
// login pages driven over plain HTTP as a browser would): the CLI prints the authorization URL, listens
// on localhost for the redirect, exchanges the code with PKCE, keeps the verified id_token, and the server
// then knows the SSO user and groups. Also: a callback with the wrong state, a login cancelled at the
// provider, and `kawa relogin` of an SSO context.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, type CliRun } from '../../src/cli/run.js';
import { kawaCommand } from '../../src/cli/services/kawa-command.js';
import { cancelAtProvider, loginAtProvider, startOidcProvider, type TestOidcProvider } from '../harness/auth.js';
import { teamProject, useApiServer, type Json } from '../harness/server-api.js';

const KAWA_URL = 'http://kawa.test';
const CLIENT_SECRET = 'cli-sso-client-s3cret';
const USERS: Record<string, string[]> = { dave: ['sso-devs', 'everyone'], carol: ['sso-ops'] };

let provider: TestOidcProvider;
let issuer = '';

beforeAll(async () => {
  provider = await startOidcProvider(
    [
      { client_id: 'kawa', client_secret: CLIENT_SECRET, redirect_uris: [`${KAWA_URL}/auth/callback`] },
      // As registered for argocd's CLI; a native client's loopback redirect may use any port (RFC 8252).
      { client_id: 'kawa-cli', token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: ['http://localhost:8085/auth/callback'] },
    ],
    USERS,
  );
  issuer = provider.issuer;
});

afterAll(async () => {
  await provider.close();
});

const api = useApiServer('cli-sso', {
  configMap: () => ({
    url: KAWA_URL,
    'oidc.config': [
      'name: Test IdP',
      `issuer: ${issuer}`,
      'clientID: kawa',
      'clientSecret: $kawa-oidc:clientSecret',
      'cliClientID: kawa-cli',
      'requestedScopes: [openid, profile, email, groups]',
    ].join('\n'),
  }),
  rbacPolicy: `
g, sso-devs, role:team-dev
`,
});

let dir: string;
let configFile: string;
let server: string;

beforeAll(async () => {
  await api.core.createNamespacedSecret({
    namespace: api.ns,
    body: { metadata: { name: 'kawa-oidc', labels: { 'app.kubernetes.io/part-of': 'argocd' } }, stringData: { clientSecret: CLIENT_SECRET } },
  });
  const created = await api.app.inject({ method: 'POST', url: '/api/v1/projects', headers: api.auth(api.adminToken), payload: { project: teamProject() } });
  expect(created.statusCode).toBe(200);
  dir = await mkdtemp(path.join(tmpdir(), 'kawa-cli-sso-'));
  configFile = path.join(dir, 'config');
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  server = address.replace(/^http:\/\//, '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ENV = (): Record<string, string> => ({ KAWA_CONFIG: configFile, NO_COLOR: '1' });

/** `kawa ARGS` in-process. */
const kawa = (...args: string[]): Promise<CliRun> => runCli(args, ENV());

/** The authorization URL the CLI prints on stderr, once it is complete. */
const URL_LINE = /^(http:\/\/127\.0\.0\.1:\d+\/\S+)$/m;

/** A free loopback port. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => {
    resolve();
  }));
  return port;
}

/**
 * Runs `kawa ARGS` in-process while `browser` plays the user's browser with the authorization URL the
 * command prints; answers the command's result and what the browser did.
 */
async function withBrowser<T>(args: string[], browser: (authorizeUrl: string) => Promise<T>): Promise<{ run: CliRun; seen: T }> {
  let stderr = '';
  let announce: (url: string) => void = () => undefined;
  const printed = new Promise<string>((resolve) => (announce = resolve));
  const running = runCli(args, ENV(), {
    onStderr: (text) => {
      stderr += text;
      const url = URL_LINE.exec(stderr)?.[1];
      if (url !== undefined) announce(url);
    },
  });
  const authorizeUrl = await Promise.race([printed, running.then((run) => Promise.reject(new Error(`kawa ended before printing a URL: ${run.stderr}`)))]);
  // The command may end before the browser is done (it answers the browser, then fails or succeeds).
  const seen = await browser(authorizeUrl);
  return { run: await running, seen };
}

/** The browser following the provider's redirect to the CLI's listener: its status and page. */
async function visit(url: URL): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

const userOf = (config: string): Json => ((parse(config) as { users: Json[] }).users[0] ?? {});
const claimsOf = (jwt: string): Json => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;

describe('kawa login --sso', () => {
  it('logs in through the provider as the real binary, and the server knows the SSO user and groups', async () => {
    const port = await freePort();
    const redirect = `http://localhost:${String(port)}/auth/callback`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'login', server, '--plaintext', '--sso', '--sso-port', String(port), '--sso-launch-browser=false'], {
      env: { ...process.env, ...ENV(), KAWA_SERVER: '', KAWA_AUTH_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => {
        resolve(code ?? -1);
      });
    });
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const authorizeUrl = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const url = URL_LINE.exec(stderr)?.[1];
        if (url !== undefined) resolve(url);
      });
      void exited.then((code) => {
        reject(new Error(`kawa exited ${String(code)} before printing a URL: ${stderr}`));
      });
    });

    const authorize = new URL(authorizeUrl);
    expect(authorize.origin).toBe(issuer);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({ client_id: 'kawa-cli', response_type: 'code', redirect_uri: redirect, code_challenge_method: 'S256' });
    expect(params['scope']?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'groups']));
    for (const key of ['state', 'nonce', 'code_challenge']) expect(params[key]?.length ?? 0).toBeGreaterThanOrEqual(43);

    const back = await loginAtProvider(authorizeUrl, 'dave', redirect);
    expect(back.searchParams.get('code')).toBeTruthy();
    const page = await visit(back);
    expect([page.status, page.body]).toEqual([200, expect.stringContaining('Login complete')]);
    // The command ends on its own: the listener is closed and nothing keeps the process alive.
    expect(await exited).toBe(0);
    expect(stderr).toContain("'dave' logged in successfully");
    expect(stderr).toContain(`Context '${server}' updated`);
    await expect(fetch(`http://127.0.0.1:${String(port)}/auth/callback`)).rejects.toThrow();

    // The context holds the provider's id_token for the CLI client, which was never printed.
    const config = await readFile(configFile, 'utf8');
    expect(parse(config)).toMatchObject({ 'current-context': server, servers: [{ server, 'plain-text': true }] });
    const token = String(userOf(config)['auth-token']);
    expect(claimsOf(token)).toMatchObject({ iss: issuer, aud: 'kawa-cli', sub: 'dave', nonce: params['nonce'], groups: ['sso-devs', 'everyone'] });
    expect(`${stdout}${stderr}`).not.toContain(token);

    const info = await kawa('account', 'get-user-info');
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^Logged In:\s+true$/m);
    expect(info.stdout).toMatch(/^Username:\s+dave$/m);
    expect(info.stdout).toMatch(new RegExp(`^Issuer:\\s+${issuer.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(info.stdout).toMatch(/^Groups:\s+sso-devs,everyone$/m);
    // The groups claim drives RBAC for the CLI too: `g, sso-devs, role:team-dev`.
    expect((await kawa('proj', 'get', 'team')).code).toBe(0);
    expect((await kawa('proj', 'get', 'default')).code).toBe(1);
  });

  it('refuses a callback whose state is not the one it sent, and stores nothing', async () => {
    const before = await readFile(configFile, 'utf8');
    let genuine: URL | undefined;
    const { run, seen } = await withBrowser(['login', server, '--plaintext', '--sso', '--sso-port', '0', '--sso-launch-browser=false'], async (authorizeUrl) => {
      const redirect = new URL(authorizeUrl).searchParams.get('redirect_uri') ?? '';
      genuine = await loginAtProvider(authorizeUrl, 'carol', redirect);
      const forged = new URL(genuine);
      forged.searchParams.set('state', 'x'.repeat(43));
      return visit(forged);
    });
    expect(seen).toEqual({ status: 400, body: expect.stringContaining('state mismatch') as string });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: state mismatch: .*\(KAWA_CLI_SSO_FAILED\)/);
    expect(run.stderr).toContain(`run \`${kawaCommand('login SERVER --sso')}\` again`);
    expect(await readFile(configFile, 'utf8')).toBe(before);
    // One callback only: the listener is gone, so the genuine answer cannot be used afterwards either.
    await expect(fetch(genuine ?? '')).rejects.toThrow();
    expect((await kawa('account', 'get-user-info')).stdout).toMatch(/^Username:\s+dave$/m);
  });

  it('reports a login cancelled at the provider', async () => {
    const before = await readFile(configFile, 'utf8');
    const { run, seen } = await withBrowser(['login', server, '--plaintext', '--sso', '--sso-port', '0', '--sso-launch-browser=false'], async (authorizeUrl) => {
      const redirect = new URL(authorizeUrl).searchParams.get('redirect_uri') ?? '';
      const back = await cancelAtProvider(authorizeUrl, redirect);
      expect(back.searchParams.get('error')).toBe('access_denied');
      return visit(back);
    });
    expect(seen.status).toBe(400);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: the login was denied at the identity provider (access_denied: End-User aborted interaction): run \`${kawaCommand('login SERVER --sso')}\` again`);
    expect(await readFile(configFile, 'utf8')).toBe(before);
  });

  it('says so when the port for the callback is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const run = await kawa('login', server, '--plaintext', '--sso', '--sso-port', port, '--sso-launch-browser=false');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(run.stderr).toContain('--sso-port');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => {
        resolve();
      }));
    }
  });

  it('relogin of an SSO context logs in through the provider again', async () => {
    const before = String(userOf(await readFile(configFile, 'utf8'))['auth-token']);
    const { run } = await withBrowser(['relogin', '--sso-port', '0', '--sso-launch-browser=false'], async (authorizeUrl) => {
      const redirect = new URL(authorizeUrl).searchParams.get('redirect_uri') ?? '';
      return visit(await loginAtProvider(authorizeUrl, 'carol', redirect));
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("'carol' logged in successfully");
    const after = String(userOf(await readFile(configFile, 'utf8'))['auth-token']);
    expect(after).not.toBe(before);
    const info = await kawa('account', 'get-user-info');
    expect(info.stdout).toMatch(/^Username:\s+carol$/m);
    expect(info.stdout).toMatch(/^Groups:\s+sso-ops$/m);
  });
});
