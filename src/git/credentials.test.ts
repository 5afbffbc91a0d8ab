import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '../../test/harness/git.js';
import { exec } from '../util/exec.js';
import {
  credentialsFor,
  findRepoCredsTemplate,
  prepareGitAuth,
  scrubSecrets,
  shellQuote,
  withGitAuth,
  type RepoCredsTemplate,
} from './credentials.js';
import { isolatedGitEnv, withGitConfig } from './env.js';
import { parseRepoUrl } from './url.js';

const tmp = new TempDirs();
afterAll(async () => {
  await tmp.cleanup();
});

async function mode(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

describe('findRepoCredsTemplate', () => {
  const templates: RepoCredsTemplate[] = [
    { url: 'https://github.com/', username: 'any' },
    { url: 'https://github.com/argoproj', username: 'org' },
    { url: 'https://github.com/argoproj/argo-cd.git', username: 'repo' },
    { url: 'git@github.com:argoproj', sshPrivateKey: 'k' },
    { url: 'https://git.example.com', username: 'example' },
    { url: 'ext::sh', username: 'invalid templates are skipped' },
  ];
  it.each([
    ['https://github.com/argoproj/argo-cd', 'repo'],
    ['https://github.com/argoproj/argo-cd.git', 'repo'],
    ['https://github.com/argoproj/other', 'org'],
    ['https://GITHUB.com/someone/else', 'any'],
    ['https://git.example.com/a/b', 'example'],
    ['https://git.example.com.attacker.io/a/b', undefined],
    ['https://git.example.com:8443/a/b', undefined],
    ['http://github.com/argoproj/x', undefined],
  ])('%s → %s', (url, username) => {
    expect(findRepoCredsTemplate(url, templates)?.username).toBe(username);
  });

  it('matches ssh:// and scp-like forms of the same host and user', () => {
    expect(findRepoCredsTemplate('ssh://git@github.com/argoproj/x', templates)?.sshPrivateKey).toBe('k');
    expect(findRepoCredsTemplate('git@github.com:argoproj/x.git', templates)?.sshPrivateKey).toBe('k');
    expect(findRepoCredsTemplate('ssh://other@github.com/argoproj/x', templates)).toBeUndefined();
  });

  it('prefers the repository’s own credentials, else inherits the template’s', () => {
    expect(credentialsFor('https://github.com/argoproj/x', { username: 'own', password: 'pw' }, templates)?.username).toBe('own');
    expect(credentialsFor('https://github.com/argoproj/x', { insecure: true }, templates)).toEqual({ username: 'org', insecure: true });
    expect(credentialsFor('https://gitlab.com/x/y', undefined, templates)).toBeUndefined();
  });
});

describe('prepareGitAuth', () => {
  it('HTTPS password: an askpass script prints 0600 files of a private dir; no secret in the environment or the script', async () => {
    const tempRoot = await tmp.make();
    const auth = await prepareGitAuth(parseRepoUrl('https://git.example.com/a'), { username: 'alice', password: 'pa$$ word\'"`' }, { tempRoot });
    const askpass = auth.env.GIT_ASKPASS ?? '';
    expect(auth.dir).toBeDefined();
    expect(path.dirname(askpass)).toBe(auth.dir);
    expect(await mode(auth.dir ?? '')).toBe(0o700);
    expect(await mode(askpass)).toBe(0o700);
    expect(await mode(path.join(auth.dir ?? '', 'password'))).toBe(0o600);
    expect(await readFile(askpass, 'utf8')).not.toContain('alice');
    expect(Object.keys(auth.env)).toEqual(['GIT_ASKPASS']);
    expect(JSON.stringify([auth.env, auth.config])).not.toContain('pa$$');
    const env = { PATH: process.env.PATH ?? '' };
    expect((await exec(askpass, ["Username for 'https://git.example.com': "], { env })).stdout).toBe('alice\n');
    expect((await exec(askpass, ["Password for 'https://alice@git.example.com': "], { env })).stdout).toBe('pa$$ word\'"`\n');
    expect(auth.secrets).toContain('pa$$ word\'"`');
    await auth.dispose();
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('HTTPS token in an included 0600 config file, CA and client certificate as files: no secret in the config entries', async () => {
    const tempRoot = await tmp.make();
    const token = 'tok-123456\\"x';
    await withGitAuth(
      parseRepoUrl('https://git.example.com/a'),
      { bearerToken: token, caData: 'CA', tlsClientCertData: 'CERT', tlsClientCertKey: 'KEY-material', insecure: true },
      { tempRoot },
      async (auth) => {
        const config = Object.fromEntries(auth.config);
        expect(config['http.extraHeader']).toBeUndefined();
        expect(JSON.stringify([auth.env, auth.config])).not.toMatch(/tok-123456|KEY-material/);
        const included = config['include.path'] ?? '';
        expect(await mode(included)).toBe(0o600);
        // git itself reads the header back exactly from the included file.
        const read = await exec('git', ['config', '--get', 'http.extraHeader'], {
          env: withGitConfig(isolatedGitEnv(), auth.config),
        });
        expect(read.stdout).toBe(`Authorization: Bearer ${token}\n`);
        expect(config['http.sslVerify']).toBe('false');
        expect(await readFile(config['http.sslCAInfo'] ?? '', 'utf8')).toBe('CA\n');
        expect(await readFile(config['http.sslKey'] ?? '', 'utf8')).toBe('KEY-material\n');
        expect(await mode(config['http.sslKey'] ?? '')).toBe(0o600);
        expect(await mode(config['http.sslCert'] ?? '')).toBe(0o600);
        expect(auth.env.GIT_ASKPASS).toBeUndefined();
        expect(auth.secrets).toEqual(expect.arrayContaining([token, 'KEY-material']));
      },
    );
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('refuses a bearer token with a line break (it would add a header)', async () => {
    const tempRoot = await tmp.make();
    await expect(prepareGitAuth(parseRepoUrl('https://git.example.com/a'), { bearerToken: 'tok\nX-Evil: 1' }, { tempRoot })).rejects.toMatchObject({ code: 'KAWA_GIT_AUTH_FAILED' });
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('SSH key: GIT_SSH_COMMAND with the key file, IdentitiesOnly and strict host checking', async () => {
    const tempRoot = await tmp.make('kawa git auth ');
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----';
    const auth = await prepareGitAuth(parseRepoUrl('git@github.com:org/repo'), { sshPrivateKey: key, knownHosts: 'github.com ssh-ed25519 AAAA' }, { tempRoot });
    const dir = auth.dir ?? '';
    const keyFile = path.join(dir, 'id_key');
    const knownHosts = path.join(dir, 'known_hosts');
    expect(auth.env.GIT_SSH_COMMAND).toBe(
      `ssh -o BatchMode=yes -i ${shellQuote(keyFile)} -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o ${shellQuote(`UserKnownHostsFile=${knownHosts}`)}`,
    );
    // The temp root has a space: the words are quoted for the shell git runs the command with.
    expect(auth.env.GIT_SSH_COMMAND).toContain(`'${keyFile}'`);
    expect(await readFile(keyFile, 'utf8')).toBe(`${key}\n`);
    expect(await mode(keyFile)).toBe(0o600);
    expect(auth.secrets).toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmU');
    await auth.dispose();
    expect(await readdir(tempRoot)).toEqual([]);
  });

  it('SSH insecure: no host key checking, explicitly opted in', async () => {
    const auth = await prepareGitAuth(parseRepoUrl('ssh://git@host/repo'), { insecure: true }, { tempRoot: await tmp.make() });
    expect(auth.env.GIT_SSH_COMMAND).toBe('ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null');
    expect(auth.dir).toBeUndefined();
    await auth.dispose();
  });

  it('ignores credentials of another transport', async () => {
    const auth = await prepareGitAuth(parseRepoUrl('https://host/repo'), { sshPrivateKey: 'k' });
    expect(auth).toMatchObject({ env: {}, config: [], secrets: [], dir: undefined });
  });
});

describe('scrubSecrets', () => {
  it('hides secrets in plain, URL-encoded and header forms', () => {
    const text = [
      'fatal: token s3cret/pass! rejected',
      'url http://127.0.0.1/x?pw=s3cret%2Fpass!',
      'Authorization: Basic YWxpY2U6czNjcmV0',
      'https://alice:other@example.com/x',
      'pw "abc" is short',
    ].join('\n');
    expect(scrubSecrets(text, ['s3cret/pass!', 'abc'])).toBe(
      ['fatal: token *** rejected', 'url http://127.0.0.1/x?pw=***', 'Authorization: ***', 'https://***@example.com/x', 'pw "abc" is short'].join('\n'),
    );
  });
});
