// charts/kawa with the pinned helm: `helm lint` with the defaults and each flavour's values, and
// `helm template` with value variations, asserting the rendered objects.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { CONTROLLER_PERMISSIONS } from '../../src/controller/permissions.js';
import { describePermission, resolvePermissions, rulesGrant, type PolicyRule, type RolePermission } from '../../src/kube/access-review.js';
import { SERVER_PERMISSIONS } from '../../src/server/permissions.js';
import { loadPins, pinnedBinary, projectRoot } from '../../src/tools/pins.js';
import { CHART_DIR, FLAVOURS, helmTemplate } from './generate.js';

const run = promisify(execFile);
const root = projectRoot();
const helm = pinnedBinary(loadPins(root), 'helm');
const chart = path.join(root, CHART_DIR);
const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: unknown;
  securityContext: Record<string, unknown>;
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: unknown }[];
  affinity?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
}
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  rules?: Rule[];
  subjects?: { kind: string; name: string; namespace?: string }[];
  roleRef?: { kind: string; name: string };
  automountServiceAccountToken?: boolean;
  spec?: {
    replicas?: number;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    selector?: { matchLabels: Record<string, string> };
    ingressClassName?: string;
    rules?: { host?: string; http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
    tls?: { hosts?: string[]; secretName: string }[];
    ports?: { name: string; port: number; targetPort: string | number }[];
    podSelector?: { matchLabels: Record<string, string> };
    ingress?: { from?: { podSelector: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
    maxUnavailable?: number;
    minAvailable?: number;
  };
}

let work = '';
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'kawa-chart-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let valuesFiles = 0;
/** The chart rendered with these values (written to a values file, so multi-line strings pass unchanged). */
async function render(values: Record<string, unknown> = {}, options: { namespace?: string; release?: string } = {}): Promise<Obj[]> {
  const file = path.join(work, `values-${valuesFiles++}.yaml`);
  await writeFile(file, stringify(values));
  const out = await helmTemplate(helm, chart, { namespace: options.namespace ?? 'argocd', release: options.release ?? 'kawa', values: [file] });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((obj): obj is Obj => obj !== null);
}

function one(objects: readonly Obj[], kind: string, name: string): Obj {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found.map((o) => `${o.kind}/${o.metadata.name}`), `${kind}/${name}`).toEqual([`${kind}/${name}`]);
  return found[0] as Obj;
}
const podSpec = (objects: readonly Obj[], name: string): PodSpec => {
  const spec = one(objects, 'Deployment', name).spec?.template?.spec;
  if (spec === undefined) throw new Error(`Deployment ${name} has no pod template`);
  return spec;
};
const container = (objects: readonly Obj[], name: string): Container => {
  const [first] = podSpec(objects, name).containers;
  if (first === undefined) throw new Error(`Deployment ${name} has no container`);
  return first;
};
const kinds = (objects: readonly Obj[]): string[] => [...new Set(objects.map((o) => o.kind))].sort();

/** Whether a set of rules allows `verb` on `group`/`resource` (RBAC's matching: `*` matches everything). */
function allows(rules: readonly Rule[], verb: string, group: string, resource: string): boolean {
  return rules.some(
    (r) =>
      (r.verbs.includes('*') || r.verbs.includes(verb)) &&
      (r.apiGroups ?? []).some((g) => g === '*' || g === group) &&
      (r.resources ?? []).some((res) => res === '*' || res === resource),
  );
}
/** Every rule bound to a service account by these objects (Roles and ClusterRoles alike). */
function rulesOf(objects: readonly Obj[], serviceAccount: string): Rule[] {
  const bindings = objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && o.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount));
  return bindings.flatMap((b) => {
    const roleKind = b.roleRef?.kind ?? '';
    return one(objects, roleKind, b.roleRef?.name ?? '').rules ?? [];
  });
}

const ROLES = ['kawa-application-controller', 'kawa-server', 'kawa-repo-server'];

describe('helm lint', () => {
  const cases: [string, string | undefined][] = [['defaults', undefined], ...FLAVOURS.map((f): [string, string] => [f.out, f.values])];
  it.each(cases)('passes with %s', async (_name, values) => {
    const { stdout } = await run(helm, ['lint', '--strict', chart, ...(values === undefined ? [] : ['-f', path.join(root, values)])]);
    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe('helm template, defaults', () => {
  let objects: Obj[] = [];
  beforeAll(async () => {
    objects = await render();
  });

  it('renders the three roles, their Services, NetworkPolicies, RBAC, the CRDs and the settings placeholders', () => {
    expect(kinds(objects)).toEqual([
      'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CustomResourceDefinition', 'Deployment', 'NetworkPolicy', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount',
    ]);
    for (const name of ROLES) {
      const deployment = one(objects, 'Deployment', name);
      expect(deployment.metadata.labels).toEqual({
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/instance': 'kawa',
        'app.kubernetes.io/part-of': 'kawa',
        'app.kubernetes.io/component': name.slice('kawa-'.length),
      });
      expect(deployment.spec?.replicas).toBe(1);
      one(objects, 'ServiceAccount', name);
      one(objects, 'NetworkPolicy', name);
    }
    expect(objects.filter((o) => o.kind === 'Service').map((s) => [s.metadata.name, s.spec?.ports?.map((p) => [p.port, p.targetPort])])).toEqual([
      ['kawa-metrics', [[8082, 'metrics']]],
      ['kawa-repo-server', [[8081, 'server']]],
      ['kawa-server', [[80, 'http'], [443, 'http']]],
    ]);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget' || o.kind === 'Ingress')).toEqual([]);
  });

  it('runs each role with the install command line, non-root on a read-only root filesystem, ready on /healthz', () => {
    expect(container(objects, 'kawa-application-controller').args).toEqual(['controller', '--namespace', '$(NAMESPACE)', '--repo-server', 'http://kawa-repo-server:8081']);
    expect(container(objects, 'kawa-server').args).toEqual(['server', '--namespace', '$(NAMESPACE)', '--repo-server', 'http://kawa-repo-server:8081', '--address', '0.0.0.0', '--port', '8080']);
    expect(container(objects, 'kawa-repo-server').args).toEqual(['repo-server', '--address', '0.0.0.0', '--port', '8081']);
    expect(container(objects, 'kawa-application-controller').env?.map((e) => [e.name, e.valueFrom])).toEqual([
      ['POD_NAME', { fieldRef: { fieldPath: 'metadata.name' } }],
      ['NAMESPACE', { fieldRef: { fieldPath: 'metadata.namespace' } }],
    ]);
    const ports: Record<string, [string, string]> = { 'kawa-application-controller': ['/healthz', 'metrics'], 'kawa-server': ['/healthz', 'http'], 'kawa-repo-server': ['/healthz', 'server'] };
    for (const name of ROLES) {
      const pod = podSpec(objects, name);
      const c = container(objects, name);
      expect(c.image).toBe(`localhost/kawa:${version}`);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'home', mountPath: '/home/kawa' }]);
      expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'home', emptyDir: {} }]);
      expect([c.readinessProbe.httpGet.path, c.readinessProbe.httpGet.port]).toEqual(ports[name]);
      expect(pod.serviceAccountName).toBe(name);
      // Soft anti-affinity between the replicas of a role.
      expect(pod.affinity).toEqual({
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'kawa' } } } },
          ],
        },
      });
    }
  });

  it('gives the repo server no Kubernetes access: no token, no binding', () => {
    expect(one(objects, 'ServiceAccount', 'kawa-repo-server').automountServiceAccountToken).toBe(false);
    expect(podSpec(objects, 'kawa-repo-server').automountServiceAccountToken).toBe(false);
    expect(rulesOf(objects, 'kawa-repo-server')).toEqual([]);
  });

  it('lets the controller do anything, and the server read everything but write no workload', () => {
    const controller = rulesOf(objects, 'kawa-application-controller');
    expect(allows(controller, 'create', 'apps', 'deployments')).toBe(true);
    expect(allows(controller, 'impersonate', '', 'serviceaccounts')).toBe(true);
    expect(allows(controller, 'update', 'coordination.k8s.io', 'leases')).toBe(true);
    const server = rulesOf(objects, 'kawa-server');
    for (const verb of ['create', 'update']) {
      for (const [group, resource] of [['apps', 'deployments'], ['', 'pods'], ['batch', 'jobs'], ['', 'configmaps'], ['rbac.authorization.k8s.io', 'clusterroles'], ['', 'serviceaccounts']] as const) {
        expect(allows(server, verb, group, resource), `server ${verb} ${group}/${resource}`).toBe(false);
      }
    }
    expect(allows(server, 'impersonate', '', 'serviceaccounts')).toBe(false);
    expect(allows(server, 'watch', 'apps', 'deployments')).toBe(true);
    expect(allows(server, 'get', '', 'pods/log')).toBe(true);
    expect(allows(server, 'delete', 'apps', 'deployments')).toBe(false);
    expect(allows(server, 'patch', 'apps', 'deployments')).toBe(false);
    expect(allows(server, 'create', 'argoproj.io', 'applications')).toBe(true);
    expect(allows(server, 'update', '', 'secrets')).toBe(true);
    expect(allows(server, 'update', 'argoproj.io', 'applications/status')).toBe(true);
  });

  it('server.resourceActions: the server may also patch and delete live objects (resource actions), still never create or update', async () => {
    for (const values of [{ server: { resourceActions: true } }, { namespaced: true, server: { resourceActions: true } }]) {
      const server = rulesOf(await render(values), 'kawa-server');
      expect(allows(server, 'patch', 'apps', 'deployments')).toBe(true);
      expect(allows(server, 'delete', 'apps', 'deployments')).toBe(true);
      expect(allows(server, 'create', 'apps', 'deployments')).toBe(false);
      expect(allows(server, 'update', 'apps', 'deployments')).toBe(false);
    }
  });

  it('lets only the controller and the server reach the repo server', () => {
    const policy = one(objects, 'NetworkPolicy', 'kawa-repo-server');
    expect(policy.spec?.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kawa-application-controller', 'app.kubernetes.io/instance': 'kawa' } } },
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kawa-server', 'app.kubernetes.io/instance': 'kawa' } } },
        ],
        ports: [{ port: 8081, protocol: 'TCP' }],
      },
    ]);
    expect(one(objects, 'NetworkPolicy', 'kawa-server').spec?.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(one(objects, 'NetworkPolicy', 'kawa-application-controller').spec?.ingress).toEqual([{ ports: [{ port: 8082, protocol: 'TCP' }] }]);
  });

  it('ships argocd-cm, argocd-rbac-cm and an empty argocd-secret under Argo CD labels', () => {
    for (const [kind, name] of [['ConfigMap', 'argocd-cm'], ['ConfigMap', 'argocd-rbac-cm'], ['Secret', 'argocd-secret']] as const) {
      const obj = one(objects, kind, name);
      expect(obj.metadata.labels?.['app.kubernetes.io/part-of']).toBe('argocd');
      expect(obj.data).toBeUndefined();
    }
  });
});

describe('helm template, variations', () => {
  it('ingress: class, host, TLS and annotations; argocd-cm url follows the host', async () => {
    const objects = await render({
      server: { ingress: { enabled: true, ingressClassName: 'nginx', hostname: 'cd.example.org', annotations: { 'cert-manager.io/cluster-issuer': 'le' }, tls: { enabled: true, secretName: 'cd-tls' } } },
    });
    const ingress = one(objects, 'Ingress', 'kawa-server');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'le' });
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    expect(ingress.spec?.rules).toEqual([{ host: 'cd.example.org', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'kawa-server', port: { name: 'http' } } } }] } }]);
    expect(ingress.spec?.tls).toEqual([{ secretName: 'cd-tls', hosts: ['cd.example.org'] }]);
    expect(one(objects, 'ConfigMap', 'argocd-cm').data).toEqual({ url: 'https://cd.example.org' });
  });

  it('OIDC, extra argocd-cm keys and the RBAC policy land in argocd-cm and argocd-rbac-cm', async () => {
    const oidc = 'name: Okta\nissuer: https://example.okta.com\nclientID: kawa\nclientSecret: $oidc.okta.clientSecret\n';
    const objects = await render({
      oidc: { config: oidc },
      configs: {
        cm: { 'timeout.reconciliation': '180s', 'admin.enabled': false, 'accounts.ci': 'apiKey' },
        rbac: { 'policy.csv': 'g, platform, role:admin\np, role:ci, applications, sync, */*, allow\n', 'policy.default': 'role:readonly', scopes: '[groups, email]' },
      },
      url: 'https://kawa.internal',
    });
    expect(one(objects, 'ConfigMap', 'argocd-cm').data).toEqual({
      url: 'https://kawa.internal',
      'oidc.config': oidc,
      'timeout.reconciliation': '180s',
      'admin.enabled': 'false',
      'accounts.ci': 'apiKey',
    });
    expect(one(objects, 'ConfigMap', 'argocd-rbac-cm').data).toEqual({
      'policy.csv': 'g, platform, role:admin\np, role:ci, applications, sync, */*, allow\n',
      'policy.default': 'role:readonly',
      scopes: '[groups, email]',
    });
  });

  it('OIDC given as a map is written as YAML', async () => {
    const objects = await render({ oidc: { config: { name: 'Dex', issuer: 'https://dex.example.org', clientID: 'kawa' } } });
    expect(one(objects, 'ConfigMap', 'argocd-cm').data).toEqual({ 'oidc.config': 'clientID: kawa\nissuer: https://dex.example.org\nname: Dex' });
  });

  it('image, pull secrets, resources, scheduling, extra args and env per role', async () => {
    const objects = await render({
      image: { repository: 'registry.example.org/platform/kawa', tag: '9.9.9', pullPolicy: 'Always', pullSecrets: [{ name: 'regcred' }] },
      global: { nodeSelector: { pool: 'system' }, podAntiAffinity: 'none' },
      server: { resources: { requests: { cpu: '100m', memory: '128Mi' } }, extraArgs: ['--shutdown-timeout', '20s'], env: [{ name: 'LOG_LEVEL', value: 'debug' }], secureCookies: true },
      repoServer: { nodeSelector: { pool: 'render' }, tolerations: [{ key: 'render', operator: 'Exists', effect: 'NoSchedule' }] },
      controller: { extraArgs: ['--status-processors', '20'] },
    });
    for (const name of ROLES) {
      const c = container(objects, name);
      expect(c.image).toBe('registry.example.org/platform/kawa:9.9.9');
      expect(c.imagePullPolicy).toBe('Always');
      expect(podSpec(objects, name).imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(podSpec(objects, name).affinity).toBeUndefined();
    }
    const server = container(objects, 'kawa-server');
    expect(server.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' } });
    expect(server.args.slice(-3)).toEqual(['--secure-cookies', '--shutdown-timeout', '20s']);
    expect(server.env?.map((e) => e.name)).toEqual(['NAMESPACE', 'LOG_LEVEL']);
    expect(container(objects, 'kawa-application-controller').args.slice(-2)).toEqual(['--status-processors', '20']);
    expect(podSpec(objects, 'kawa-server').nodeSelector).toEqual({ pool: 'system' });
    expect(podSpec(objects, 'kawa-repo-server').nodeSelector).toEqual({ pool: 'render' });
    expect(podSpec(objects, 'kawa-repo-server').tolerations).toEqual([{ key: 'render', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('HA: sharded controller replicas, several servers and repo servers, disruption budgets', async () => {
    const ha = FLAVOURS.find((f) => f.out === 'manifests/ha/install.yaml');
    const objects = parseAllDocuments(await helmTemplate(helm, chart, { namespace: 'argocd', release: 'kawa', values: [path.join(root, ha?.values ?? '')] }))
      .map((d) => d.toJS() as Obj | null)
      .filter((o): o is Obj => o !== null);
    for (const name of ROLES) {
      expect(one(objects, 'Deployment', name).spec?.replicas).toBe(2);
      const pdb = one(objects, 'PodDisruptionBudget', name);
      expect(pdb.spec?.maxUnavailable).toBe(1);
      expect(pdb.spec?.selector?.matchLabels).toEqual({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'kawa' });
    }
    expect(container(objects, 'kawa-application-controller').args).toEqual(['controller', '--namespace', '$(NAMESPACE)', '--repo-server', 'http://kawa-repo-server:8081', '--replicas', '2']);
    expect(container(objects, 'kawa-application-controller').env?.[0]).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  });

  it('namespaced: Roles only, in the release namespace; the server still cannot create workloads', async () => {
    const objects = await render({ namespaced: true }, { namespace: 'team-a' });
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition').length).toBe(2);
    for (const obj of objects.filter((o) => o.kind !== 'CustomResourceDefinition')) expect(obj.metadata.namespace, `${obj.kind}/${obj.metadata.name}`).toBe('team-a');
    const controller = rulesOf(objects, 'kawa-application-controller');
    expect(allows(controller, 'create', 'apps', 'deployments')).toBe(true);
    const server = rulesOf(objects, 'kawa-server');
    expect(allows(server, 'create', 'apps', 'deployments')).toBe(false);
    expect(allows(server, 'update', 'apps', 'deployments')).toBe(false);
    expect(allows(server, 'list', 'apps', 'deployments')).toBe(true);
    expect(rulesOf(objects, 'kawa-repo-server')).toEqual([]);
  });

  it('without CRDs, without ClusterRoles, with the CRDs deletable on uninstall', async () => {
    const noCrds = await render({ crds: { install: false } });
    expect(noCrds.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    const noClusterRoles = await render({ createClusterRoles: false });
    expect(noClusterRoles.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(noClusterRoles.filter((o) => o.kind === 'Role').map((o) => o.metadata.name)).toEqual(['kawa-application-controller', 'kawa-server']);
    const notKept = await render({ crds: { keep: false } });
    for (const crd of notKept.filter((o) => o.kind === 'CustomResourceDefinition')) expect(crd.metadata.annotations).toBeUndefined();
  });

  it('next to a running Argo CD: none of its settings or CRDs, the controller at 0 replicas until the move', async () => {
    const objects = await render({ configs: { create: false }, crds: { install: false }, controller: { replicas: 0 } });
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const kept of ['ConfigMap/argocd-cm', 'ConfigMap/argocd-rbac-cm', 'Secret/argocd-secret']) expect(names).not.toContain(kept);
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(one(objects, 'Deployment', 'kawa-application-controller').spec?.replicas).toBe(0);
    expect(one(objects, 'Deployment', 'kawa-server').spec?.replicas).toBe(1);
  });

  it('names objects after the release, and points the roles at that release\'s repo server', async () => {
    const objects = await render({}, { release: 'cd', namespace: 'tools' });
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['cd-application-controller', 'cd-repo-server', 'cd-server']);
    expect(container(objects, 'cd-server').args).toContain('http://cd-repo-server:8081');
    expect(one(objects, 'ClusterRoleBinding', 'cd-server').subjects).toEqual([{ kind: 'ServiceAccount', name: 'cd-server', namespace: 'tools' }]);
    one(objects, 'Service', 'cd-metrics');
  });
});

describe('values.schema.json', () => {
  it.each([
    [{ global: { podAntiAffinity: 'sometimes' } }, "at '/global/podAntiAffinity'"],
    [{ controller: { replicas: -1 } }, "at '/controller/replicas'"],
    [{ image: { pullPolicy: 'Daily' } }, "at '/image/pullPolicy'"],
    [{ namespaced: 'always' }, "at '/namespaced'"],
  ])('refuses %j', async (values, where) => {
    await expect(render(values)).rejects.toThrow(where);
  });
});

describe('the RBAC grants what each role checks for at start (src/controller/permissions.ts, src/server/permissions.ts)', () => {
  const roles: [string, readonly RolePermission[]][] = [
    ['kawa-application-controller', CONTROLLER_PERMISSIONS],
    ['kawa-server', SERVER_PERMISSIONS],
  ];
  it.each([
    ['cluster-wide', false],
    ['namespaced', true],
  ] as const)('%s', async (_mode, namespaced) => {
    const objects = await render({ namespaced }, { namespace: 'argocd' });
    for (const [account, declared] of roles) {
      const bindings = objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && o.subjects?.some((s) => s.name === account));
      const rulesOfKind = (kind: 'Role' | 'ClusterRole'): PolicyRule[] =>
        bindings
          .filter((b) => b.roleRef?.kind === kind)
          .flatMap((b) => one(objects, kind, b.roleRef?.name ?? '').rules ?? [])
          .map((r) => ({ apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], verbs: r.verbs }));
      const inNamespace = [...rulesOfKind('Role'), ...rulesOfKind('ClusterRole')];
      const clusterWide = rulesOfKind('ClusterRole');
      const missing = resolvePermissions(declared, { namespace: 'argocd', namespaced })
        .filter((p) => !rulesGrant(p.namespace === undefined ? clusterWide : inNamespace, p))
        .map(describePermission);
      expect(missing, account).toEqual([]);
    }
  });
});
