import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/objects.js';
import { trackedAppInstance } from '../kube/tracking.js';
import { OPERATION_ID_ANNOTATION, createdBy, hookObject, sightHook, type CreatedHook } from './hooks.js';

const GRACE = 10_000;
const CREATED = Date.parse('2026-01-01T00:00:00Z');

function live(uid: string, generation?: number): KubeObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop', uid, ...(generation === undefined ? {} : { generation }) } };
}

describe('sightHook', () => {
  const created: CreatedHook = { uid: 'u1', generation: 2, phase: 'Running', createdAt: CREATED };
  it.each<[string, CreatedHook, KubeObject | undefined, number, string]>([
    ['the created copy, as new as the create', created, live('u1', 2), CREATED + 1, 'current'],
    ['a newer generation of it', created, live('u1', 3), CREATED + 1, 'current'],
    ['a cached copy older than the create', created, live('u1', 1), CREATED + 1, 'not-yet'],
    ['a namesake (another uid), within the grace', created, live('u2'), CREATED + 1, 'not-yet'],
    ['nothing yet, within the grace', created, undefined, CREATED + GRACE, 'not-yet'],
    ['nothing, past the grace', created, undefined, CREATED + GRACE + 1, 'unseen'],
    ['nothing, creation time unknown', { ...created, createdAt: Number.NaN }, undefined, CREATED + 10 * GRACE, 'not-yet'],
    ['seen running, now gone', { ...created, health: 'Progressing' }, undefined, CREATED + 1, 'vanished'],
    ['seen finished, now gone (a TTL): its result stands', { ...created, health: 'Healthy', phase: 'Succeeded' }, undefined, CREATED + 1, 'not-yet'],
  ])('%s', (_name, hook, cached, now, expected) => {
    expect(sightHook(hook, cached, now, GRACE).kind).toBe(expected);
  });
});

describe('hookObject', () => {
  const hook = {
    object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'migrate-', namespace: 'shop', annotations: { team: 'a' } }, spec: {} },
    ref: { group: 'batch', kind: 'Job', namespace: 'shop', name: 'migrate-abc12' },
  };
  const object = hookObject(hook, { appName: 'guestbook', tracking: {}, operationId: 'op-1' });

  it('takes its final name instead of generateName', () => {
    expect(object.metadata?.name).toBe('migrate-abc12');
    expect(object.metadata).not.toHaveProperty('generateName');
  });

  it("carries the app's tracking mark and its creator's mark, beside its own annotations", () => {
    expect(trackedAppInstance(object, {})).toBe('guestbook');
    expect(object.metadata?.annotations).toMatchObject({ team: 'a', [OPERATION_ID_ANNOTATION]: 'op-1' });
    expect(createdBy(object, 'op-1')).toBe(true);
    expect(createdBy(object, 'op-2')).toBe(false);
    expect(createdBy(undefined, 'op-1')).toBe(false);
  });
});
