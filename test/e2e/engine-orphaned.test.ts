// Orphaned resources on the real control plane: the cache's namespace index gives the top-level objects of
// an app's destination namespace (a Deployment, not the ReplicaSet and Pods the controller-manager makes
// for it), and findOrphanedResources reports what no existing app tracks, children included.
import { AppsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { findOrphanedResources } from '../../src/engine/orphaned.js';
import { configMap, deploy, loadExample, useEngine } from '../harness/engine.js';
import { serverSideApply, waitUntil } from '../harness/kube.js';

const fx = useEngine();

describe('orphaned resources', () => {
  it('reports the untracked objects of the destination namespace, with their children, until they go', async () => {
    const ns = await fx.namespace('orph');
    const app = `${ns}-app`;
    await deploy(fx, { name: app, destinationNamespace: ns, desired: [configMap('managed')] });
    const [deployment] = loadExample('guestbook').filter((o) => o.kind === 'Deployment');
    if (deployment === undefined) throw new Error('no Deployment in examples/guestbook');
    await serverSideApply(fx.kc, { apiVersion: deployment.apiVersion, kind: deployment.kind, metadata: { name: 'guestbook-ui', namespace: ns }, spec: deployment['spec'] });
    await waitUntil('the Deployment and its 2 Pods in the cache', () => Promise.resolve(fx.cache.objectsInNamespace(ns).filter((o) => o.kind === 'Pod').length), (n) => n === 2);

    const topLevel = fx.cache.topLevelInNamespace(ns);
    expect(topLevel.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`).sort()).toEqual(['ConfigMap/kube-root-ca.crt', 'ConfigMap/managed', 'Deployment/guestbook-ui', 'ServiceAccount/default']);

    const check = () =>
      findOrphanedResources({
        settings: { ignore: [] },
        destinationNamespace: ns,
        topLevel: fx.cache.topLevelInNamespace(ns),
        descendantsOf: (uid) => fx.cache.descendantsOf(uid),
        appExists: (name) => name === app,
      });
    const found = check();
    expect(found.orphaned.map((r) => r.kind)).toEqual(['Pod', 'Pod', 'Deployment', 'ReplicaSet']);
    expect(found.condition).toEqual({ type: 'OrphanedResourceWarning', message: 'Application has 4 orphaned resources' });

    await fx.kc.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: 'guestbook-ui', namespace: ns, propagationPolicy: 'Foreground' });
    await waitUntil('the orphans gone from the namespace index', () => Promise.resolve(check().orphaned.length), (n) => n === 0);
    expect(check().condition).toBeUndefined();
  });
});
