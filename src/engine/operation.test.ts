import { describe, expect, it } from 'vitest';
import type { KubeRest } from '../kube/rest.js';
import type { Clock } from './clock.js';
import { requestTermination, startOperation, stepOperation, type OperationDeps } from './operation.js';
import { terminatedOnRequest, wasTerminated, type OperationCache, type OperationRecord } from './operation-state.js';

// An empty cluster and an app that renders nothing (allowed): the plan has no tasks, so the operation
// runs without a single API call and each test decides only how it ends.
const emptyCache: OperationCache = {
  getByRef: () => undefined,
  objectsOf: () => [],
  lookupResource: () => undefined,
  resolveResource: () => Promise.resolve(undefined),
  unsyncedTypes: () => [],
  failedDiscoveryGroups: () => [],
};
const app = { name: 'guestbook', desired: [], allowEmpty: true };
const operation = { sync: { revision: 'HEAD' } };

function depsAt(clock: { now: number }, timeoutMs = 0): OperationDeps {
  const testClock: Clock = { now: () => clock.now, sleep: () => Promise.resolve() };
  // No task of an empty plan writes to the cluster: a REST client that is never called.
  return { rest: {} as KubeRest, cache: emptyCache, clock: testClock, persist: () => undefined, settings: { timeoutMs } };
}

/** The record as the Application's status gives it back after a restart. */
function persisted(record: OperationRecord): OperationRecord {
  return JSON.parse(JSON.stringify(record)) as OperationRecord;
}

describe('wasTerminated', () => {
  it('is true for an operation a user terminated, also after a round trip through the status', async () => {
    const deps = depsAt({ now: Date.parse('2026-01-01T00:00:00Z') });
    const started = await startOperation(app, operation, deps, { operationId: 'op' });
    const asked = requestTermination(started);
    expect(wasTerminated(asked)).toBe(false); // asked, not ended yet
    const { record } = await stepOperation(asked, app, deps);
    expect(record.phase).toBe('Failed');
    expect(record.message).toBe('Operation terminated');
    expect(wasTerminated(record)).toBe(true);
    expect(wasTerminated(persisted(record))).toBe(true);
    expect(terminatedOnRequest(persisted(record))).toBe(true);
  });

  it('is true for an operation its timeout terminated', async () => {
    const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
    const deps = depsAt(clock, 60_000);
    const started = await startOperation(app, operation, deps, { operationId: 'op' });
    clock.now += 61_000;
    const { record } = await stepOperation(started, app, deps);
    expect(record.message).toMatch(/^operation timed out after 1m0s/);
    expect(wasTerminated(persisted(record))).toBe(true);
    // A timeout is a failure the retry policy still applies to; only a user's request stops retries.
    expect(terminatedOnRequest(persisted(record))).toBe(false);
  });

  it('is false for an operation that ended on its own, succeeded or failed', async () => {
    const deps = depsAt({ now: Date.parse('2026-01-01T00:00:00Z') });
    const started = await startOperation(app, operation, deps, { operationId: 'op' });
    let succeeded = started;
    for (let step = 0; step < 5 && succeeded.phase === 'Running'; step++) succeeded = (await stepOperation(succeeded, app, deps)).record;
    expect(succeeded.phase).toBe('Succeeded');
    expect(wasTerminated(persisted(succeeded))).toBe(false);

    const refused = await startOperation({ ...app, refused: 'no service account' }, operation, deps, { operationId: 'op2' });
    expect(refused.phase).toBe('Failed');
    expect(wasTerminated(persisted(refused))).toBe(false);
  });

  it('is false for a message that merely says "terminated", and for a record without a kawa section', () => {
    const foreign = { operation, phase: 'Failed', message: 'pod terminated with exit code 1', startedAt: '2026-01-01T00:00:00Z' } as unknown as OperationRecord;
    expect(wasTerminated(foreign)).toBe(false);
  });
});
