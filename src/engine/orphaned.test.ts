import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { formatTrackingId, TRACKING_ID_ANNOTATION } from '../kube/tracking.js';
import { findOrphanedResources, type OrphanedInput, type OrphanedResourcesSettings } from './orphaned.js';

function obj(apiVersion: string, kind: string, name: string, more: { namespace?: string; trackedBy?: string; uid?: string; owner?: string } = {}): KubeObject {
  const namespace = more.namespace ?? 'shop';
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      ...(more.uid === undefined ? {} : { uid: more.uid }),
      ...(more.owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: more.owner, controller: true }] }),
      ...(more.trackedBy === undefined ? {} : { annotations: { [TRACKING_ID_ANNOTATION]: formatTrackingId({ app: more.trackedBy, group, kind, namespace, name }) } }),
    },
  };
}

const LIVE: readonly KubeObject[] = [
  obj('v1', 'ConfigMap', 'stray'),
  obj('v1', 'ConfigMap', 'mine', { trackedBy: 'shop' }),
  obj('v1', 'ConfigMap', 'other-app', { trackedBy: 'billing' }),
  obj('v1', 'ConfigMap', 'gone-app', { trackedBy: 'deleted-app' }),
  obj('v1', 'ConfigMap', 'kube-root-ca.crt'),
  obj('v1', 'ServiceAccount', 'default'),
  obj('v1', 'Secret', 'token-abc'),
  obj('apps/v1', 'Deployment', 'legacy', { uid: 'dep-1' }),
  obj('v1', 'ConfigMap', 'elsewhere', { namespace: 'other' }),
];

const CHILDREN: Readonly<Record<string, readonly KubeObject[]>> = {
  'dep-1': [obj('apps/v1', 'ReplicaSet', 'legacy-1', { owner: 'dep-1', uid: 'rs-1' }), obj('v1', 'Pod', 'legacy-1-a', { owner: 'rs-1' })],
};

const APPS = new Set(['shop', 'billing']);

/** `Kind/name` of the orphans, and the condition message (or `-`). */
function run(settings: OrphanedResourcesSettings | undefined, more: Partial<OrphanedInput> = {}): [string[], string] {
  const result = findOrphanedResources({
    settings,
    destinationNamespace: 'shop',
    topLevel: LIVE,
    descendantsOf: (uid) => CHILDREN[uid] ?? [],
    appExists: (name) => APPS.has(name),
    ...more,
  });
  return [result.orphaned.map((r) => `${r.kind}/${r.name}`), result.condition?.message ?? '-'];
}

/** Sorted as Argo CD sorts orphaned nodes: group (core first), kind, namespace, name. */
const ALL = ['ConfigMap/gone-app', 'ConfigMap/stray', 'Pod/legacy-1-a', 'Secret/token-abc', 'Deployment/legacy', 'ReplicaSet/legacy-1'];

/** [case, settings, extra input, orphans, condition message] */
const CASES: readonly (readonly [string, OrphanedResourcesSettings | undefined, Partial<OrphanedInput>, string[], string])[] = [
  ['the project does not monitor: nothing', undefined, {}, [], '-'],
  ['no destination namespace: nothing', {}, { destinationNamespace: '' }, [], '-'],
  ['monitoring warns by default; children counted; known objects and other apps excluded', {}, {}, ALL, 'Application has 6 orphaned resources'],
  ['warn: false lists them without a condition', { warn: false }, {}, ALL, '-'],
  ['ignore by kind (core group by default)', { ignore: [{ kind: 'Secret' }] }, {}, ALL.filter((n) => n !== 'Secret/token-abc'), 'Application has 5 orphaned resources'],
  ['ignore by name glob across kinds', { ignore: [{ name: '*-app' }, { name: 'str?y' }] }, {}, ALL.filter((n) => !['ConfigMap/gone-app', 'ConfigMap/stray'].includes(n)), 'Application has 4 orphaned resources'],
  ['an empty group only matches the core group', { ignore: [{ kind: 'Deployment' }] }, {}, ALL, 'Application has 6 orphaned resources'],
  ['group glob', { ignore: [{ group: 'app*', kind: 'Deploy*' }] }, {}, ALL.filter((n) => !['Deployment/legacy', 'ReplicaSet/legacy-1', 'Pod/legacy-1-a'].includes(n)), 'Application has 3 orphaned resources'],
  ['kinds the project does not permit are not reported', {}, { permitted: (gk) => gk.kind !== 'Secret' }, ALL.filter((n) => n !== 'Secret/token-abc'), 'Application has 5 orphaned resources'],
  ['an object of an app that exists is never an orphan', {}, { appExists: () => true }, ALL.filter((n) => n !== 'ConfigMap/gone-app'), 'Application has 5 orphaned resources'],
  ['nothing orphaned: no condition', {}, { topLevel: [obj('v1', 'ConfigMap', 'mine', { trackedBy: 'shop' })] }, [], '-'],
];

describe('findOrphanedResources', () => {
  it.each(CASES)('%s', (_name, settings, more, orphans, message) => {
    expect(run(settings, more)).toEqual([orphans, message]);
  });

  it('the Service kubernetes is excluded only in the default namespace', () => {
    const svc = (ns: string) => obj('v1', 'Service', 'kubernetes', { namespace: ns });
    const inDefault = findOrphanedResources({ settings: {}, destinationNamespace: 'default', topLevel: [svc('default')], appExists: () => false });
    const inShop = findOrphanedResources({ settings: {}, destinationNamespace: 'shop', topLevel: [svc('shop')], appExists: () => false });
    expect([inDefault.orphaned.length, inShop.orphaned.length]).toEqual([0, 1]);
  });
});
