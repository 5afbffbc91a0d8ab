// Helpers for tests against the real control plane: clients, a namespace per test file, polling.
import { CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, inject } from 'vitest';
import { serverSideApply as applyObject } from '../../src/kube/apply.js';
import { discoverApiResources } from '../../src/kube/discovery.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';

export const TEST_FIELD_MANAGER = 'kawa-e2e';

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/**
 * Server-side apply through kawa's own raw path (src/kube/apply.ts), with conflicts forced. Not through
 * client-node's KubernetesObjectApi: its typed serializer drops fields its models do not know.
 * Discovers the resource each time, so a CRD created a moment ago is found.
 */
export async function serverSideApply<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  const rest = new KubeRest(kc);
  try {
    const [group = '', version] = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion ?? '').split('/') : ['', obj.apiVersion];
    const { resources } = await discoverApiResources(rest);
    const resource = resources.find((r) => r.group === group && r.kind === obj.kind);
    if (!resource) throw new Error(`the API server serves no ${obj.apiVersion ?? ''} ${obj.kind ?? ''}`);
    const applied = await applyObject(rest, { ...resource, version: version ?? resource.version }, obj as unknown as KubeObject, { fieldManager: TEST_FIELD_MANAGER, force: true });
    return applied as unknown as T;
  } finally {
    rest.close();
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Poll `probe` until it returns a value that is not undefined. On timeout the error shows what was
 * last seen, so a failing test says why (e.g. the Deployment's conditions).
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(options.intervalMs ?? 250);
  }
  const seen = last instanceof Error ? last.message : JSON.stringify(last);
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `; last seen: ${seen}`}`);
}

/** Like waitFor, but remembers the last observed state for the timeout message. */
export async function waitUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions = {}): Promise<T> {
  let lastSeen: T | undefined;
  try {
    return await waitFor(what, async () => {
      lastSeen = await read();
      return done(lastSeen) ? lastSeen : undefined;
    }, options);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last state: ${JSON.stringify(lastSeen)}`);
  }
}

/** A fresh namespace for the calling test file, removed after its tests. */
export function useNamespace(prefix = 'e2e'): { readonly name: string } {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    const core = testKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name, labels: { 'kawa.dev/test': 'true' } } } });
  });
  afterAll(async () => {
    const core = testKubeConfig().makeApiClient(CoreV1Api);
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return { name };
}
