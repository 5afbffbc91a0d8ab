// The cluster API (Argo CD's ClusterService) over `cluster` Secrets in the control-plane namespace.
//
// Decisions:
// - Bearer tokens, passwords, client keys and exec-plugin environments are never answered.
// - The cluster kawa runs in is listed as `in-cluster` / `https://kubernetes.default.svc` even without a
//   Secret (Argo CD does too), reached with the server's own credentials; it cannot be deleted then.
// - Create checks the connection first and refuses a cluster it cannot reach (Argo CD does the same);
//   list and get report `connectionState` and `serverVersion`, cached for a minute per Secret version.
// - PUT takes the whole body, or with `updatedFields` only those fields; secret config values the body
//   omits are kept.
// - RBAC `clusters, <action>, <server>` — `<project>/<server>` for a project-scoped cluster.
// - Exec providers (`config.execProviderConfig`) are never written through the API: the controller runs
//   that command with its own environment and credentials, and `clusters, update` may be granted to a
//   project role. They come only from the cluster Secret, written by someone with Kubernetes rights in
//   the control-plane namespace. Create, update (whole body or `updatedFields`) and upsert refuse one
//   with a 400 naming the field; an update keeps the Secret's own exec provider exactly as it is (a
//   client may echo back what GET answered, which changes nothing).
import { KubeConfig } from '@kubernetes/client-node';
import { apiReasons, messageOf } from '../../errors.js';
import { KubeRest } from '../../kube/rest.js';
import { isRecord } from '../../kube/objects.js';
import { IN_CLUSTER_SERVER, SECRET_TYPE_LABEL, inClusterDefault, parseClusterSecret, type Cluster, type ClusterConfig } from '../../model/index.js';
import type { Actor } from '../guard.js';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '../http-errors.js';
import type { ClusterOut, ClusterWrite, ConnectionState } from '../schemas-settings.js';
import { SecretStore, secretNameFor, type StoredSecret } from './secret-store.js';

const RESOURCE = 'clusters';
const CONNECTION_TTL_MS = 60_000;
const VERSION_TIMEOUT_MS = 10_000;

export function clusterRbacObject(project: string | undefined, server: string): string {
  return project === undefined || project === '' ? server : `${project}/${server}`;
}

/** How a cluster is reached for the connection check: the server's own kubeconfig for in-cluster. */
export interface ClusterProbe {
  /** The API server's gitVersion; throws when it cannot be reached. */
  version(cluster: Cluster): Promise<string>;
}

/** A KubeConfig for a cluster Secret's config (bearer token, basic auth or client certificate). */
export function kubeConfigFor(cluster: Pick<Cluster, 'server' | 'config'>): KubeConfig {
  const tls = cluster.config.tlsClientConfig ?? {};
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: cluster.server,
        skipTLSVerify: tls.insecure === true,
        ...(tls.caData === undefined ? {} : { caData: tls.caData }),
        ...(tls.serverName === undefined ? {} : { tlsServerName: tls.serverName }),
      },
    ],
    users: [
      {
        name: 'u',
        ...(cluster.config.bearerToken === undefined ? {} : { token: cluster.config.bearerToken }),
        ...(cluster.config.username === undefined ? {} : { username: cluster.config.username }),
        ...(cluster.config.password === undefined ? {} : { password: cluster.config.password }),
        ...(tls.certData === undefined ? {} : { certData: tls.certData }),
        ...(tls.keyData === undefined ? {} : { keyData: tls.keyData }),
      },
    ],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

/** Asks `/version`; in-cluster without credentials of its own goes through `inCluster` (the server's kubeconfig). */
export function restClusterProbe(inCluster: KubeConfig | undefined): ClusterProbe {
  return {
    version: async (cluster) => {
      const own = cluster.config.bearerToken !== undefined || cluster.config.tlsClientConfig?.keyData !== undefined || cluster.config.password !== undefined;
      if (cluster.config.execProviderConfig !== undefined || cluster.config.awsAuthConfig !== undefined) {
        throw new Error('exec-plugin and AWS credentials are not supported by the connection check yet');
      }
      const kc = cluster.server === IN_CLUSTER_SERVER && !own ? inCluster : kubeConfigFor(cluster);
      if (kc === undefined) throw new Error('no credentials for the in-cluster server');
      const rest = new KubeRest(kc);
      try {
        const answer = await rest.getJson('/version', { timeoutMs: VERSION_TIMEOUT_MS });
        return isRecord(answer) && typeof answer['gitVersion'] === 'string' ? answer['gitVersion'] : '';
      } finally {
        rest.close();
      }
    },
  };
}


interface Found {
  readonly stored: StoredSecret | undefined;
  readonly cluster: Cluster;
}

export interface ClusterServiceOptions {
  readonly secrets: SecretStore;
  readonly probe: ClusterProbe;
  readonly now: () => Date;
  /** The in-cluster destination when no Secret declares it (default {@link inClusterDefault}: every namespace). */
  readonly inCluster?: Cluster;
}

type ClusterId = { type: 'url' | 'name'; value: string };

export class ClusterService {
  private readonly connections = new Map<string, { at: number; state: Promise<{ state: ConnectionState; version?: string }> }>();

  constructor(private readonly options: ClusterServiceOptions) {}

  async all(): Promise<Found[]> {
    const out: Found[] = (await this.options.secrets.listParsed('cluster', parseClusterSecret)).map(({ stored, value }) => ({ stored, cluster: value }));
    if (!out.some((c) => c.cluster.server === IN_CLUSTER_SERVER)) out.push({ stored: undefined, cluster: this.options.inCluster ?? inClusterDefault() });
    return out.sort((a, b) => a.cluster.server.localeCompare(b.cluster.server));
  }

  private find(all: readonly Found[], id: ClusterId): Found | undefined {
    const value = id.value.replace(/\/+$/, '');
    return id.type === 'name' ? all.find((c) => c.cluster.name === id.value) : all.find((c) => c.cluster.server.replace(/\/+$/, '') === value);
  }

  private connection(found: Found, force: boolean): Promise<{ state: ConnectionState; version?: string }> {
    const key = `${found.cluster.server}\u0000${found.stored?.secret.metadata?.resourceVersion ?? ''}`;
    const nowMs = this.options.now().getTime();
    const cached = this.connections.get(key);
    if (!force && cached !== undefined && nowMs - cached.at < CONNECTION_TTL_MS) return cached.state;
    const attemptedAt = this.options.now().toISOString();
    const state = this.options.probe.version(found.cluster).then(
      (version) => ({ state: { status: 'Successful' as const, message: '', attemptedAt }, version }),
      (err: unknown) => ({ state: { status: 'Failed' as const, message: `Unable to connect to cluster: ${messageOf(err)}`, attemptedAt } }),
    );
    this.connections.set(key, { at: nowMs, state });
    if (this.connections.size > 1000) this.connections.delete(this.connections.keys().next().value ?? '');
    return state;
  }

  private async answer(found: Found, force = false): Promise<ClusterOut> {
    const c = found.cluster;
    const { state, version } = await this.connection(found, force);
    return {
      server: c.server,
      name: c.name,
      config: sanitizedConfig(c.config),
      ...(c.namespaces.length > 0 ? { namespaces: c.namespaces } : {}),
      ...(c.clusterResources ? { clusterResources: true } : {}),
      ...(c.project === undefined ? {} : { project: c.project }),
      ...(Object.keys(c.labels).length > 0 ? { labels: c.labels } : {}),
      ...(Object.keys(c.annotations).length > 0 ? { annotations: withoutManagedBy(c.annotations) } : {}),
      ...(c.shard === undefined ? {} : { shard: c.shard }),
      connectionState: state,
      ...(version === undefined ? {} : { serverVersion: version }),
      info: { connectionState: state, ...(version === undefined ? {} : { serverVersion: version }) },
    };
  }

  async list(actor: Actor, query: { server?: string | undefined; name?: string | undefined }): Promise<ClusterOut[]> {
    const visible = (await this.all()).filter(
      (f) =>
        (query.server === undefined || query.server === '' || f.cluster.server === query.server) &&
        (query.name === undefined || query.name === '' || f.cluster.name === query.name) &&
        actor.can(RESOURCE, 'get', clusterRbacObject(f.cluster.project, f.cluster.server)),
    );
    return Promise.all(visible.map((f) => this.answer(f)));
  }

  async get(actor: Actor, id: ClusterId): Promise<ClusterOut> {
    const found = this.find(await this.all(), id);
    actor.authorize(RESOURCE, 'get', clusterRbacObject(found?.cluster.project, found?.cluster.server ?? id.value), found === undefined);
    if (found === undefined) throw notFound(`cluster ${id.value} not found`);
    return this.answer(found);
  }

  async create(actor: Actor, body: ClusterWrite, upsert: boolean): Promise<ClusterOut> {
    const server = body.server.trim().replace(/\/+$/, '');
    actor.authorize(RESOURCE, 'create', clusterRbacObject(body.project, server));
    const all = await this.all();
    const existing = this.find(all, { type: 'url', value: server });
    refuseExecProvider(body.config, existing?.stored === undefined ? undefined : existing.cluster.config);
    const values = clusterValues({ ...body, server }, existing?.cluster);
    const candidate = parseCandidate(values, existing?.stored?.secret.metadata?.name ?? secretNameFor('cluster', server));
    try {
      await this.options.probe.version(candidate);
    } catch (err) {
      throw invalidArgument(`unable to connect to cluster ${server}: ${messageOf(err)}`);
    }
    const meta = { labels: body.labels ?? {}, annotations: body.annotations ?? {} };
    if (existing?.stored !== undefined) {
      if (sameCluster(existing.cluster, candidate)) return this.answer(existing, true);
      if (!upsert) throw alreadyExists('existing cluster spec is different; use upsert flag to force update', { reason: apiReasons.SPEC_DIFFERS });
      actor.authorize(RESOURCE, 'update', clusterRbacObject(existing.cluster.project, existing.cluster.server));
      const written = await this.options.secrets.replace(existing.stored.secret, values, meta);
      return this.answer({ stored: { secret: written, name: written.metadata?.name ?? '', values }, cluster: parseClusterSecret(written) }, true);
    }
    if (all.some((c) => c.cluster.name === body.name && c.cluster.server !== server)) throw alreadyExists(`a cluster named ${body.name} already exists`, { reason: apiReasons.NAME_TAKEN, metadata: { cluster: body.name } });
    const written = await this.options.secrets.create('cluster', secretNameFor('cluster', server), values, meta);
    return this.answer({ stored: { secret: written, name: written.metadata?.name ?? '', values }, cluster: parseClusterSecret(written) }, true);
  }

  async update(actor: Actor, id: ClusterId, body: ClusterWrite, updatedFields: readonly string[] | undefined): Promise<ClusterOut> {
    const all = await this.all();
    const existing = this.find(all, id);
    actor.authorize(RESOURCE, 'update', clusterRbacObject(existing?.cluster.project, existing?.cluster.server ?? id.value));
    if (existing === undefined) throw notFound(`cluster ${id.value} not found`);
    if (body.server.replace(/\/+$/, '') !== existing.cluster.server.replace(/\/+$/, '')) throw invalidArgument('the server URL of a cluster cannot change; add a new cluster instead');
    // Checked on the body itself, whatever `updatedFields` names: no form of update may carry one.
    refuseExecProvider(body.config, existing.stored === undefined ? undefined : existing.cluster.config);
    const merged: ClusterWrite =
      updatedFields === undefined || updatedFields.length === 0
        ? body
        : { ...writeOf(existing.cluster), ...Object.fromEntries(updatedFields.filter((f) => f in body).map((f) => [f, body[f as keyof ClusterWrite]])) };
    if ((merged.project ?? '') !== (existing.cluster.project ?? '')) actor.authorize(RESOURCE, 'update', clusterRbacObject(merged.project, existing.cluster.server));
    const values = clusterValues({ ...merged, server: existing.cluster.server }, existing.cluster);
    const meta = { labels: merged.labels ?? {}, annotations: { ...merged.annotations } };
    const written =
      existing.stored === undefined
        ? await this.options.secrets.create('cluster', secretNameFor('cluster', existing.cluster.server), values, meta)
        : await this.options.secrets.replace(existing.stored.secret, values, meta);
    return this.answer({ stored: { secret: written, name: written.metadata?.name ?? '', values }, cluster: parseClusterSecret(written) }, true);
  }

  async delete(actor: Actor, id: ClusterId): Promise<void> {
    const existing = this.find(await this.all(), id);
    actor.authorize(RESOURCE, 'delete', clusterRbacObject(existing?.cluster.project, existing?.cluster.server ?? id.value));
    if (existing === undefined) throw notFound(`cluster ${id.value} not found`);
    if (existing.stored === undefined) throw failedPrecondition(`cluster ${existing.cluster.server} has no Secret: the in-cluster cluster cannot be deleted`);
    await this.options.secrets.delete(existing.stored.name);
  }
}

function withoutManagedBy(annotations: Record<string, string>): Record<string, string> {
  const { 'managed-by': _managedBy, ...rest } = annotations;
  return rest;
}

function sanitizedConfig(config: ClusterConfig): ClusterOut['config'] {
  const out: ClusterOut['config'] = {};
  if (config.username !== undefined) out.username = config.username;
  const tls = config.tlsClientConfig;
  if (tls !== undefined) {
    out.tlsClientConfig = {
      ...(tls.insecure === undefined ? {} : { insecure: tls.insecure }),
      ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
      ...(tls.caData === undefined ? {} : { caData: tls.caData }),
      ...(tls.certData === undefined ? {} : { certData: tls.certData }),
    };
  }
  const exec = config.execProviderConfig;
  if (exec !== undefined) {
    out.execProviderConfig = {
      command: exec.command,
      ...(exec.args === undefined ? {} : { args: exec.args }),
      ...(exec.apiVersion === undefined ? {} : { apiVersion: exec.apiVersion }),
      ...(exec.installHint === undefined ? {} : { installHint: exec.installHint }),
    };
  }
  if (config.awsAuthConfig !== undefined) {
    const aws = config.awsAuthConfig;
    out.awsAuthConfig = {
      ...(aws.clusterName === undefined ? {} : { clusterName: aws.clusterName }),
      ...(aws.roleARN === undefined ? {} : { roleARN: aws.roleARN }),
      ...(aws.profile === undefined ? {} : { profile: aws.profile }),
    };
  }
  if (config.proxyUrl !== undefined) out.proxyUrl = config.proxyUrl;
  return out;
}

/** The Secret values for a write; config secrets the body omits come from the existing cluster. */
function clusterValues(body: ClusterWrite, existing: Cluster | undefined): Record<string, string> {
  const given = body.config ?? {};
  const old = existing?.config ?? {};
  const config: Record<string, unknown> = { ...given };
  const keep = (key: 'bearerToken' | 'password'): void => {
    if (given[key] === undefined && old[key] !== undefined) config[key] = old[key];
    if (given[key] === '') config[key] = undefined;
  };
  keep('bearerToken');
  keep('password');
  if (given.tlsClientConfig !== undefined || old.tlsClientConfig !== undefined) {
    const tls: Record<string, unknown> = { ...(given.tlsClientConfig ?? {}) };
    if (given.tlsClientConfig?.keyData === undefined && old.tlsClientConfig?.keyData !== undefined) tls['keyData'] = old.tlsClientConfig.keyData;
    if (tls['keyData'] === '') delete tls['keyData'];
    if (Object.keys(tls).length > 0) config['tlsClientConfig'] = tls;
  }
  // Only the Secret's own exec provider, unchanged (refuseExecProvider let through at most an echo of it).
  if (old.execProviderConfig === undefined) delete config['execProviderConfig'];
  else config['execProviderConfig'] = old.execProviderConfig;
  // JSON.stringify drops the keys set to undefined above (a secret cleared with "").
  const values: Record<string, string> = { server: body.server, name: body.name, config: JSON.stringify(config) };
  if (body.namespaces !== undefined && body.namespaces.length > 0) values['namespaces'] = body.namespaces.join(',');
  if (body.clusterResources === true) values['clusterResources'] = 'true';
  if (body.project !== undefined && body.project !== '') values['project'] = body.project;
  if (body.shard !== undefined) values['shard'] = String(body.shard);
  return values;
}

type ExecProvider = NonNullable<ClusterConfig['execProviderConfig']>;

/** What GET answers of an exec provider (no env): an update may send exactly that back. */
function execView(exec: Pick<ExecProvider, 'command' | 'args' | 'apiVersion' | 'installHint'> & { env?: unknown }): string {
  return JSON.stringify([exec.command, exec.args ?? [], exec.apiVersion ?? '', exec.installHint ?? '', exec.env ?? null]);
}

/**
 * Refuses an exec provider in a write, with a 400 naming the field. `existing` is the config of the
 * cluster's Secret (undefined when there is none): sending back its exec provider as GET showed it
 * (without env) is no change and passes; anything else that sets or alters one does not.
 */
export function refuseExecProvider(given: ClusterWrite['config'], existing: ClusterConfig | undefined): void {
  const exec = given?.execProviderConfig;
  if (exec === undefined) return;
  const old = existing?.execProviderConfig;
  if (old !== undefined && exec.env === undefined && execView(exec) === execView({ ...old, env: undefined })) return;
  throw invalidArgument(
    'config.execProviderConfig: exec providers cannot be set or changed through the API (the controller would run that command); ' +
      'define them in the cluster Secret in the control-plane namespace',
  );
}

function parseCandidate(values: Record<string, string>, name: string): Cluster {
  try {
    return parseClusterSecret({ metadata: { name, labels: { [SECRET_TYPE_LABEL]: 'cluster' } }, stringData: values });
  } catch (err) {
    throw invalidArgument(messageOf(err));
  }
}

function writeOf(c: Cluster): ClusterWrite {
  return {
    server: c.server,
    name: c.name,
    config: c.config,
    namespaces: c.namespaces,
    clusterResources: c.clusterResources,
    ...(c.project === undefined ? {} : { project: c.project }),
    labels: c.labels,
    annotations: withoutManagedBy(c.annotations),
    ...(c.shard === undefined ? {} : { shard: c.shard }),
  };
}

function sameCluster(a: Cluster, b: Cluster): boolean {
  const view = (c: Cluster): string => JSON.stringify([c.name, c.server, c.config, c.namespaces, c.clusterResources, c.project ?? '', c.shard ?? -1]);
  return view(a) === view(b);
}
