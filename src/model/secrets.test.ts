import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { UserError, errorCodes } from '../errors.js';
import {
  IN_CLUSTER_SERVER,
  inClusterDefault,
  inClusterOf,
  isNamespaceManaged,
  parseClusterSecret,
  parseRepoCredsSecret,
  parseRepositorySecret,
  secretTypeOf,
  secretValues,
  type SecretLike,
} from './secrets.js';

const secrets = parseAllDocuments(readFileSync(new URL('./testdata/secrets.yaml', import.meta.url), 'utf8')).map(
  (doc) => doc.toJS() as SecretLike,
);

function byName(name: string): SecretLike {
  const found = secrets.find((s) => s.metadata?.name === name);
  if (!found) throw new Error(`no fixture secret ${name}`);
  return found;
}

/** The message of the UserError `fn` throws, after checking its code. */
function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe(errorCodes.SECRET_INVALID);
    return (err as UserError).message;
  }
  throw new Error('expected an error');
}

describe('secret types', () => {
  it.each([
    ['my-private-https-repo', 'repository'],
    ['github-creds', 'repo-creds'],
    ['mycluster-secret', 'cluster'],
  ])('%s is a %s secret', (name, type) => {
    expect(secretTypeOf(byName(name))).toBe(type);
  });

  it('other secrets have no type', () => {
    expect(secretTypeOf({ metadata: { name: 'x' } })).toBeUndefined();
    expect(secretTypeOf({ metadata: { labels: { 'argocd.argoproj.io/secret-type': 'something-else' } } })).toBeUndefined();
  });

  it('stringData overlays base64 data', () => {
    expect(secretValues({ data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'z' } })).toEqual({ a: 'x', b: 'z' });
  });
});

describe('repository secrets', () => {
  it.each<[string, Record<string, unknown>]>([
    [
      'my-private-https-repo',
      {
        secretName: 'my-private-https-repo',
        url: 'https://github.com/argoproj/argocd-example-apps',
        type: 'git',
        project: 'my-project',
        username: 'my-username',
        password: 'my-password',
        insecure: true,
        forceHttpBasicAuth: true,
        enableLfs: true,
        extra: {},
      },
    ],
    [
      'my-private-ssh-repo',
      {
        secretName: 'my-private-ssh-repo',
        url: 'ssh://git@github.com/argoproj/argocd-example-apps',
        type: 'git',
        sshPrivateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n',
        insecure: false,
        extra: {},
      },
    ],
    [
      'istio-helm-repo',
      {
        secretName: 'istio-helm-repo',
        url: 'https://storage.googleapis.com/istio-prerelease/daily-build/master-latest-daily/charts',
        type: 'helm',
        name: 'istio.io',
        project: 'my-project',
        extra: {},
      },
    ],
    [
      'oci-charts',
      {
        secretName: 'oci-charts',
        url: 'oci://ghcr.io/org/charts',
        type: 'helm',
        enableOCI: true,
        bearerToken: 't0ken',
        proxy: 'http://proxy.internal:3128',
        extra: { someFutureKey: 'x' },
      },
    ],
  ])('%s', (name, expected) => {
    expect(parseRepositorySecret(byName(name))).toStrictEqual(expected);
  });

  it('repo-creds templates', () => {
    expect(parseRepoCredsSecret(byName('github-creds'))).toStrictEqual({
      secretName: 'github-creds',
      url: 'https://github.com/argoproj',
      type: 'git',
      username: 'my-username',
      password: 'my-password',
      extra: {},
    });
  });

  it('a repo-creds template scoped to a project', () => {
    const scoped: SecretLike = {
      metadata: { name: 'team-creds', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' } },
      stringData: { url: 'https://git.example.com/team', project: 'team', username: 'u', password: 'p' },
    };
    expect(parseRepoCredsSecret(scoped)).toMatchObject({ url: 'https://git.example.com/team', project: 'team', extra: {} });
  });

  const repo = (stringData: Record<string, string>, data?: Record<string, string>): SecretLike => ({
    metadata: { name: 'r', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
    stringData,
    ...(data ? { data } : {}),
  });

  it.each<[string, () => unknown, string]>([
    ['no url', () => parseRepositorySecret(repo({ username: 'u' })), 'secret argocd/r: url: required'],
    ['unknown type', () => parseRepositorySecret(repo({ url: 'https://x', type: 'svn' })), 'secret argocd/r: type: must be one of git, helm, oci, got "svn"'],
    ['bad boolean', () => parseRepositorySecret(repo({ url: 'https://x', insecure: 'yes' })), 'secret argocd/r: insecure: expected "true" or "false", got "yes"'],
    ['bad base64', () => parseRepositorySecret(repo({}, { url: 'not base64!' })), 'secret argocd/r: data.url: not valid base64'],
    ['half a client cert', () => parseRepositorySecret(repo({ url: 'https://x', tlsClientCertData: 'pem' })), 'secret argocd/r: tlsClientCertKey: tlsClientCertData and tlsClientCertKey must be set together'],
    ['wrong secret type', () => parseRepoCredsSecret(repo({ url: 'https://x' })), 'secret argocd/r: metadata.labels["argocd.argoproj.io/secret-type"]: expected "repo-creds", got "repository"'],
  ])('rejects %s', (_name, fn, message) => {
    expect(rejection(fn)).toBe(message);
  });

  it('never puts a secret value in an error', () => {
    const message = rejection(() => parseRepositorySecret(repo({ url: 'https://x', password: 'hunter2', insecure: 'maybe' })));
    expect(message).not.toContain('hunter2');
  });
});

describe('cluster secrets', () => {
  it('bearer token with a CA and limited namespaces', () => {
    expect(parseClusterSecret(byName('mycluster-secret'))).toStrictEqual({
      secretName: 'mycluster-secret',
      name: 'mycluster.example.com',
      server: 'https://mycluster.example.com',
      namespaces: ['team-a', 'team-b'],
      clusterResources: true,
      project: 'my-project',
      config: {
        bearerToken: '<authentication token>',
        tlsClientConfig: { insecure: false, caData: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==', serverName: 'mycluster.internal' },
      },
      labels: { env: 'prod' },
      annotations: { owner: 'platform' },
    });
  });

  it('exec provider and client certificates, pinned to a shard', () => {
    const cluster = parseClusterSecret(byName('exec-cluster'));
    expect(cluster.shard).toBe(2);
    expect(cluster.namespaces).toEqual([]);
    expect(cluster.clusterResources).toBe(false);
    expect(cluster.config.execProviderConfig).toEqual({
      command: 'argocd-k8s-auth',
      args: ['gcp'],
      env: { KEY: 'value' },
      apiVersion: 'client.authentication.k8s.io/v1beta1',
    });
    expect(cluster.config.tlsClientConfig).toEqual({ certData: 'Y2VydA==', keyData: 'a2V5' });
  });

  it('the in-cluster secret gets its default name', () => {
    expect(parseClusterSecret(byName('in-cluster'))).toMatchObject({ name: 'in-cluster', server: 'https://kubernetes.default.svc' });
  });

  const cluster = (stringData: Record<string, string>): SecretLike => ({
    metadata: { name: 'c', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
    stringData,
  });

  it.each<[string, Record<string, string>, string]>([
    ['no server', { name: 'x' }, 'secret argocd/c: server: required'],
    ['server not a URL', { name: 'x', server: 'mycluster' }, 'secret argocd/c: server: "mycluster" is not a URL'],
    ['server not http(s)', { name: 'x', server: 'ftp://mycluster' }, 'secret argocd/c: server: "ftp://mycluster" must be an http(s) URL'],
    ['no name', { server: 'https://a:6443' }, 'secret argocd/c: name: required'],
    ['config not JSON', { name: 'x', server: 'https://a', config: '{bearerToken: x}' }, 'secret argocd/c: config: not valid JSON'],
    [
      'config field of the wrong type',
      { name: 'x', server: 'https://a', config: '{"tlsClientConfig":{"insecure":"true"}}' },
      'secret argocd/c: config.tlsClientConfig.insecure: expected boolean, got string',
    ],
    ['exec provider without command', { name: 'x', server: 'https://a', config: '{"execProviderConfig":{}}' }, 'secret argocd/c: config.execProviderConfig.command: required'],
    ['caData not base64', { name: 'x', server: 'https://a', config: '{"tlsClientConfig":{"caData":"-----BEGIN"}}' }, 'secret argocd/c: config.tlsClientConfig.caData: not valid base64'],
    ['cert without key', { name: 'x', server: 'https://a', config: '{"tlsClientConfig":{"certData":"Y2VydA=="}}' }, 'secret argocd/c: config.tlsClientConfig: certData and keyData must be set together'],
    ['shard not a number', { name: 'x', server: 'https://a', shard: 'two' }, 'secret argocd/c: shard: expected a non-negative integer, got "two"'],
  ])('rejects %s', (_name, stringData, message) => {
    expect(rejection(() => parseClusterSecret(cluster(stringData)))).toBe(message);
  });

  it.each([
    [[], false, 'app', true],
    [[], false, '', true],
    [['team-a'], false, 'team-a', true],
    [['team-a'], false, 'team-b', false],
    [['team-a'], false, '', false],
    [['team-a'], true, '', true],
  ])('namespaces %j, clusterResources %s: manages %j → %s', (namespaces, clusterResources, ns, expected) => {
    expect(isNamespaceManaged({ namespaces, clusterResources }, ns)).toBe(expected);
  });
});

describe('the in-cluster destination', () => {
  it('manages every namespace by default, and only its own namespace in a namespace install', () => {
    expect([inClusterDefault().namespaces, inClusterDefault().clusterResources]).toEqual([[], true]);
    const limited = inClusterDefault({ onlyNamespace: 'argocd' });
    expect([limited.server, limited.name, limited.namespaces, limited.clusterResources]).toEqual([IN_CLUSTER_SERVER, 'in-cluster', ['argocd'], false]);
    expect([isNamespaceManaged(limited, 'argocd'), isNamespaceManaged(limited, 'prod'), isNamespaceManaged(limited, '')]).toEqual([true, false, false]);
  });

  it('is a cluster Secret for its server when there is one, whatever the default', () => {
    const secret = { ...inClusterDefault(), secretName: 'in-cluster', namespaces: ['a', 'b'], clusterResources: true };
    expect(inClusterOf([secret], { onlyNamespace: 'argocd' })).toBe(secret);
    expect(inClusterOf([], { onlyNamespace: 'argocd' }).namespaces).toEqual(['argocd']);
  });
});
