// App of apps: a parent Application whose directory renders two child Applications (in the control
// namespace, other paths of the same repository, automated sync). The parent syncs them, the children
// appear and sync their own objects, and the parent's health follows the children's. As in Argo CD
// since 1.8, that last part needs the documented `argoproj.io_Application` health customization in
// argocd-cm (docs/operator-manual/health.md, "Argo CD App"): without it a child has no health.
import { describe, expect, it } from 'vitest';
import { configMapYaml, healthOf, syncOf, useController } from '../harness/controller.js';
import { waitFor } from '../harness/kube.js';

// Argo CD's documented Lua for app-of-apps health.
const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

/** A Deployment whose Pods wait for a node that does not exist (Progressing) unless `schedulable`. */
const deployment = (name: string, schedulable: boolean): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${schedulable ? '' : '      nodeSelector: {kawa.dev/no-such-node: "true"}\n'}      containers:
        - name: main
          image: nginx:1.27
`;

const childApp = (name: string, ns: string, repoURL: string, sourcePath: string, dest: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  project: default
  source:
    repoURL: ${repoURL}
    path: ${sourcePath}
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: ${dest}
  syncPolicy:
    automated:
      prune: true
`;

describe('controller: app of apps', () => {
  const fx = useController({ files: { 'README.md': 'app of apps\n' } });

  it('syncs the children it renders, and its health follows theirs', async () => {
    await fx.setArgoCdCm({ 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA });
    // As in production, the customization is there when the controller starts.
    await fx.restart();
    await fx.push('app of apps', {
      'apps/child-config.yaml': childApp('child-config', fx.ns, fx.repoURL, 'children/config', fx.dest),
      'apps/child-web.yaml': childApp('child-web', fx.ns, fx.repoURL, 'children/web', fx.dest),
      'children/config/cm.yaml': configMapYaml('child-config', 'hello'),
      'children/web/deploy.yaml': deployment('child-web', false),
    });
    await fx.createApp('parent', {
      project: 'default',
      source: { repoURL: fx.repoURL, path: 'apps', targetRevision: 'HEAD' },
      destination: { server: 'https://kubernetes.default.svc', namespace: fx.ns },
      syncPolicy: { automated: { prune: true } },
    });

    // The parent creates both children; they sync their own objects.
    const parentSynced = await fx.waitApp('parent', 'Synced', (a) => syncOf(a) === 'Synced' && a.status?.operationState?.phase === 'Succeeded');
    expect(parentSynced.status?.resources?.map((r) => `${r.group ?? ''}/${r.kind}/${r.name}`).sort()).toEqual(['argoproj.io/Application/child-config', 'argoproj.io/Application/child-web']);
    const config = await fx.waitApp('child-config', 'Synced and Healthy', (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Healthy');
    expect(config.metadata.annotations?.['argocd.argoproj.io/tracking-id']).toBe(`parent:argoproj.io/Application:${fx.ns}/child-config`);
    expect((await fx.core.readNamespacedConfigMap({ name: 'child-config', namespace: fx.dest })).data?.['value']).toBe('hello');
    await fx.waitApp('child-web', 'Synced and Progressing', (a) => syncOf(a) === 'Synced' && healthOf(a) === 'Progressing');

    // One child is Progressing: the parent is not Healthy, and says which child holds it back.
    const progressing = await fx.waitApp('parent', 'Progressing like its child', (a) => healthOf(a) === 'Progressing', { timeoutMs: 30_000 });
    expect(progressing.status?.resources?.find((r) => r.name === 'child-web')?.health?.status).toBe('Progressing');
    expect(progressing.status?.resources?.find((r) => r.name === 'child-config')?.health?.status).toBe('Healthy');
    // Children's status changes are not drift of the parent.
    expect(syncOf(progressing)).toBe('Synced');

    // The child's fix arrives through git; it syncs, turns Healthy, and so does the parent.
    await fx.push('schedulable web', { 'children/web/deploy.yaml': deployment('child-web', true) });
    await fx.patchApp('child-web', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
    await fx.waitApp('child-web', 'Healthy', (a) => healthOf(a) === 'Healthy', { timeoutMs: 90_000 });
    const healthy = await fx.waitApp('parent', 'Healthy like its children', (a) => healthOf(a) === 'Healthy' && syncOf(a) === 'Synced', { timeoutMs: 30_000 });
    expect(healthy.status?.resources?.every((r) => r.health?.status === 'Healthy')).toBe(true);

    // Removing a child from the parent's directory prunes it (automated prune), and the child's own
    // objects stay (no resources finalizer on the child: they are orphaned, as in Argo CD).
    await fx.push('drop config child', {}, ['apps/child-config.yaml']);
    await fx.patchApp('parent', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
    await waitFor('child-config pruned', () => fx.getApp('child-config').then(() => undefined, () => true));
    expect((await fx.core.readNamespacedConfigMap({ name: 'child-config', namespace: fx.dest })).data?.['value']).toBe('hello');
    await fx.waitApp('parent', 'Synced with one child', (a) => syncOf(a) === 'Synced' && a.status?.resources?.length === 1);
  });
});
