import { describe, expect, it } from 'vitest';
import { applicationCrd, appProjectCrd, type CustomResourceDefinition } from '../../../model/index.js';
import {
  MIGRATED_FROM_REPLICAS_ANNOTATION,
  checkCluster,
  crdTarget,
  describeStep,
  ignoredArgoCdCmKeys,
  liveKawaLeases,
  planMigration,
  planRollback,
  snapshotStatuses,
  statusLosses,
  type ClusterState,
  type LiveCrd,
  type Workload,
} from './plan.js';

const kawaCrds = { application: applicationCrd(), appProject: appProjectCrd() };

/** Argo CD's shape of a CRD: kawa's names and schema, no status subresource, Argo CD's labels. */
function argoCdCrd(crd: CustomResourceDefinition): LiveCrd {
  const json = JSON.parse(JSON.stringify(crd)) as LiveCrd & { spec: { versions: Record<string, unknown>[] } };
  for (const v of json.spec.versions) delete v['subresources'];
  return { ...json, metadata: { name: crd.metadata.name, labels: { 'app.kubernetes.io/name': crd.metadata.name, 'app.kubernetes.io/part-of': 'argocd' } } };
}
const asLive = (crd: CustomResourceDefinition): LiveCrd => JSON.parse(JSON.stringify(crd)) as LiveCrd;

const app = (name: string, spec: Record<string, unknown> = {}): unknown => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'argocd' },
  spec: { project: 'default', source: { repoURL: 'https://git.example/apps.git', path: name }, destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' }, ...spec },
});
const project = (name: string, spec: Record<string, unknown> = {}): unknown => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name, namespace: 'argocd' }, spec: { sourceRepos: ['*'], ...spec } });

const sts = (replicas: number, pods: number, annotations: Record<string, string> = {}): Workload => ({ kind: 'StatefulSet', name: 'argocd-application-controller', replicas, pods, annotations });
const kawaDeployment = (replicas: number, pods = replicas): Workload => ({ kind: 'Deployment', name: 'kawa-application-controller', replicas, pods, annotations: {} });

function argoCdState(overrides: Partial<ClusterState> = {}): ClusterState {
  return {
    namespace: 'argocd',
    crds: { application: argoCdCrd(kawaCrds.application), appProject: argoCdCrd(kawaCrds.appProject) },
    applications: [app('guestbook')],
    appProjects: [project('default')],
    argocdCm: { 'application.resourceTrackingMethod': 'annotation' },
    argocdControllers: [sts(1, 1)],
    kawaController: kawaDeployment(0),
    otherComponents: [{ kind: 'Deployment', name: 'argocd-server', replicas: 1, pods: 1, annotations: {} }],
    leases: [],
    ...overrides,
  };
}
const migrated = (overrides: Partial<ClusterState> = {}): ClusterState =>
  argoCdState({ crds: { application: asLive(kawaCrds.application), appProject: asLive(kawaCrds.appProject) }, argocdControllers: [sts(0, 0, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: '1' })], kawaController: kawaDeployment(1), ...overrides });

const messages = (state: ClusterState): string[] => checkCluster(state).problems.map((p) => `${p.forcible ? 'forcible' : 'blocking'}: ${p.message}`);

describe('checkCluster', () => {
  it.each<[string, Partial<ClusterState>, string[]]>([
    ['an Argo CD installation kawa reads', {}, []],
    [
      'no Application CRD',
      { crds: { appProject: argoCdCrd(kawaCrds.appProject) } },
      ["blocking: CRD applications.argoproj.io does not exist: Argo CD's Application CRD is not installed in this cluster, so there is nothing to take over (install kawa instead)"],
    ],
    [
      'no v1alpha1',
      { crds: { application: { spec: { versions: [{ name: 'v1beta1', served: true, storage: true }] } }, appProject: argoCdCrd(kawaCrds.appProject) } },
      ['blocking: CRD applications.argoproj.io has no version v1alpha1 (it has v1beta1): kawa reads v1alpha1 only'],
    ],
    [
      'v1alpha1 neither served nor stored',
      {
        crds: {
          application: { spec: { versions: [{ name: 'v1alpha1', served: false, storage: false }, { name: 'v1beta1', served: true, storage: true }] } },
          appProject: argoCdCrd(kawaCrds.appProject),
        },
      },
      ['blocking: CRD applications.argoproj.io: version v1alpha1 is not served', 'blocking: CRD applications.argoproj.io: the storage version is v1beta1, not v1alpha1'],
    ],
    [
      'an Application kawa cannot read, by name and field',
      { applications: [app('guestbook'), app('both', { destination: { server: 'https://kubernetes.default.svc', name: 'in-cluster' } })] },
      ['forcible: Application argocd/both: spec.destination: exactly one of server or name'],
    ],
    ['an AppProject kawa cannot read', { appProjects: [project('team', { sourceRepos: 'everything' })] }, ['forcible: AppProject argocd/team: spec.sourceRepos: expected array, got string']],
    [
      'a tracking method kawa does not know',
      { argocdCm: { 'application.resourceTrackingMethod': 'labels' } },
      ['blocking: argocd-cm application.resourceTrackingMethod is "labels"; kawa tracks resources by annotation, label, annotation+label, so it would not recognise the apps\' live resources'],
    ],
    [
      'an installationID',
      { argocdCm: { installationID: 'blue' } },
      [
        'forcible: argocd-cm installationID is "blue": kawa does not write or check the argocd.argoproj.io/installation-id annotation, so another installation\'s resources with the same app names would look like this one\'s (use --force if no other installation manages this cluster)',
      ],
    ],
    [
      'Argo CD managing itself',
      { argocdControllers: [{ ...sts(1, 1, { 'argocd.argoproj.io/tracking-id': 'argocd:apps/StatefulSet:argocd/argocd-application-controller' }) }] },
      [
        "forcible: StatefulSet argocd-application-controller belongs to Application argocd (Argo CD manages itself): kawa would sync that app and scale Argo CD's controller back up; set its replicas to 0 in git or take it out of that app first (--force goes on anyway)",
      ],
    ],
    [
      'Argo CD managing itself, tracked by label',
      { argocdControllers: [{ ...sts(1, 1), labels: { 'app.kubernetes.io/instance': 'argocd-install' } }] },
      [
        "forcible: StatefulSet argocd-application-controller belongs to Application argocd-install (Argo CD manages itself): kawa would sync that app and scale Argo CD's controller back up; set its replicas to 0 in git or take it out of that app first (--force goes on anyway)",
      ],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(messages(argoCdState(overrides))).toEqual(expected);
  });

  it.each<[string, Partial<ClusterState>, string[]]>([
    ['nothing to say', {}, []],
    ['no argocd-cm', { argocdCm: undefined }, ['no ConfigMap argocd-cm in argocd: kawa runs with Argo CD\'s defaults (annotation tracking)']],
    ['keys kawa ignores', { argocdCm: { 'statusbadge.enabled': 'true', 'accounts.alice': 'login', url: 'https://cd.example' } }, ['argocd-cm keys kawa ignores: statusbadge.enabled']],
    ['a key kawa reads, with a bad value', { argocdCm: { 'timeout.reconciliation': 'soon' } }, ['argocd-cm timeout.reconciliation: not a duration like 120s/3m: "soon" (using 2m0s)']],
    [
      "kawa's controller already running next to Argo CD's",
      { kawaController: kawaDeployment(1) },
      ["kawa's controller (Deployment kawa-application-controller) already runs next to Argo CD's: both sync the same apps until Argo CD's is stopped by this command"],
    ],
    [
      'an operator owns the controller',
      { argocdControllers: [{ ...sts(1, 1), owners: ['ArgoCD/example'] }] },
      ['StatefulSet argocd-application-controller is owned by ArgoCD/example: an operator may scale it back up; stop the operator from managing the controller first'],
    ],
    [
      'no Argo CD controller',
      { argocdControllers: [] },
      ['no StatefulSet or Deployment argocd-application-controller in argocd: nothing of Argo CD\'s to stop (make sure no Argo CD controller runs elsewhere against these apps)'],
    ],
  ])('warns: %s', (_name, overrides, expected) => {
    const state = argoCdState(overrides);
    if ('argocdCm' in overrides && overrides.argocdCm === undefined) delete state.argocdCm;
    expect(checkCluster(state).warnings).toEqual(expected);
  });
});

describe('ignoredArgoCdCmKeys', () => {
  it.each<[Record<string, string>, string[]]>([
    [{}, []],
    [{ url: 'x', 'oidc.config': 'x', 'timeout.reconciliation': '1m', 'resource.customizations.health.apps_Deployment': 'x', 'accounts.bob.enabled': 'false' }, []],
    [{ 'ui.bannercontent': 'x', 'kustomize.buildOptions': '--enable-helm', 'dex.config': 'x' }, ['dex.config', 'kustomize.buildOptions', 'ui.bannercontent']],
  ])('%j → %j', (data, expected) => {
    expect(ignoredArgoCdCmKeys(data)).toEqual(expected);
  });
});

describe('crdTarget', () => {
  it('is undefined when the CRD is kawa\'s already', () => {
    expect(crdTarget(asLive(kawaCrds.application), kawaCrds.application)).toBeUndefined();
    expect(crdTarget(asLive(kawaCrds.appProject), kawaCrds.appProject)).toBeUndefined();
  });

  it('is kawa\'s CRD in place of Argo CD\'s', () => {
    expect(crdTarget(argoCdCrd(kawaCrds.application), kawaCrds.application)).toEqual(kawaCrds.application);
  });

  it('is kawa\'s CRD when only the labels differ (part-of argocd)', () => {
    expect(crdTarget({ ...asLive(kawaCrds.appProject), metadata: { labels: { 'app.kubernetes.io/part-of': 'argocd' } } }, kawaCrds.appProject)).toEqual(kawaCrds.appProject);
  });

  it('keeps other versions (never as the storage version): versions is an atomic list for server-side apply', () => {
    const live = argoCdCrd(kawaCrds.application);
    const extra = { name: 'v1beta1', served: false, storage: true, schema: { openAPIV3Schema: { type: 'object' } } };
    live.spec?.versions?.push(extra);
    const target = crdTarget(live, kawaCrds.application);
    expect(target?.spec.versions.map((v) => [v.name, v.storage])).toEqual([
      ['v1alpha1', true],
      ['v1beta1', false],
    ]);
    // Applied once, the live CRD equals the target: nothing more to do.
    expect(crdTarget(JSON.parse(JSON.stringify(target)) as LiveCrd, kawaCrds.application)).toBeUndefined();
  });
});

describe('planMigration', () => {
  const kinds = (state: ClusterState): string[] => planMigration(state, { kawaCrds }).steps.map((s) => s.kind);

  // Each row is the state a run finds: from scratch, and after a run died between two steps.
  it.each<[string, ClusterState, string[], boolean]>([
    ['Argo CD running', argoCdState(), ['scale-down-argocd', 'wait-argocd-pods', 'apply-crd', 'apply-crd', 'verify-status', 'scale-up-kawa'], false],
    ['died after the scale-down, a Pod still terminating', argoCdState({ argocdControllers: [sts(0, 1, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: '1' })] }), ['wait-argocd-pods', 'apply-crd', 'apply-crd', 'verify-status', 'scale-up-kawa'], false],
    [
      'died after the first CRD',
      argoCdState({ crds: { application: asLive(kawaCrds.application), appProject: argoCdCrd(kawaCrds.appProject) }, argocdControllers: [sts(0, 0, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: '1' })] }),
      ['apply-crd', 'verify-status', 'scale-up-kawa'],
      false,
    ],
    ['died before kawa\'s controller was scaled up', migrated({ kawaController: kawaDeployment(0) }), ['scale-up-kawa'], false],
    ['migrated', migrated(), [], true],
    ['migrated, kawa not installed as a Deployment', migrated({ kawaController: undefined }), ['start-kawa'], true],
    ['Argo CD scaled back up by hand after a migration', migrated({ argocdControllers: [sts(2, 2, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: '1' })] }), ['scale-down-argocd', 'wait-argocd-pods', 'verify-status'], false],
    ['Argo CD stopped before the migration', argoCdState({ argocdControllers: [sts(0, 0)] }), ['scale-down-argocd', 'apply-crd', 'apply-crd', 'verify-status', 'scale-up-kawa'], false],
    ['no Argo CD controller at all', argoCdState({ argocdControllers: [] }), ['apply-crd', 'apply-crd', 'verify-status', 'scale-up-kawa'], false],
  ])('%s', (_name, state, expected, done) => {
    if (state.kawaController === undefined) delete state.kawaController;
    expect(kinds(state)).toEqual(expected);
    expect(planMigration(state, { kawaCrds }).done).toBe(done);
  });

  it.each<[string, Workload, number]>([
    ['running: records its replicas', sts(3, 3), 3],
    ['already at 0 with no record: records 0', sts(0, 0), 0],
    ['scaled up again after a migration: records what runs now', sts(2, 2, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: '1' }), 2],
  ])('scale-down of Argo CD %s', (_name, workload, record) => {
    const [step] = planMigration(argoCdState({ argocdControllers: [workload] }), { kawaCrds }).steps;
    expect(step).toMatchObject({ kind: 'scale-down-argocd', record });
  });

  it('adds the status subresource to the Application CRD only, and scales kawa to --kawa-replicas', () => {
    const steps = planMigration(argoCdState(), { kawaCrds, kawaReplicas: 3 }).steps;
    expect(steps.filter((s) => s.kind === 'apply-crd').map((s) => [s.name, s.statusSubresourceAdded])).toEqual([
      ['applications.argoproj.io', true],
      ['appprojects.argoproj.io', false],
    ]);
    expect(steps.at(-1)).toMatchObject({ kind: 'scale-up-kawa', replicas: 3 });
  });

  it('lists the running Argo CD components it leaves alone', () => {
    const state = argoCdState({
      otherComponents: [
        { kind: 'Deployment', name: 'argocd-server', replicas: 2, pods: 2, annotations: {} },
        { kind: 'Deployment', name: 'argocd-dex-server', replicas: 0, pods: 0, annotations: {} },
      ],
    });
    expect(planMigration(state, { kawaCrds }).leftAlone.map((w) => w.name)).toEqual(['argocd-server']);
  });
});

describe('statusLosses', () => {
  const status = { sync: { status: 'Synced', revision: 'abc' }, history: [{ id: 0, revision: 'abc' }], reconciledAt: '2025-01-01T00:00:00Z', conditions: [] };
  const before = snapshotStatuses([{ metadata: { name: 'a' }, status }]);
  it.each<[string, unknown[], string[]]>([
    ['unchanged', [{ metadata: { name: 'a' }, status: { ...status, conditions: [{ type: 'x' }] } }], []],
    ['keys in another order', [{ metadata: { name: 'a' }, status: { reconciledAt: status.reconciledAt, history: status.history, sync: { revision: 'abc', status: 'Synced' } } }], []],
    ['history gone', [{ metadata: { name: 'a' }, status: { sync: status.sync, reconciledAt: status.reconciledAt } }], ['a: status.history is gone']],
    ['sync changed', [{ metadata: { name: 'a' }, status: { ...status, sync: { status: 'Unknown' } } }], ['a: status.sync changed']],
    ['the app gone', [], ['a: the Application is gone']],
  ])('%s', (_name, after, expected) => {
    expect(statusLosses(before, snapshotStatuses(after))).toEqual(expected);
  });
});

describe('liveKawaLeases', () => {
  const now = Date.parse('2025-01-01T00:00:30Z');
  it.each<[string, Parameters<typeof liveKawaLeases>[0][number], boolean]>([
    ['held and fresh', { name: 'kawa-controller-shard-0', holderIdentity: 'pod-a', renewTime: '2025-01-01T00:00:20Z', leaseDurationSeconds: 15 }, true],
    ['held but expired', { name: 'kawa-controller-shard-0', holderIdentity: 'pod-a', renewTime: '2025-01-01T00:00:10Z', leaseDurationSeconds: 15 }, false],
    ['released', { name: 'kawa-controller-shard-0', holderIdentity: '', renewTime: '2025-01-01T00:00:29Z' }, false],
    ['someone else\'s Lease', { name: 'other-lock', holderIdentity: 'x', renewTime: '2025-01-01T00:00:29Z' }, false],
  ])('%s', (_name, lease, live) => {
    expect(liveKawaLeases([lease], now)).toHaveLength(live ? 1 : 0);
  });
});

describe('planRollback', () => {
  const nowMs = Date.parse('2025-01-01T00:00:30Z');
  it.each<[string, ClusterState, string | undefined, string[]]>([
    ['after a migration, with Argo CD\'s CRDs', migrated(), 'crds.yaml', ['scale-down-kawa', 'wait-kawa-stopped', 'apply-argocd-crds', 'restore-argocd']],
    ['kawa\'s controller already at 0', migrated({ kawaController: kawaDeployment(0) }), undefined, ['restore-argocd']],
    ['a kawa controller outside the Deployment still holds its Lease', migrated({ kawaController: undefined, leases: [{ name: 'kawa-controller-shard-0', holderIdentity: 'laptop', renewTime: '2025-01-01T00:00:25Z' }] }), undefined, ['wait-kawa-stopped', 'restore-argocd']],
    ['rolled back already', argoCdState({ argocdControllers: [sts(1, 1)] }), undefined, []],
  ])('%s', (_name, state, file, expected) => {
    if (state.kawaController === undefined) delete state.kawaController;
    expect(planRollback(state, { ...(file === undefined ? {} : { argocdCrdsFile: file }), nowMs }).steps.map((s) => s.kind)).toEqual(expected);
  });

  it('restores the recorded replicas', () => {
    const plan = planRollback(migrated({ argocdControllers: [sts(0, 0, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: '3' })] }), { nowMs });
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'restore-argocd', replicas: 3 });
    expect(plan.warnings).toEqual([
      "the Application CRD is still kawa's (with a status subresource): Argo CD's controller writes status through the main resource, and those writes are dropped; re-apply Argo CD's CRDs (--argocd-crds FILE, or kubectl apply) before relying on it",
    ]);
  });

  it.each<[string, string]>([
    ['-1', 'annotation kawa.dev/migrated-from-replicas="-1" is not a replica count'],
    ['two', 'annotation kawa.dev/migrated-from-replicas="two" is not a replica count'],
  ])('refuses a recorded count of %s', (recorded, warning) => {
    const plan = planRollback(migrated({ argocdControllers: [sts(0, 0, { [MIGRATED_FROM_REPLICAS_ANNOTATION]: recorded })] }), { argocdCrdsFile: 'f', nowMs });
    expect(plan.steps.map((s) => s.kind)).not.toContain('restore-argocd');
    expect(plan.warnings.join('\n')).toContain(warning);
  });
});

describe('describeStep', () => {
  it('says what each step of a fresh migration does', () => {
    expect(planMigration(argoCdState(), { kawaCrds }).steps.map(describeStep)).toEqual([
      'scale StatefulSet argocd-application-controller from 1 to 0 replicas (recorded in annotation kawa.dev/migrated-from-replicas=1)',
      'wait until the Pods of StatefulSet argocd-application-controller are gone',
      "apply kawa's CRD applications.argoproj.io (server-side apply, field manager kawa): adds the status subresource; stored status stays",
      "apply kawa's CRD appprojects.argoproj.io (server-side apply, field manager kawa)",
      'check that the status of the 1 Application(s) (sync, health, history, operationState, resources, reconciledAt) is unchanged',
      'scale Deployment kawa-application-controller to 1 replica(s)',
    ]);
  });
});
