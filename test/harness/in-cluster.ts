// Makes a container on the host network look like a Pod of the install to @kubernetes/client-node: the
// ServiceAccount token of one role (TokenRequest API, 1 h), the test cluster's CA and the namespace in a
// directory mounted read-only where a kubelet projects them, and KUBERNETES_SERVICE_HOST/PORT naming the
// loopback API server. With no kubeconfig in the container (no $KUBECONFIG, no ~/.kube/config) the role's
// `loadFromDefault()` then takes the in-cluster path and talks to the API server as that ServiceAccount.
// The local API server's serving certificate names 127.0.0.1 (and kubernetes.default.svc), so the CA
// verifies it with no `insecure` anywhere.
//
// useInstall(): one install per test file — `helm template charts/kawa` with a unique release into a fresh
// namespace (cluster-scoped names carry the release, so they clash with no other test; the shared CRDs are
// applied, never deleted), server-side applied with the admin kubeconfig; then startRole() runs a role's
// Deployment (its args with loopback ports, its env with the downward API filled in by hand) as a podman
// container of the built image, with that role's ServiceAccount token.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startGitHttpServer, type GitHttpServer } from '../../src/git/http-server.js';
import { serverSideApply as applyObject } from '../../src/kube/apply.js';
import { discoverApiResources, type ApiResource } from '../../src/kube/discovery.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { loadPins, pinnedBinary, projectRoot } from '../../src/tools/pins.js';
import { exec } from '../../src/util/exec.js';
import { createRepo } from './git.js';
import { ensureImage } from './image.js';
import { loadImage, runContainer, type Container } from './podman.js';
import { TEST_FIELD_MANAGER, testKubeConfig, useNamespace, waitFor } from './kube.js';

/** Where a kubelet mounts the ServiceAccount token, CA and namespace (client-node reads this path). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface PodIdentityOptions {
  namespace: string;
  serviceAccount: string;
  /** POD_NAME in the container (the chart's fieldRef metadata.name); default `<serviceAccount>-podman`. */
  podName?: string;
  /** Token lifetime (default 3600 s, what a kubelet asks for). */
  expirationSeconds?: number;
}

export interface PodIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The ServiceAccount token (a JWT). */
  readonly token: string;
  /** The API server's URL as the container sees it: https://127.0.0.1:<port>. */
  readonly server: string;
  /** The host directory holding `token`, `ca.crt` and `namespace`. */
  readonly dir: string;
  /** Mount `dir` read-only at SERVICE_ACCOUNT_DIR. */
  readonly mount: { source: string; target: string; readOnly: true };
  /** KUBERNETES_SERVICE_HOST/PORT plus what the chart's Deployment sets from the downward API (POD_NAME, NAMESPACE). */
  readonly env: Record<string, string>;
  /** A client configured like client-node's in-cluster path (same CA, this token), for assertions from the test. */
  kubeConfig(): KubeConfig;
  /** Removes the directory (the token stays valid until it expires; it names no Pod to bind it to). */
  cleanup(): Promise<void>;
}

/** The admin kubeconfig's API server: its URL and CA (PEM). */
export function apiServerOf(admin: KubeConfig): { server: string; host: string; port: string; ca: string } {
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error('the test kubeconfig has no current cluster');
  const url = new URL(cluster.server);
  const ca = cluster.caData !== undefined ? Buffer.from(cluster.caData, 'base64').toString('utf8') : undefined;
  if (ca === undefined) throw new Error(`the test kubeconfig's cluster ${cluster.name} has no certificate-authority-data`);
  // A Pod reaches the API server by KUBERNETES_SERVICE_HOST; here that is the loopback address the
  // serving certificate names (127.0.0.1), whatever host name the kubeconfig uses.
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  return { server: `https://${host}:${url.port}`, host, port: url.port, ca };
}

/** Requests a token for the ServiceAccount and writes what a kubelet would project into a Pod of it. */
export async function podIdentity(admin: KubeConfig, options: PodIdentityOptions): Promise<PodIdentity> {
  const { namespace, serviceAccount } = options;
  const api = apiServerOf(admin);
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600 } },
  });
  const token = request.status?.token;
  if (token === undefined || token === '') throw new Error(`TokenRequest for ServiceAccount ${namespace}/${serviceAccount} returned no token`);
  const dir = await mkdtemp(path.join(tmpdir(), `kawa-sa-${serviceAccount}-`));
  // The container runs as uid 999 (`kawa`), not as the test's user: it must be able to read the files.
  await chmod(dir, 0o755);
  for (const [file, content] of [['token', token], ['ca.crt', api.ca], ['namespace', namespace]] as const) {
    await writeFile(path.join(dir, file), content, { mode: 0o644 });
  }
  const kubeConfig = (): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser({ name: 'inCluster', server: api.server, caData: Buffer.from(api.ca).toString('base64'), skipTLSVerify: false }, { name: serviceAccount, token });
    return kc;
  };
  return {
    namespace,
    serviceAccount,
    token,
    server: api.server,
    dir,
    mount: { source: dir, target: SERVICE_ACCOUNT_DIR, readOnly: true },
    env: {
      KUBERNETES_SERVICE_HOST: api.host,
      KUBERNETES_SERVICE_PORT: api.port,
      POD_NAME: options.podName ?? `${serviceAccount}-podman`,
      NAMESPACE: namespace,
    },
    kubeConfig,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The env of a Pod whose ServiceAccount token is not mounted (`automountServiceAccountToken: false`, the
 * repo server): a kubelet still sets KUBERNETES_SERVICE_HOST/PORT, so the role would find the API server
 * but has no credentials for it.
 */
export function podEnvWithoutToken(admin: KubeConfig, extra: Record<string, string> = {}): Record<string, string> {
  const api = apiServerOf(admin);
  return { KUBERNETES_SERVICE_HOST: api.host, KUBERNETES_SERVICE_PORT: api.port, ...extra };
}

// ---- one install of the chart per test file, and its roles run as podman containers ----------------------

export type Role = 'application-controller' | 'server' | 'repo-server';

export interface InstallOptions {
  /** Files of the git repository the test serves on loopback (`apps.git`). */
  files: Record<string, string>;
  /** Extra `helm template` flags, e.g. ['--set', 'controller.replicas=1']. */
  helmArgs?: string[];
}

export interface RoleContainer extends Container {
  readonly role: Role;
  /** http://127.0.0.1:<port> of its HTTP endpoint (server 8080, repo server 8081, controller metrics 8082 in the install). */
  readonly url: string;
  /** The identity mounted into it (none for the repo server). */
  readonly identity?: PodIdentity;
}

export interface StartRoleOptions {
  /** Container name suffix (default: the role). */
  name?: string;
  /** The ServiceAccount whose token is mounted (default: the role's own; `null`: none, as for the repo server). */
  serviceAccount?: string | null;
  /** Another image reference (an upgrade); default: the fixture's. */
  image?: string;
}

export interface InstallFixture {
  /** The install namespace (plays `argocd`). */
  readonly ns: string;
  /** A namespace the example apps deploy into. */
  readonly dest: string;
  readonly release: string;
  /** The admin client (the test's, not a role's). */
  kc: KubeConfig;
  /** Every object `helm template` rendered, as applied. */
  objects: KubeObject[];
  image: string;
  gitUrl: string;
  /** `<release>-<role>`: the ServiceAccount and Deployment of a role. */
  nameOf(role: Role): string;
  /** The rendered Deployment of a role. */
  deployment(role: Role): KubeObject;
  /** Runs a role like its Deployment does (args and env), with its ServiceAccount token, on free loopback ports. */
  startRole(role: Role, options?: StartRoleOptions): Promise<RoleContainer>;
  /** Waits until GET <url>/healthz answers 200, or fails with the container's log. */
  waitHealthy(container: RoleContainer, timeoutMs?: number): Promise<void>;
}

/** KAWA_TEST_LOG=1 prints what the role containers write. */
const echo = process.env['KAWA_TEST_LOG'] === '1';

/** The flag of each role's HTTP port (8080, 8081 and 8082 in the install; free loopback ports here). */
const PORT_FLAG: Record<Role, string> = { server: '--port', 'repo-server': '--port', 'application-controller': '--metrics-port' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

/** Sets `--flag value` (replacing a present one, else appending). */
export function setFlag(args: string[], flag: string, value: string): string[] {
  const out = [...args];
  const i = out.indexOf(flag);
  if (i >= 0 && i + 1 < out.length) out[i + 1] = value;
  else {
    const eq = out.findIndex((a) => a.startsWith(`${flag}=`));
    if (eq >= 0) out[eq] = `${flag}=${value}`;
    else out.push(flag, value);
  }
  return out;
}

interface PodContainer {
  name: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}

function podSpecOf(deployment: KubeObject): { containers: PodContainer[]; serviceAccountName?: string; automountServiceAccountToken?: boolean } {
  const spec = (deployment as unknown as { spec: { template: { spec: { containers: PodContainer[]; serviceAccountName?: string; automountServiceAccountToken?: boolean } } } }).spec.template.spec;
  return spec;
}

/** Kubernetes' $(VAR) expansion of args from the container's env ($$ escapes). */
function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? match)));
}

export function useInstall(options: InstallOptions): InstallFixture {
  const nsHandle = useNamespace('inst');
  const destHandle = useNamespace('inst-dest');
  const release = `kawa-${randomBytes(3).toString('hex')}`;
  const fx = { release, objects: [] as KubeObject[] } as { -readonly [K in keyof InstallFixture]: InstallFixture[K] };
  const containers: RoleContainer[] = [];
  const identities: PodIdentity[] = [];
  let tmp = '';
  let gitServer: GitHttpServer | undefined;
  let repoServerUrl: string | undefined;

  fx.nameOf = (role) => `${release}-${role}`;
  fx.deployment = (role) => {
    const found = fx.objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === fx.nameOf(role));
    if (found === undefined) throw new Error(`the chart rendered no Deployment ${fx.nameOf(role)}`);
    return found;
  };

  beforeAll(async () => {
    Object.assign(fx, { ns: nsHandle.name, dest: destHandle.name });
    fx.kc = testKubeConfig();
    const [imageRef] = await Promise.all([
      // KAWA_TEST_IMAGE (an OCI archive or a reference in kawa's podman store) skips the build when iterating on a test.
      process.env['KAWA_TEST_IMAGE'] !== undefined && process.env['KAWA_TEST_IMAGE'] !== '' ? resolveImageRef(process.env['KAWA_TEST_IMAGE']) : ensureImage().then((archive) => loadImage(archive)),
      (async () => {
        const root = projectRoot();
        const helm = pinnedBinary(loadPins(root), 'helm');
        const { stdout } = await exec(helm, ['template', release, path.join(root, 'charts', 'kawa'), '--namespace', fx.ns, ...(options.helmArgs ?? [])], { timeoutMs: 60_000 });
        fx.objects = parseAllDocuments(stdout)
          .map((d) => d.toJS() as KubeObject | null)
          .filter((o): o is KubeObject => o !== null && typeof o === 'object');
        await applyAll(fx.kc, fx.objects);
      })(),
    ]);
    fx.image = imageRef;
    tmp = await mkdtemp(path.join(tmpdir(), 'kawa-inst-'));
    const served = path.join(tmp, 'served');
    const repo = await createRepo(path.join(tmp, 'work'));
    await repo.commit('initial', { files: options.files });
    await repo.publishBare(served, 'apps');
    gitServer = await startGitHttpServer({ root: served });
    fx.gitUrl = gitServer.urlFor('apps');
    // A cold image build (mmdebstrap, npm ci) takes minutes; a warm one reuses the cached archive.
  }, 15 * 60_000);

  fx.startRole = async (role, startOptions = {}) => {
    const deployment = fx.deployment(role);
    const pod = podSpecOf(deployment);
    const container = pod.containers[0];
    if (container === undefined) throw new Error(`Deployment ${fx.nameOf(role)} has no container`);
    const serviceAccount = startOptions.serviceAccount === undefined ? (pod.automountServiceAccountToken === false ? null : (pod.serviceAccountName ?? fx.nameOf(role))) : startOptions.serviceAccount;
    const suffix = startOptions.name ?? role;
    const podName = `${fx.nameOf(role)}-${suffix === role ? 'podman' : suffix}`;
    let identity: PodIdentity | undefined;
    const env: Record<string, string> = {};
    if (serviceAccount !== null) {
      identity = await podIdentity(fx.kc, { namespace: fx.ns, serviceAccount, podName });
      identities.push(identity);
      Object.assign(env, identity.env);
    } else {
      // A kubelet sets these in every Pod, token or not.
      Object.assign(env, podEnvWithoutToken(fx.kc));
    }
    // The Deployment's env: plain values as written, the downward API by hand (POD_NAME, NAMESPACE).
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.name === 'POD_NAME') env[e.name] = podName;
      else if (e.name === 'NAMESPACE') env[e.name] = fx.ns;
    }
    const port = await freePort();
    let args = [...(container.command ?? []), ...(container.args ?? [])].map((a) => expandVars(a, env));
    // The entrypoint is `kawa`: a command naming it is dropped, the role's args stay.
    if (args[0] === 'kawa' || args[0] === '/usr/local/bin/kawa') args = args.slice(1);
    args = setFlag(args, PORT_FLAG[role], String(port));
    // Host network: listen on loopback only, not on every interface of the machine.
    if (args.includes('--address')) args = setFlag(args, '--address', '127.0.0.1');
    if (role === 'application-controller') args = setFlag(args, '--metrics-address', '127.0.0.1');
    // The install's Service name does not resolve here: the repo server container started before it.
    if (args.includes('--repo-server') && repoServerUrl !== undefined) args = setFlag(args, '--repo-server', repoServerUrl);
    const name = `${release}-${suffix}-${randomBytes(2).toString('hex')}`;
    // As the install runs it: read-only root, /tmp and /home/kawa writable (its emptyDirs), uid 999.
    const handle = await runContainer({ image: startOptions.image ?? fx.image, name, args, env, readOnly: true, mounts: identity === undefined ? [] : [identity.mount], onLine: echo ? (line) => { console.log(`[${name}] ${line}`); } : undefined });
    const started: RoleContainer = Object.assign(Object.create(handle) as Container, { role, url: `http://127.0.0.1:${port}`, ...(identity === undefined ? {} : { identity }) });
    containers.push(started);
    if (role === 'repo-server') repoServerUrl = started.url;
    return started;
  };

  fx.waitHealthy = async (container, timeoutMs = 60_000) => {
    try {
      await waitFor(`${container.role} /healthz 200`, async () => {
        if (container.done) throw new Error(`${container.name} exited with ${await container.exited}`);
        const res = await fetch(`${container.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200 ? true : undefined;
      }, { timeoutMs, intervalMs: 500 });
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- ${container.name} log ---\n${container.logs().slice(-4000)}`);
    }
  };

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.kill()));
    await Promise.all(identities.map((i) => i.cleanup()));
    await gitServer?.close();
    if (tmp !== '') await rm(tmp, { recursive: true, force: true });
    // The namespace goes with useNamespace; cluster-scoped objects of this release go here (not the CRDs:
    // other tests share them).
    const rest = new KubeRest(fx.kc);
    try {
      for (const o of fx.objects) {
        if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') {
          await rest.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/${o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${o.metadata?.name ?? ''}`).catch(() => undefined);
        }
      }
    } finally {
      rest.close();
    }
  });

  return fx;
}

function resolveImageRef(image: string): Promise<string> {
  return image.endsWith('.tar') ? loadImage(image) : Promise.resolve(image);
}

/** Server-side applies the rendered objects: CRDs first (then discovery again, so their kinds are found), then the rest. */
async function applyAll(kc: KubeConfig, objects: readonly KubeObject[]): Promise<void> {
  const rest = new KubeRest(kc);
  const apply = async (obj: KubeObject, resources: readonly ApiResource[]): Promise<void> => {
    const [group, version] = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/') : ['', obj.apiVersion];
    const resource = resources.find((r) => r.group === group && r.kind === obj.kind);
    if (resource === undefined) throw new Error(`the API server serves no ${obj.apiVersion ?? ''} ${obj.kind ?? ''}`);
    await applyObject(rest, { ...resource, version: version ?? resource.version }, obj, { fieldManager: TEST_FIELD_MANAGER, force: true });
  };
  try {
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    const before = await discoverApiResources(rest);
    for (const crd of crds) await apply(crd, before.resources);
    const { resources } = crds.length === 0 ? before : await waitFor('the CRDs served', async () => {
      const found = await discoverApiResources(rest);
      const served = crds.every((crd) => {
        const spec = crd['spec'] as { group: string; names: { kind: string } };
        return found.resources.some((r) => r.group === spec.group && r.kind === spec.names.kind);
      });
      return served ? found : undefined;
    });
    for (const obj of objects) if (obj.kind !== 'CustomResourceDefinition') await apply(obj, resources);
  } finally {
    rest.close();
  }
}
