import { describe, expect, it } from 'vitest';
import type { KubeObject } from './objects.js';
import {
  TRACKING_ID_ANNOTATION,
  appInstanceName,
  formatTrackingId,
  parseAppInstanceName,
  parseTrackingId,
  parseTrackingMethod,
  trackedAppInstance,
  trackingMarks,
  type TrackingId,
} from './tracking.js';

describe('tracking id', () => {
  const cases: [string, TrackingId][] = [
    ['guestbook:apps/Deployment:default/web', { app: 'guestbook', group: 'apps', kind: 'Deployment', namespace: 'default', name: 'web' }],
    ['guestbook:/ConfigMap:default/settings', { app: 'guestbook', group: '', kind: 'ConfigMap', namespace: 'default', name: 'settings' }],
    ['guestbook:/Namespace:/prod', { app: 'guestbook', group: '', kind: 'Namespace', namespace: '', name: 'prod' }],
    [
      'rbac:rbac.authorization.k8s.io/ClusterRole:/system:aggregate-to-admin',
      { app: 'rbac', group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespace: '', name: 'system:aggregate-to-admin' },
    ],
    ['team-a_web:apps/Deployment:team-a/web', { app: 'team-a_web', group: 'apps', kind: 'Deployment', namespace: 'team-a', name: 'web' }],
  ];
  it.each(cases)('%s', (text, id) => {
    expect(parseTrackingId(text)).toEqual(id);
    expect(formatTrackingId(id)).toBe(text);
  });

  it.each(['', 'guestbook', ':apps/Deployment:default/web', 'app:apps/Deployment', 'app:apps/:ns/name', 'app:apps/Deployment:ns/', 'app:Deployment:ns/name'])(
    'rejects %j',
    (text) => {
      expect(parseTrackingId(text)).toBeUndefined();
    },
  );
});

describe('app instance names', () => {
  it.each([
    [{ name: 'guestbook', namespace: 'argocd' }, 'guestbook'],
    [{ name: 'guestbook' }, 'guestbook'],
    [{ name: 'guestbook', namespace: '' }, 'guestbook'],
    [{ name: 'web', namespace: 'team-a' }, 'team-a_web'],
  ])('%j → %s', (app, instance) => {
    expect(appInstanceName(app, 'argocd')).toBe(instance);
  });

  it.each([
    ['guestbook', { name: 'guestbook', namespace: 'argocd' }],
    ['team-a_web', { name: 'web', namespace: 'team-a' }],
  ])('%s → %j', (instance, app) => {
    expect(parseAppInstanceName(instance, 'argocd')).toEqual(app);
  });
});

describe('parseTrackingMethod', () => {
  it.each([
    [undefined, 'annotation'],
    ['', 'annotation'],
    ['label', 'label'],
    [' annotation+label ', 'annotation+label'],
  ] as const)('%j → %s', (value, method) => {
    expect(parseTrackingMethod(value)).toBe(method);
  });
  it('rejects an unknown method', () => {
    expect(() => parseTrackingMethod('labels')).toThrow(/application.resourceTrackingMethod: "labels" is not one of annotation, label, annotation\+label/);
  });
});

function deployment(annotations: Record<string, string> = {}, labels: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace, annotations, labels } };
}

describe('trackedAppInstance', () => {
  const id = 'guestbook:apps/Deployment:default/web';
  it('reads the annotation by default', () => {
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: id }))).toBe('guestbook');
    expect(trackedAppInstance(deployment({}, { 'app.kubernetes.io/instance': 'guestbook' }))).toBeUndefined();
  });
  it('ignores an annotation copied from another object', () => {
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: 'guestbook:apps/Deployment:default/other' }))).toBeUndefined();
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: 'guestbook:apps/ReplicaSet:default/web' }))).toBeUndefined();
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: id }, {}, 'elsewhere'))).toBeUndefined();
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: 'guestbook:extensions/Deployment:default/web' }))).toBeUndefined();
  });
  it('accepts an id without a namespace', () => {
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: 'guestbook:apps/Deployment:/web' }))).toBe('guestbook');
  });
  it('ignores a malformed annotation', () => {
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: 'garbage' }))).toBeUndefined();
  });
  it('reads the label with the label method, under a custom key too', () => {
    expect(trackedAppInstance(deployment({}, { 'app.kubernetes.io/instance': 'guestbook' }), { method: 'label' })).toBe('guestbook');
    expect(trackedAppInstance(deployment({}, { team: 'guestbook' }), { method: 'label', labelKey: 'team' })).toBe('guestbook');
    expect(trackedAppInstance(deployment({}, { 'app.kubernetes.io/instance': '' }), { method: 'label' })).toBeUndefined();
  });
  it('lets the annotation decide with annotation+label', () => {
    expect(trackedAppInstance(deployment({}, { 'app.kubernetes.io/instance': 'guestbook' }), { method: 'annotation+label' })).toBeUndefined();
    expect(trackedAppInstance(deployment({ [TRACKING_ID_ANNOTATION]: id }, { 'app.kubernetes.io/instance': 'other' }), { method: 'annotation+label' })).toBe(
      'guestbook',
    );
  });
});

describe('trackedAppInstance with empty or odd metadata (live objects are not validated)', () => {
  const obj = (metadata: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata as KubeObject['metadata'] });
  it.each<[string, unknown, 'annotation' | 'label', string | undefined]>([
    ['null annotations', { name: 'web', annotations: null }, 'annotation', undefined],
    ['null labels', { name: 'web', labels: null }, 'label', undefined],
    ['null metadata', null, 'annotation', undefined],
    ['a null tracking id', { name: 'web', annotations: { [TRACKING_ID_ANNOTATION]: null } }, 'annotation', undefined],
    ['a numeric tracking id', { name: 'web', annotations: { [TRACKING_ID_ANNOTATION]: 7 } }, 'annotation', undefined],
    ['a null instance label', { name: 'web', labels: { 'app.kubernetes.io/instance': null } }, 'label', undefined],
    ['annotations as a list', { name: 'web', annotations: [TRACKING_ID_ANNOTATION] }, 'annotation', undefined],
    ['null labels beside the annotation', { name: 'web', labels: null, annotations: { [TRACKING_ID_ANNOTATION]: 'gb:/ConfigMap:/web' } }, 'annotation', 'gb'],
  ])('%s', (_name, metadata, method, expected) => {
    expect(trackedAppInstance(obj(metadata), { method })).toBe(expected);
  });
});

describe('trackingMarks', () => {
  const ref = { group: 'apps', kind: 'Deployment', namespace: 'default', name: 'web' };
  it.each([
    ['annotation', {}, { [TRACKING_ID_ANNOTATION]: 'team-a_web:apps/Deployment:default/web' }],
    ['label', { 'app.kubernetes.io/instance': 'team-a_web' }, {}],
    ['annotation+label', { 'app.kubernetes.io/instance': 'team-a_web' }, { [TRACKING_ID_ANNOTATION]: 'team-a_web:apps/Deployment:default/web' }],
  ] as const)('%s', (method, labels, annotations) => {
    expect(trackingMarks('team-a_web', ref, { method })).toEqual({ labels, annotations });
  });
  it('round-trips through trackedAppInstance', () => {
    for (const method of ['annotation', 'label', 'annotation+label'] as const) {
      const marks = trackingMarks('guestbook', ref, { method });
      expect(trackedAppInstance(deployment(marks.annotations, marks.labels), { method })).toBe('guestbook');
    }
  });
});
