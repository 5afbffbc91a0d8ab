// A multi-source Application on the real control plane: a Helm chart from one path and its value file
// from another source of the app (`$values/...`), as Argo CD's multi-source apps do.
import { describe, expect, it } from 'vitest';
import { syncOf, useController } from '../harness/controller.js';

const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: colours\nversion: 0.1.0\n',
  'chart/values.yaml': 'colour: grey\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: colour\ndata:\n  colour: {{ .Values.colour | quote }}\n',
  'env/prod.yaml': 'colour: blue\n',
};

describe('controller: multi-source apps', () => {
  const fx = useController({ files: chart });

  it('renders a chart with a value file from a `ref` source and records one revision per source', async () => {
    await fx.createApp('multi', {
      project: 'default',
      sources: [
        { repoURL: fx.repoURL, path: 'chart', targetRevision: 'HEAD', helm: { valueFiles: ['$values/env/prod.yaml'] } },
        { repoURL: fx.repoURL, targetRevision: 'HEAD', ref: 'values' },
      ],
      destination: { server: 'https://kubernetes.default.svc', namespace: fx.dest },
      syncPolicy: { automated: {} },
    });
    const app = await fx.waitApp('multi', 'synced', (a) => syncOf(a) === 'Synced' && a.status?.operationState?.phase === 'Succeeded');
    const head = await fx.repo.head();
    expect(app.status?.sourceType).toBe('Helm');
    expect(app.status?.history?.[0]?.revisions).toEqual([head, head]);
    const cm = await fx.core.readNamespacedConfigMap({ name: 'colour', namespace: fx.dest });
    expect(cm.data?.['colour']).toBe('blue');

    // A change in the value file alone (the ref source) is a new desired state.
    await fx.push('green', { 'env/prod.yaml': 'colour: green\n' });
    await fx.patchApp('multi', { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
    await fx.waitApp('multi', 'synced to green', (a) => a.status?.history?.length === 2 && syncOf(a) === 'Synced');
    expect((await fx.core.readNamespacedConfigMap({ name: 'colour', namespace: fx.dest })).data?.['colour']).toBe('green');
  });
});
