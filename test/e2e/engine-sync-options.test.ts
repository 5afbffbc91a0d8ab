// Sync options that change how objects are written, on the real control plane: `Force=true` deletes and
// re-creates an object whose change the API server refuses as immutable (and only then), and
// `RespectIgnoreDifferences=true` leaves the fields ignoreDifferences selects as they are live.
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { SyncApp } from '../../src/engine/index.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { configMap, deploy, resultsOf, sync, useEngine } from '../harness/engine.js';
import { serverSideApply, waitUntil } from '../harness/kube.js';

const fx = useEngine();

function job(image: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', ...(Object.keys(annotations).length === 0 ? {} : { annotations }) },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image }] } } },
  };
}

async function liveJob(ns: string): Promise<{ uid: string; image: string }> {
  const j = await fx.kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'migrate', namespace: ns });
  return { uid: j.metadata?.uid ?? '', image: j.spec?.template.spec?.containers[0]?.image ?? '' };
}

describe('Force=true', () => {
  it('re-creates an object whose change is immutable; without it the sync fails and the object stays', async () => {
    const ns = await fx.namespace('frc');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [job('registry.kawa.example/run:1.0')] });
    const before = await liveJob(ns);

    const refused = await sync(fx.engine, { name, destinationNamespace: ns, desired: [job('registry.kawa.example/run:2.0')] });
    expect(refused.phase).toBe('Failed');
    expect(refused.message).toMatch(/field is immutable/);
    expect(await liveJob(ns)).toEqual(before);

    const forced = await sync(fx.engine, { name, destinationNamespace: ns, desired: [job('registry.kawa.example/run:2.0', { 'argocd.argoproj.io/sync-options': 'Force=true' })] });
    expect(forced.phase, forced.message).toBe('Succeeded');
    expect(forced.syncResult?.resources?.[0]?.message).toBe('replaced (deleted and re-created: Force=true)');
    const after = await liveJob(ns);
    expect(after.image).toBe('registry.kawa.example/run:2.0');
    expect(after.uid).not.toBe(before.uid);
  });

  it('never deletes an object because its manifest is invalid', async () => {
    const ns = await fx.namespace('frv');
    const name = `${ns}-app`;
    await deploy(fx, { name, destinationNamespace: ns, desired: [job('registry.kawa.example/run:1.0')] });
    const before = await liveJob(ns);
    const invalid = job('registry.kawa.example/run:1.0', { 'argocd.argoproj.io/sync-options': 'Force=true' });
    (invalid['spec'] as Record<string, unknown>)['backoffLimit'] = -1;
    const record = await sync(fx.engine, { name, destinationNamespace: ns, desired: [invalid] });
    expect(record.phase).toBe('Failed');
    expect(record.message).toMatch(/backoffLimit/);
    expect(await liveJob(ns)).toEqual(before);
  });
});

describe('RespectIgnoreDifferences=true', () => {
  it('keeps live values of ignored fields at sync; without it they are overwritten', async () => {
    const ns = await fx.namespace('rid');
    const name = `${ns}-app`;
    const cm = (a: string, b: string): KubeObject => ({ ...configMap('settings'), data: { a, b } });
    await deploy(fx, { name, destinationNamespace: ns, desired: [cm('1', '1')] });
    // Someone else changes data.b; the app ignores that field.
    await serverSideApply(fx.kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { b: 'theirs' } });
    await waitUntil('the cache to see the change', () => Promise.resolve(fx.cache.getByRef({ group: '', kind: 'ConfigMap', namespace: ns, name: 'settings' })?.['data']), (d) => (d as Record<string, string> | undefined)?.['b'] === 'theirs');
    const app = (options: string[]): SyncApp => ({
      name,
      destinationNamespace: ns,
      syncOptions: options,
      ignoreDifferences: [{ kind: 'ConfigMap', name: 'settings', jsonPointers: ['/data/b'] }],
      desired: [cm('2', '1')],
    });
    const read = async () => (await fx.kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'settings', namespace: ns })).data;

    const respected = await sync(fx.engine, app(['RespectIgnoreDifferences=true']));
    expect(respected.phase, respected.message).toBe('Succeeded');
    expect(resultsOf(respected)).toEqual({ 'ConfigMap/settings': 'Synced' });
    expect(await read()).toEqual({ a: '2', b: 'theirs' });

    await waitUntil('the cache to see a=2', () => Promise.resolve(fx.engine.compare(app([])).sync), (s) => s === 'Synced');
    const overwritten = await sync(fx.engine, { ...app([]), desired: [cm('3', '1')] });
    expect(overwritten.phase, overwritten.message).toBe('Succeeded');
    expect(await read()).toEqual({ a: '3', b: '1' });
  });
});
