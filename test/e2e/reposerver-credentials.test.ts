// `kawa repo-server --namespace`: the standalone repo server reads the repository Secrets of the namespace
// through the shared settings reader and fetches a private repository with the credentials the app's project
// is entitled to, and only those (the resolver of git/repo-credentials.ts). A Secret created while it runs
// is picked up by the watch. Without --namespace it reads no Secret (reposerver-http.test.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Command } from 'commander';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRepoServer } from '../../src/cli/commands/repo-server/repo-server.js';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { RepoServerClient, type ManifestRequest, type RepoServerHttp } from '../../src/reposerver/index.js';
import { createRepo } from '../harness/git.js';
import { testKubeConfig, useNamespace, waitUntil } from '../harness/kube.js';

const ns = useNamespace('rs-creds');
const PASSWORD = 'repo-server-private-password';
const core = testKubeConfig().makeApiClient(CoreV1Api);

let tmp: string;
let git: GitHttpServer;
let repoURL: string;
let server: RepoServerHttp;
let stop: () => Promise<void>;

async function createRepositorySecret(name: string, stringData: Record<string, string>): Promise<void> {
  await core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name, labels: { 'argocd.argoproj.io/secret-type': 'repository' } }, stringData } });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'kawa-rs-creds-'));
  const work = await createRepo(path.join(tmp, 'work'));
  await work.commit('private app', { files: { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: private-config}\ndata: {marker: from-the-private-repo}\n' } });
  await work.publishBare(path.join(tmp, 'served'), 'private');
  git = await startGitHttpServer({ root: path.join(tmp, 'served'), auth: { username: 'team-a', password: PASSWORD } });
  repoURL = git.urlFor('private');
  await createRepositorySecret('team-a-private', { url: repoURL, project: 'team-a', username: 'team-a', password: PASSWORD });

  const kubeconfig = path.join(tmp, 'kubeconfig');
  await writeFile(kubeconfig, testKubeConfig().exportConfig());
  const program = new Command().exitOverride();
  const abort = new AbortController();
  let listening!: (s: RepoServerHttp) => void;
  const ready = new Promise<RepoServerHttp>((resolve) => (listening = resolve));
  registerRepoServer(program, {
    onListening: (s) => {
      listening(s);
    },
    log: pino({ level: 'silent' }),
    stop: abort.signal,
  });
  const done = program.parseAsync(['repo-server', '--port', '0', '--cache-dir', path.join(tmp, 'cache'), '--namespace', ns.name, '--kubeconfig', kubeconfig], { from: 'user' });
  server = await Promise.race([ready, done.then(() => Promise.reject(new Error('repo-server returned before listening')))]);
  stop = async () => {
    abort.abort();
    await done;
  };
});

afterAll(async () => {
  await stop();
  await git.close();
  await rm(tmp, { recursive: true, force: true });
});

const request = (project: string | undefined): ManifestRequest => ({
  source: { repoURL, path: 'app', targetRevision: 'HEAD' },
  appName: 'private',
  namespace: 'default',
  ...(project === undefined ? {} : { project }),
});

describe('kawa repo-server --namespace', () => {
  it("renders the private repository for the Secret's project, and refuses it to any other", async () => {
    const client = new RepoServerClient({ url: server.url });
    const result = await client.generateManifests(request('team-a'));
    expect(JSON.stringify(result.objects)).toContain('from-the-private-repo');
    await expect(client.generateManifests(request('team-b'))).rejects.toThrow(/authentication failed/);
    await expect(client.generateManifests(request(undefined))).rejects.toThrow(/authentication failed/);
  });

  it('picks up a Secret created while it runs', async () => {
    await createRepositorySecret('global-private', { url: repoURL, username: 'team-a', password: PASSWORD });
    const client = new RepoServerClient({ url: server.url });
    const objects = await waitUntil(
      'the repo server to use the new global Secret',
      () => client.generateManifests(request('team-b')).then((r) => JSON.stringify(r.objects), () => ''),
      (json) => json.includes('from-the-private-repo'),
    );
    expect(objects).toContain('from-the-private-repo');
  });
});
