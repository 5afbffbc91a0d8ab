// The credentials a repo server request carries: what travels (no `extra` keys, nothing of other fields),
// that the repo server resolves from them exactly what the caller would, and that their values never come
// back in an answer — not in a validation message, not in a JSON syntax error, not in a render failure —
// nor in the repo server's log (a real RepoService behind the real HTTP API, a real git server).
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempDirs, createRepo } from '../../test/harness/git.js';
import { errorCodes, UserError } from '../errors.js';
import { startGitHttpServer, type GitHttpServer } from '../git/http-server.js';
import { GitMirrorCache } from '../git/mirror.js';
import { resolveRepoCredentials, type CredentialSources } from '../git/repo-credentials.js';
import { manifestRequestSchema, RepoServerClient, parseRepoServerUrl, REPO_SERVER_API, startRepoServerHttp, type RepoServerHttp } from './http.js';
import { describeIssues, fromRequestCredentials, redactSecrets, secretValuesOf, toRequestCredentials } from './request-credentials.js';
import { RepoService } from './service.js';

const PASSWORD = 'request-only-password-4711';
const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';

const sources = (url: string, password = PASSWORD): CredentialSources => ({
  repositories: [
    { secretName: 'team-repo', url, type: 'git', project: 'team', username: 'team', password, extra: { someKey: 'not-for-the-repo-server' } },
    { secretName: 'charts', url: 'https://charts.example.com/stable', type: 'helm', name: 'stable', extra: {} },
  ],
  templates: [{ secretName: 'ssh-creds', url: 'git@git.example.com:', type: 'git', sshPrivateKey: KEY, extra: {} }],
});

describe('request credentials on the wire', () => {
  it('carry URLs, scopes, names and credentials, and no extra keys; the repo server resolves the same credentials from them', () => {
    const original = sources('https://git.example.com/team.git');
    const wire = toRequestCredentials(original);
    expect(JSON.stringify(wire)).not.toContain('not-for-the-repo-server');
    expect(wire.repositories[0]).toEqual({ url: 'https://git.example.com/team.git', type: 'git', project: 'team', secretName: 'team-repo', username: 'team', password: PASSWORD });
    const back = fromRequestCredentials(JSON.parse(JSON.stringify(wire)) as typeof wire);
    for (const [url, project] of [
      ['https://git.example.com/team.git', 'team'],
      ['https://git.example.com/team.git', 'other'],
      ['git@git.example.com:org/app.git', 'team'],
    ] as const) {
      expect(resolveRepoCredentials(url, project, back)).toEqual(resolveRepoCredentials(url, project, original));
    }
  });

  it('name the place of a malformed credential, never its value', () => {
    const parsed = manifestRequestSchema.safeParse({
      source: { repoURL: 'https://git.example.com/team.git' },
      appName: 'app',
      credentials: { repositories: [{ url: 'https://git.example.com/team.git', type: 'svn', password: PASSWORD, insecure: PASSWORD }], templates: [] },
    });
    expect(parsed.success).toBe(false);
    const problems = describeIssues(parsed.error?.issues ?? []);
    expect(problems).toEqual(['credentials.repositories.0.type: invalid (invalid_value; value not shown)', 'credentials.repositories.0.insecure: invalid (invalid_type; value not shown)']);
  });

  it('redact each secret value, and each line of a key', () => {
    const secrets = secretValuesOf(toRequestCredentials(sources('https://git.example.com/team.git')));
    expect(redactSecrets(`git said ${PASSWORD} twice: ${PASSWORD}`, secrets)).toBe('git said *** twice: ***');
    expect(redactSecrets(`a key: ${KEY}`, secrets)).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    expect(redactSecrets('one line of it: b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', secrets)).toBe('one line of it: ***');
    // Usernames and URLs are not secrets: messages keep them.
    expect(redactSecrets('user team at https://git.example.com/team.git', secrets)).toBe('user team at https://git.example.com/team.git');
  });
});

describe('parseRepoServerUrl', () => {
  it("takes a URL or Argo CD's host:port, and refuses anything else", () => {
    expect(parseRepoServerUrl('http://kawa-repo-server:8081/')).toBe('http://kawa-repo-server:8081');
    expect(parseRepoServerUrl('kawa-repo-server:8081')).toBe('http://kawa-repo-server:8081');
    expect(parseRepoServerUrl('https://repo.example:443')).toBe('https://repo.example');
    for (const bad of ['ftp://host:21', 'http://user:pw@host:8081', 'http://host:8081/?x=1', 'http://']) {
      expect(() => parseRepoServerUrl(bad), bad).toThrow(UserError);
    }
    expect(() => parseRepoServerUrl('http://user:s3cret-pw@host:8081')).toThrow(/"http:\/\/\*\*\*@host:8081"/);
  });
});

describe('the repo server answers and logs no credential a request carried', () => {
  const tmp = new TempDirs();
  let git: GitHttpServer;
  let url = '';
  let server: RepoServerHttp;
  let logged = '';

  beforeAll(async () => {
    const work = await createRepo(path.join(await tmp.make('kawa-rc-work-'), 'app'));
    await work.commit('app', { files: { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: private}\ndata: {marker: private}\n' } });
    const root = await tmp.make('kawa-rc-root-');
    await work.publishBare(root, 'private');
    git = await startGitHttpServer({ root, auth: { username: 'team', password: PASSWORD } });
    url = git.urlFor('private');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    server = await startRepoServerHttp({
      service: new RepoService({ mirrors: new GitMirrorCache({ cacheRoot: await tmp.make('kawa-rc-mirrors-') }), workRoot: await tmp.make('kawa-rc-checkouts-') }),
      port: 0,
      log: pino({ level: 'debug' }, sink),
    });
  });

  afterAll(async () => {
    await server.close();
    await git.close();
    await tmp.cleanup();
  });

  it('renders with the credentials of the request, and a failure that would quote one says *** instead', async () => {
    const client = new RepoServerClient({ url: server.url, credentials: () => sources(url) });
    const ok = await client.generateManifests({ source: { repoURL: url, path: 'app' }, appName: 'app', project: 'team' });
    expect(JSON.stringify(ok.objects)).toContain('private');
    // A revision that happens to equal the password: git's "not found" names the revision, the answer must not.
    const err = await client.generateManifests({ source: { repoURL: url, path: 'app', targetRevision: PASSWORD }, appName: 'app', project: 'team' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain('***');
    expect((err as UserError).message).not.toContain(PASSWORD);
    // The same answer straight from the HTTP API (not the client's own redaction).
    const body = { source: { repoURL: url, path: 'app', targetRevision: PASSWORD }, appName: 'app', project: 'team', credentials: toRequestCredentials(sources(url)) };
    const raw = await fetch(`${server.url}${REPO_SERVER_API.manifests}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(raw.status).toBe(400);
    expect(await raw.text()).not.toContain(PASSWORD);
    expect(logged).not.toContain(PASSWORD);
  });

  it("probes a repository's refs with exactly the credentials given, and refuses wrong ones without quoting them", async () => {
    const client = new RepoServerClient({ url: server.url });
    const refs = await client.lsRemote(url, { username: 'team', password: PASSWORD });
    expect([...refs.refs.keys()]).toContain('HEAD');
    const wrong = 'a-wrong-password-0815';
    const err = await client.lsRemote(url, { username: 'team', password: wrong }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as UserError).code).toBe(errorCodes.GIT_AUTH_FAILED);
    expect((err as UserError).message).not.toContain(wrong);
    expect(logged).not.toContain(wrong);
  });

  it('a malformed body answers 400 without quoting it', async () => {
    const malformed = `{"source":{"repoURL":"${url}"},"appName":"app","credentials":{"repositories":[{"url":"${url}","type":"git","password":"${PASSWORD}"}],"templates":[]},}`;
    const raw = await fetch(`${server.url}${REPO_SERVER_API.manifests}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: malformed });
    expect(raw.status).toBe(400);
    const answer = (await raw.json()) as { code: string; message: string };
    expect(answer).toEqual({ code: errorCodes.API_INVALID_ARGUMENT, message: 'the request body is not valid JSON' });
    const wrongType = await fetch(`${server.url}${REPO_SERVER_API.resolve}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: { repoURL: url }, credentials: { repositories: [{ url, type: 'git', password: PASSWORD, username: 42 }], templates: [] } }),
    });
    expect(wrongType.status).toBe(400);
    const text = await wrongType.text();
    expect(text).toContain('credentials.repositories.0.username');
    expect(text).not.toContain(PASSWORD);
    expect(logged).not.toContain(PASSWORD);
  });
});
