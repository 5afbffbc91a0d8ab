// Helpers for tests against the real control plane: clients, a namespace per test file, polling.
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, inject } from 'vitest';

export const TEST_FIELD_MANAGER = 'kawa-e2e';

export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/** Server-side apply, the way kawa applies: one field manager, conflicts forced. */
export async function serverSideApply<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  const api = kc.makeApiClient(KubernetesObjectApi);
  return api.patch(obj, undefined, undefined, TEST_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
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
