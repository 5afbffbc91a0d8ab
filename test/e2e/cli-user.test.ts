// The user CLI against a real kawa API server on the real kube-apiserver: the commands run in-process
// (the same registerUserCommands as the binary) with a temporary KAWA_CONFIG, and some as the real
// `kawa` process. No controller runs here, so sync status stays empty and operations stay pending.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli, type CliRun } from '../../src/cli/run.js';
import { kawaCommand } from '../../src/cli/services/kawa-command.js';
import { startGitHttpServer } from '../../src/git/http-server.js';
import { SessionManager } from '../../src/server/auth/index.js';
import { createRepo } from '../harness/git.js';
import { testKubeConfig, useNamespace } from '../harness/kube.js';
import { useApiServer, type Json } from '../harness/server-api.js';

const api = useApiServer('cli-user');
const target = useNamespace('cli-import');
let dir: string;
let configFile: string;
let server: string;

type Run = CliRun;

/** `kawa ARGS` in-process: exactly what main.ts runs, output captured. */
const kawa = (...args: string[]): Promise<Run> => runCli(args, { KAWA_CONFIG: configFile, NO_COLOR: '1' });

/** The real binary, as a user runs it. */
function kawaProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, KAWA_CONFIG: configFile, NO_COLOR: '1', KAWA_SERVER: '', KAWA_AUTH_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const REPO = 'https://github.com/argoproj/argocd-example-apps.git';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kawa-cli-'));
  configFile = path.join(dir, 'nested', 'config');
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  server = address.replace(/^http:\/\//, '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kawa CLI against a real server', () => {
  it('logs in, writes a private config, and knows who it is', async () => {
    const login = await kawa('login', server, '--plaintext', '--username', 'admin', '--password', api.adminPassword);
    expect(login.stderr).toContain("'admin' logged in successfully");
    expect(login.code).toBe(0);
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const config = await readFile(configFile, 'utf8');
    expect(config).toContain(`current-context: ${server}`);
    expect(config).toContain('plain-text: true');

    const info = await kawa('account', 'get-user-info');
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^Logged In:\s+true$/m);
    expect(info.stdout).toMatch(/^Username:\s+admin$/m);

    const version = await kawa('version');
    expect(version.stdout).toMatch(/^kawa: v\d+\.\d+\.\d+/m);
    expect(version.stdout).toMatch(/^kawa-server: v\d+\.\d+\.\d+/m);

    const contexts = await kawa('context');
    expect(contexts.stdout).toMatch(new RegExp(`^\\*\\s+${server.replace(/[.]/g, '\\.')}\\s+${server.replace(/[.]/g, '\\.')}$`, 'm'));
  });

  it('creates, lists and shows an application', async () => {
    const created = await kawa(
      'app', 'create', 'guestbook', '--repo', REPO, '--path', 'guestbook', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'guestbook',
      '--sync-option', 'CreateNamespace=true', '--label', 'team=web',
    );
    expect(created.stderr).toContain("application 'guestbook' created");
    expect(created.code).toBe(0);
    const stored = await api.getApp('guestbook');
    const spec = stored['spec'] as Json;
    expect(spec['source']).toEqual({ repoURL: REPO, path: 'guestbook' });
    expect(spec['destination']).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'guestbook' });
    expect(spec['syncPolicy']).toEqual({ syncOptions: ['CreateNamespace=true'] });
    expect((stored['metadata'] as Json)['labels']).toEqual({ team: 'web' });

    const list = await kawa('app', 'list');
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'CLUSTER', 'NAMESPACE', 'PROJECT', 'STATUS', 'HEALTH', 'SYNCPOLICY', 'CONDITIONS', 'REPO', 'PATH', 'TARGET']);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.split(/\s+/)).toEqual([`${api.ns}/guestbook`, 'https://kubernetes.default.svc', 'guestbook', 'default', 'Manual', '<none>', REPO, 'guestbook']);

    const names = await kawa('app', 'list', '-l', 'team=web', '-o', 'name');
    expect(names.stdout).toBe(`${api.ns}/guestbook\n`);
    expect((await kawa('app', 'list', '-l', 'team=other', '-o', 'json')).stdout.trim()).toBe('[]');

    const get = await kawa('app', 'get', 'guestbook');
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^Project:\s+default$/m);
    expect(get.stdout).toMatch(/^Server:\s+https:\/\/kubernetes\.default\.svc$/m);
    expect(get.stdout).toMatch(new RegExp(`^URL:\\s+http://${server.replace(/[.]/g, '\\.')}/applications/guestbook$`, 'm'));
    expect(get.stdout).toMatch(/^- Repo:\s+https:\/\/github\.com\/argoproj\/argocd-example-apps\.git$/m);
    expect(get.stdout).toMatch(/^Sync Policy:\s+Manual$/m);
    expect(get.stdout).toMatch(/^GROUP\s+KIND\s+NAMESPACE\s+NAME\s+STATUS\s+HEALTH\s+HOOK\s+MESSAGE$/m);
    const asJson = JSON.parse((await kawa('app', 'get', 'guestbook', '-o', 'json')).stdout) as Json;
    expect((asJson['metadata'] as Json)['name']).toBe('guestbook');

    const again = await kawa('app', 'create', 'guestbook', '--repo', REPO, '--path', 'other', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'guestbook');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--upsert');
    const upserted = await kawa('app', 'create', 'guestbook', '--repo', REPO, '--path', 'guestbook', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'guestbook', '--upsert');
    expect(upserted.code).toBe(0);
  });

  it('changes the spec with set/unset and patch', async () => {
    expect((await kawa('app', 'set', 'guestbook', '--revision', 'v2', '--helm-set', 'replicas=2')).code).toBe(0);
    let source = ((await api.getApp('guestbook'))['spec'] as Json)['source'] as Json;
    expect(source['targetRevision']).toBe('v2');
    expect(source['helm']).toEqual({ parameters: [{ name: 'replicas', value: '2' }] });
    expect((await kawa('app', 'unset', 'guestbook', '--helm-set', 'replicas')).code).toBe(0);
    source = ((await api.getApp('guestbook'))['spec'] as Json)['source'] as Json;
    expect((source['helm'] as Json | undefined)?.['parameters']).toBeUndefined();
    const patched = await kawa('app', 'patch', 'guestbook', '--type', 'merge', '--patch', '{"spec":{"source":{"targetRevision":"HEAD"}}}');
    expect(patched.code).toBe(0);
    source = ((await api.getApp('guestbook'))['spec'] as Json)['source'] as Json;
    expect(source['targetRevision']).toBe('HEAD');
  });

  it('starts a sync with the options given, and reports a pending operation when waiting', async () => {
    const sync = await kawa('app', 'sync', 'guestbook', '--async', '--prune', '--server-side', '--resource', 'apps:Deployment:guestbook-ui', '--revision', 'HEAD');
    expect(sync.stderr).toContain("sync of 'guestbook' started");
    expect(sync.code).toBe(0);
    const operation = (await api.getApp('guestbook'))['operation'] as Json;
    const op = operation['sync'] as Json;
    expect(op['prune']).toBe(true);
    expect(op['revision']).toBe('HEAD');
    expect(op['resources']).toEqual([{ group: 'apps', kind: 'Deployment', name: 'guestbook-ui' }]);
    expect(op['syncOptions']).toEqual(expect.arrayContaining(['ServerSideApply=true']));
    expect((operation['initiatedBy'] as Json)['username']).toBe('admin');

    // Nothing runs the operation here: waiting must give up and say why.
    const wait = await kawa('app', 'wait', 'guestbook', '--operation', '--timeout', '1');
    expect(wait.code).toBe(1);
    expect(wait.stderr).toContain('operation pending: waiting for the controller');
    expect(wait.stderr).toMatch(/timed out after \d+s waiting for application guestbook: .*operation pending \(is the controller running\?\).*KAWA_CLI_TIMEOUT/);

    // A requested operation that no controller started cannot be terminated (Argo CD's answer).
    const terminate = await kawa('app', 'terminate-op', 'guestbook');
    expect(terminate.code).toBe(1);
    expect(terminate.stderr).toContain('No operation is in progress');
    expect(terminate.stderr).toContain(`there is nothing to stop (\`${kawaCommand('app get guestbook --show-operation')}\` shows the last operation)`);
    // A second sync while one is pending is refused with what to do.
    const second = await kawa('app', 'sync', 'guestbook', '--async');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`(HTTP 409); wait for the running operation (\`${kawaCommand('app wait guestbook --operation')}\`) or stop it (\`${kawaCommand('app terminate-op guestbook')}\`)`);
    expect(second.stderr).toContain('KAWA_API_CONFLICT');
    const history = await kawa('app', 'history', 'guestbook');
    expect(history.stdout).toContain('No deployment history yet');
  });

  it('enforces projects: an app outside the project destinations is refused', async () => {
    const created = await kawa('proj', 'create', 'team', '--description', 'the team', '-d', 'https://kubernetes.default.svc,team-*', '-s', 'https://github.com/argoproj/*');
    expect(created.code).toBe(0);
    expect((await kawa('proj', 'add-destination', 'team', 'https://kubernetes.default.svc', 'shared')).code).toBe(0);
    expect((await kawa('proj', 'allow-cluster-resource', 'team', '', 'Namespace')).code).toBe(0);
    expect((await kawa('proj', 'windows', 'add', 'team', '--kind', 'deny', '--schedule', '0 22 * * *', '--duration', '1h', '--applications', '*')).code).toBe(0);
    const spec = (await api.getProject('team'))['spec'] as Json;
    expect(spec['destinations']).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'team-*' },
      { server: 'https://kubernetes.default.svc', namespace: 'shared' },
    ]);
    expect(spec['clusterResourceWhitelist']).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(spec['syncWindows']).toEqual([{ kind: 'deny', schedule: '0 22 * * *', duration: '1h', applications: ['*'] }]);

    const list = await kawa('proj', 'list');
    expect(list.stdout).toMatch(/^team\s+the team\s+2 destinations\s+https:\/\/github\.com\/argoproj\/\*/m);
    const get = await kawa('proj', 'get', 'team');
    expect(get.stdout).toMatch(/^Name:\s+team$/m);

    const inside = await kawa('app', 'create', 'team-app', '--project', 'team', '--repo', REPO, '--path', 'guestbook', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'team-a');
    expect(inside.code).toBe(0);
    const outside = await kawa('app', 'create', 'intruder', '--project', 'team', '--repo', REPO, '--path', 'guestbook', '--dest-server', 'https://kubernetes.default.svc', '--dest-namespace', 'kube-system');
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/POST \/api\/v1\/applications: .*'kube-system' do not match any of the allowed destinations in project 'team' \(HTTP 403\); change the app's source or destination, or let project team allow them.*proj add-destination team SERVER NAMESPACE.*KAWA_API_PERMISSION_DENIED/);
    await expect(api.getApp('intruder')).rejects.toThrow();
  });

  it('deletes an application without cascading', async () => {
    const del = await kawa('app', 'delete', 'team-app', '-y', '--cascade=false');
    expect(del.code).toBe(0);
    await expect(api.getApp('team-app')).rejects.toThrow();
    const missing = await kawa('app', 'get', 'team-app');
    expect(missing.code).toBe(1);
    // As Argo CD, the server does not tell a missing app from a forbidden one.
    expect(missing.stderr).toMatch(/\(HTTP 403\); the object does not exist, or your account may not do this.*KAWA_API_PERMISSION_DENIED/);
  });

  it('manages accounts and tokens', async () => {
    const list = await kawa('account', 'list');
    expect(list.stdout).toMatch(/^NAME\s+ENABLED\s+CAPABILITIES$/m);
    expect(list.stdout).toMatch(/^alice\s+true\s+login, apiKey$/m);
    expect((await kawa('account', 'can-i', 'sync', 'applications', 'default/guestbook')).stdout).toBe('yes\n');

    const token = (await kawa('account', 'generate-token', '--account', 'alice', '--expires-in', '1h', '--id', 'ci-1')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const asAlice = await kawa('account', 'get-user-info', '--auth-token', token);
    expect(asAlice.stdout).toMatch(/^Username:\s+alice$/m);
    expect((await kawa('account', 'can-i', 'sync', 'applications', 'default/guestbook', '--auth-token', token)).stdout).toBe('no\n');
    expect((await kawa('account', 'get', '--account', 'alice')).stdout).toMatch(/^ci-1\s+\d{4}-\S+\s+\d{4}-\S+$/m);
    expect((await kawa('account', 'delete-token', 'ci-1', '--account', 'alice')).code).toBe(0);
    const revoked = await kawa('account', 'get-user-info', '--auth-token', token);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain(kawaCommand('relogin'));

    const changed = await kawa('account', 'update-password', '--account', 'alice', '--current-password', api.adminPassword, '--new-password', 'a brand new password');
    expect(changed.code).toBe(0);
    await expect(api.loginAs('alice', 'a brand new password')).resolves.toMatch(/\./);
    // Still logged in as admin: changing another account's password keeps our session.
    expect((await kawa('account', 'get-user-info')).stdout).toMatch(/^Username:\s+admin$/m);
  });

  it('manages repositories, credential templates, project roles and completion', async () => {
    const repoDir = await mkdtemp(path.join(tmpdir(), 'kawa-cli-repo-'));
    const gitRoot = path.join(repoDir, 'served');
    const repo = await createRepo(path.join(repoDir, 'work'));
    await repo.commit('initial', { files: { 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' } });
    await repo.publishBare(gitRoot, 'apps');
    const git = await startGitHttpServer({ root: gitRoot });
    try {
      const url = git.urlFor('apps');
      const added = await kawa('repo', 'add', url, '--name', 'apps');
      expect(added.stderr).toContain(`Repository '${url}' added`);
      expect(added.code).toBe(0);
      const list = await kawa('repo', 'list');
      expect(list.stdout).toMatch(/^TYPE\s+NAME\s+REPO\s+INSECURE\s+OCI\s+LFS\s+CREDS\s+STATUS\s+MESSAGE\s+PROJECT$/m);
      expect(list.stdout).toMatch(new RegExp(`^git\\s+apps\\s+${url.replace(/[.]/g, '\\.')}\\s+false\\s+false\\s+false\\s+false\\s+Successful`, 'm'));
      expect(JSON.parse((await kawa('repo', 'get', url, '-o', 'json')).stdout)).toMatchObject({ repo: url, name: 'apps' });
      expect((await kawa('repo', 'rm', url)).code).toBe(0);
      expect((await kawa('repo', 'list', '-o', 'name')).stdout).not.toContain(url);
      // The server stores a repository it cannot reach, with its connection state: the list shows why.
      await kawa('repo', 'add', 'http://127.0.0.1:1/nothing.git');
      const failing = await kawa('repo', 'list');
      expect(failing.stdout).toMatch(/^git\s+http:\/\/127\.0\.0\.1:1\/nothing\.git\s+false\s+false\s+false\s+false\s+Failed\s+\S/m);
      expect((await kawa('repo', 'rm', 'http://127.0.0.1:1/nothing.git')).code).toBe(0);

      const prefix = url.replace(/\/apps\.git$/, '');
      expect((await kawa('repocreds', 'add', prefix, '--username', 'bot', '--password', 'secret')).code).toBe(0);
      const creds = await kawa('repocreds', 'list');
      expect(creds.stdout).toMatch(new RegExp(`^${prefix.replace(/[.]/g, '\\.')}\\s+bot\\s+false\\s+false$`, 'm'));
      expect(creds.stdout).not.toContain('secret');
      expect((await kawa('repocreds', 'rm', prefix)).code).toBe(0);
    } finally {
      await git.close();
      await rm(repoDir, { recursive: true, force: true });
    }

    expect((await kawa('proj', 'role', 'create', 'team', 'ci', '--description', 'pipelines')).code).toBe(0);
    const roleToken = (await kawa('proj', 'role', 'create-token', 'team', 'ci', '--expires-in', '1h')).stdout.trim();
    const claims = JSON.parse(Buffer.from(roleToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: string };
    expect(claims.sub).toBe('proj:team:ci');

    const completion = await kawa('completion', 'bash');
    expect(completion.stdout).toContain('complete -o default -F _kawa_completions kawa');
  });

  it('adds a cluster from a kubeconfig context, namespace-scoped', async () => {
    const kubeconfig = inject('kubeconfig');
    const kc = testKubeConfig();
    const context = kc.getCurrentContext();
    const serverUrl = kc.getCurrentCluster()?.server ?? '';
    const added = await kawa('cluster', 'add', context, '--kubeconfig', kubeconfig, '--name', 'self', '--namespace', api.ns, '--system-namespace', api.ns, '-y');
    expect(added.stderr).toContain(`ServiceAccount "argocd-manager" created in namespace "${api.ns}"`);
    expect(added.stderr).toContain(`Cluster '${serverUrl}' added`);
    expect(added.code).toBe(0);
    const token = await api.core.readNamespacedSecret({ name: 'argocd-manager-long-lived-token', namespace: api.ns });
    expect(token.data?.['token']).toBeTruthy();
    const role = await kc.makeApiClient(RbacAuthorizationV1Api).readNamespacedRoleBinding({ name: 'argocd-manager-role-binding', namespace: api.ns });
    expect(role.subjects).toEqual([{ kind: 'ServiceAccount', name: 'argocd-manager', namespace: api.ns }]);

    const list = await kawa('cluster', 'list');
    expect(list.stdout).toMatch(/^SERVER\s+NAME\s+VERSION\s+STATUS\s+MESSAGE\s+PROJECT$/m);
    expect(list.stdout).toMatch(new RegExp(`^${serverUrl.replace(/[.]/g, '\\.')}\\s+self\\b`, 'm'));
    expect(JSON.parse((await kawa('cluster', 'get', serverUrl, '-o', 'json')).stdout)).toMatchObject({ server: serverUrl, name: 'self', namespaces: [api.ns] });
    expect((await kawa('cluster', 'rm', serverUrl)).code).toBe(0);
    expect((await kawa('cluster', 'list', '-o', 'name')).stdout).not.toContain(serverUrl);
  });

  it('exports and imports a backup', async () => {
    const kubeconfig = inject('kubeconfig');
    const exported = await kawa('admin', 'export', '-n', api.ns, '--kubeconfig', kubeconfig);
    expect(exported.code).toBe(0);
    const docs = parseAllDocuments(exported.stdout).map((d) => d.toJS() as Json);
    const names = docs.map((d) => `${String(d['kind'])}/${String((d['metadata'] as Json)['name'])}`);
    expect(names).toEqual(expect.arrayContaining(['ConfigMap/argocd-cm', 'ConfigMap/argocd-rbac-cm', 'Secret/argocd-secret', 'AppProject/team', 'AppProject/default', 'Application/guestbook']));
    const app = docs.find((d) => d['kind'] === 'Application') ?? {};
    expect(app['status']).toBeUndefined();
    expect((app['metadata'] as Json)['resourceVersion']).toBeUndefined();

    const file = path.join(dir, 'backup.yaml');
    await writeFile(file, exported.stdout);
    const imported = await kawa('admin', 'import', file, '-n', target.name, '--kubeconfig', kubeconfig);
    expect(imported.stderr).toContain('created Application/guestbook');
    expect(imported.code).toBe(0);
    const restored = (await api.custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', namespace: target.name, name: 'guestbook' })) as Json;
    expect(restored['spec']).toEqual((await api.getApp('guestbook'))['spec']);
    const again = await kawa('admin', 'import', file, '-n', target.name, '--kubeconfig', kubeconfig);
    expect(again.stderr).toContain('updated Application/guestbook');
    const bad = await kawa('admin', 'import', file, '-n', target.name, '--kubeconfig', path.join(dir, 'missing-kubeconfig'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot read the kubeconfig');
  });

  it('says to relogin when the token is expired or revoked, and logs out', async () => {
    // A session signed by the server's key, but issued two days ago: expired.
    const past = new SessionManager({ settings: api.accounts, now: () => Date.now() - 2 * 24 * 3600_000 });
    const stale = await past.issueSession('admin');
    const expired = await kawa('app', 'list', '--auth-token', stale);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain(`run \`${kawaCommand('relogin')}\``);
    expect(expired.stderr).toContain('KAWA_API_UNAUTHENTICATED');

    const before = await readFile(configFile, 'utf8');
    const token = /auth-token: (\S+)/.exec(before)?.[1] ?? '';
    const logout = await kawa('logout');
    expect(logout.code).toBe(0);
    expect(await readFile(configFile, 'utf8')).not.toContain('auth-token');
    // The session is revoked on the server too.
    const reused = await kawa('app', 'list', '--auth-token', token);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toContain(kawaCommand('relogin'));
    const anonymous = await kawa('app', 'list');
    expect(anonymous.stderr).toContain(`run \`${kawaCommand(['login', server])}\``);

    const relogin = await kawa('relogin', '--password', api.adminPassword);
    expect(relogin.code).toBe(0);
    expect((await kawa('app', 'list', '-o', 'name')).stdout).toContain('guestbook');
  });

  it('refuses bad input with a usage error and a hint', async () => {
    const unknownFlag = await kawa('app', 'list', '--projetc', 'x');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--projetc'");
    expect(unknownFlag.stderr).toContain('--project');
    const missing = await kawa('app', 'patch', 'guestbook');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--patch <json>' not specified");
    const badResource = await kawa('app', 'sync', 'guestbook', '--resource', 'Deployment');
    expect(badResource.code).toBe(1);
    expect(badResource.stderr).toContain('GROUP:KIND:NAME');
    const unreachable = await kawa('app', 'list', '--server', '127.0.0.1:1', '--plaintext');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the kawa API server at http://127.0.0.1:1');
    const tlsToPlain = await kawa('app', 'list', '--server', `https://${server}`);
    expect(tlsToPlain.code).toBe(1);
    expect(tlsToPlain.stderr).toContain(`https://${server}`);
    expect(tlsToPlain.stderr).toContain('--plaintext');
  });

  it('the real binary: suggests commands, and never overwrites a corrupt config', async () => {
    const unknown = await kawaProcess(['app', 'sycn', 'guestbook']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'sycn'");
    expect(unknown.stderr).toContain('(Did you mean sync?)');

    const listed = await kawaProcess(['app', 'list', '-o', 'name']);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('guestbook');
    expect(listed.code).toBe(0);

    // --core: no server, the same commands straight against the cluster of the kubeconfig.
    const core = await kawaProcess(['--core', 'app', 'list', '-o', 'name'], { KUBECONFIG: inject('kubeconfig'), KAWA_NAMESPACE: api.ns });
    expect(core.stderr).toBe('');
    expect(core.stdout).toBe(`${api.ns}/guestbook\n`);
    expect(core.code).toBe(0);

    const corrupt = 'contexts: [\n  this is: not: yaml\n';
    await writeFile(configFile, corrupt);
    await chmod(configFile, 0o640);
    for (const args of [['app', 'list'], ['login', server, '--plaintext', '--username', 'admin', '--password', api.adminPassword], ['context', 'x']]) {
      const run = await kawaProcess(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the kawa config file ${configFile} is not valid`);
      expect(run.stderr).toContain('KAWA_CLI_CONFIG_INVALID');
    }
    expect(await readFile(configFile, 'utf8')).toBe(corrupt);
    expect((await stat(configFile)).mode & 0o777).toBe(0o640);
  });
});
