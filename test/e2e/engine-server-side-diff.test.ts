// Server-side diff on the real control plane: a field the API server drops (a custom resource written
// with Replace=true and Validate=false, whose schema prunes an unknown field) makes the client-side diff report drift that
// applying can never fix; one dry-run apply settles it, and is cached, so the next compare and refresh
// cost no API call. Real drift stays OutOfSync (and Replace=true heals it on an existing custom resource),
// and ServerSideDiff=true asks about every object.
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncApp } from '../../src/engine/index.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { configMap, deploy, useEngine } from '../harness/engine.js';
import { serverSideApply, waitUntil } from '../harness/kube.js';

const fx = useEngine();
const group = `ssd${randomBytes(3).toString('hex')}.kawa.dev`;

afterAll(async () => {
  await fx.kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: `gadgets.${group}` }).catch(() => undefined);
});

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `gadgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
  },
};

function gadget(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g', annotations: { 'argocd.argoproj.io/sync-options': 'Replace=true,Validate=false' } }, spec };
}

/** Counts the API requests (any verb) made through the engine's client while `fn` runs. */
async function requests<T>(fn: () => Promise<T>): Promise<{ value: T; count: number }> {
  let count = 0;
  const stop = fx.rest.onRequest(() => {
    count++;
  });
  try {
    return { value: await fn(), count };
  } finally {
    stop();
  }
}

describe('server-side diff', () => {
  it('settles drift the client-side diff cannot explain with one cached dry-run; real drift stays', async () => {
    const ns = await fx.namespace('ssd');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [crd, gadget({ size: 1, extra: 'pruned by the schema' })] };
    const first = await fx.engine.startSync({ app, operation: { sync: {} }, persist: () => undefined });
    const synced = await fx.engine.runToCompletion({ record: first, app, persist: () => undefined });
    expect(synced.phase, synced.message).toBe('Succeeded');
    const gadgetOf = (c: ReturnType<typeof fx.engine.compare>) => c.resources.find((r) => r.kind === 'Gadget');
    await waitUntil('the cache to show the Gadget', () => Promise.resolve(gadgetOf(fx.engine.compare(app))?.live), (live) => live !== undefined);

    // The client-side diff sees spec.extra missing in live: OutOfSync, and a server verdict is wanted.
    const before = fx.engine.compare(app);
    expect(gadgetOf(before)?.status).toBe('OutOfSync');
    expect(before.serverSideDiffPending?.map((r) => r.kind)).toEqual(['Gadget']);

    const refreshed = await requests(() => fx.engine.refreshServerSideDiff(app));
    expect(refreshed.value).toEqual({ checked: 1, failed: [] });
    // One dry-run PUT; a custom resource first refuses it without a resourceVersion, read then (as kubectl does).
    expect(refreshed.count).toBe(3);
    const after = fx.engine.compare(app);
    expect([after.sync, gadgetOf(after)?.status, after.serverSideDiffPending]).toEqual(['Synced', 'Synced', undefined]);
    // Steady state: nothing pending, no API call.
    expect((await requests(() => fx.engine.refreshServerSideDiff(app))).count).toBe(0);

    // Someone changes spec.size: a new resourceVersion, a new verdict, and this one says OutOfSync.
    await serverSideApply(fx.kc, { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g', namespace: ns }, spec: { size: 5 } });
    await waitUntil('the cache to see the change', () => Promise.resolve(fx.engine.compare(app).serverSideDiffPending?.length ?? 0), (n) => n === 1);
    expect((await fx.engine.refreshServerSideDiff(app)).checked).toBe(1);
    const drifted = fx.engine.compare(app);
    expect(gadgetOf(drifted)?.status).toBe('OutOfSync');
    expect(gadgetOf(drifted)?.diff?.differences.map((d) => d.path)).toContain('/spec/size');

    // A sync heals it: Replace=true updates the existing custom resource (versioned as kubectl replace does).
    const healed = await fx.engine.runToCompletion({ record: await fx.engine.startSync({ app, operation: { sync: {} }, persist: () => undefined }), app, persist: () => undefined });
    expect(healed.phase, healed.message).toBe('Succeeded');
    await waitUntil('the healed Gadget in the cache', () => Promise.resolve(gadgetOf(fx.engine.compare(app))?.live?.['spec']), (spec) => (spec as { size?: number } | undefined)?.size === 1);
    await fx.engine.refreshServerSideDiff(app);
    expect(fx.engine.compare(app).sync).toBe('Synced');
  });

  it('ServerSideDiff=true on the app asks about objects in sync too; with the mode off nothing is asked', async () => {
    const ns = await fx.namespace('ssa');
    const app: SyncApp = { name: `${ns}-app`, destinationNamespace: ns, desired: [configMap('a'), configMap('b')] };
    await deploy(fx, app);
    expect(fx.engine.compare(app).serverSideDiffPending).toBeUndefined();
    const all = { ...app, serverSideDiff: true };
    expect(fx.engine.compare(all).serverSideDiffPending?.map((r) => r.name)).toEqual(['a', 'b']);
    expect(await fx.engine.refreshServerSideDiff(all)).toEqual({ checked: 2, failed: [] });
    const compared = fx.engine.compare(all);
    expect([compared.sync, compared.serverSideDiffPending]).toEqual(['Synced', undefined]);
    expect(fx.engineWith({ serverSideDiff: 'off' }).compare(all).serverSideDiffPending).toBeUndefined();
  });
});
