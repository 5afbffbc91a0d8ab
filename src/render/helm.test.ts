import { chmod, cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { find, names, rejectsWith, useTestdataCopy } from '../../test/harness/render.js';
import { errorCodes } from '../errors.js';
import { escapeSetValue } from './helm.js';
import { renderSource, type HelmOptions, type RenderedObject, type RenderRequest } from './index.js';

let repo: string;
useTestdataCopy('helm', (dir) => {
  repo = dir;
});

const configData = (objects: readonly RenderedObject[]): unknown => find(objects, 'ConfigMap')['data'];
const replicas = (objects: readonly RenderedObject[]): unknown => (find(objects, 'Deployment')['spec'] as Record<string, unknown>)['replicas'];

function render(helm: HelmOptions = {}, extra: Partial<RenderRequest> = {}): ReturnType<typeof renderSource> {
  return renderSource({ repoRoot: repo, path: 'helm/guestbook', appName: 'guestbook', source: { helm }, ...extra });
}

describe('helm sources', () => {
  it('renders the chart with its CRDs first, hooks kept, test hooks included', async () => {
    const result = await renderSource({ repoRoot: repo, path: 'helm/guestbook', appName: 'guestbook' });
    expect(result.sourceType).toBe('Helm');
    expect(names(result.objects)).toEqual([
      'CustomResourceDefinition/widgets.example.com',
      'ConfigMap/guestbook-config',
      'Deployment/guestbook-web',
      'Pod/guestbook-test',
      'Job/guestbook-migrate',
    ]);
    expect(find(result.objects, 'Job')['metadata']).toMatchObject({
      annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-1', 'helm.sh/hook-delete-policy': 'before-hook-creation' },
    });
    expect(result.objects[1]?.origin).toEqual({ file: 'guestbook/templates/configmap.yaml', document: 1 });
    expect(configData(result.objects)).toMatchObject({ message: 'hello', flagKind: 'string', hasWidgets: 'false' });
  });

  it('applies releaseName, namespace, kubeVersion and apiVersions', async () => {
    const { objects } = await render({ releaseName: 'shop', namespace: 'store' }, { namespace: 'ignored', kubeVersion: '1.31.2', apiVersions: ['example.com/v1/Widget'] });
    expect(names(objects).slice(1, 3)).toEqual(['ConfigMap/shop-config', 'Deployment/shop-web']);
    expect(find(objects, 'ConfigMap')['metadata']).toMatchObject({ namespace: 'store' });
    expect(configData(objects)).toMatchObject({ kubeVersion: 'v1.31.2', hasWidgets: 'true' });
  });

  it('takes the destination namespace and the app name by default', async () => {
    const { objects } = await render({}, { namespace: 'dest' });
    expect(find(objects, 'ConfigMap')['metadata']).toMatchObject({ name: 'guestbook-config', namespace: 'dest' });
  });

  it('layers valueFiles < values < valuesObject < parameters', async () => {
    expect(replicas((await render({ valueFiles: ['values-prod.yaml'] })).objects)).toBe(3);
    expect(configData((await render({ valueFiles: ['values-prod.yaml'], values: 'message: from values' })).objects)).toMatchObject({ message: 'from values' });
    const both = await render({ values: 'message: from values', valuesObject: { message: 'from object' } });
    expect(configData(both.objects)).toMatchObject({ message: 'from object' });
    const params = await render({ valuesObject: { message: 'from object' }, parameters: [{ name: 'message', value: 'from parameter' }] });
    expect(configData(params.objects)).toMatchObject({ message: 'from parameter' });
  });

  it('reads a value file path starting with / from the repository root, and expands globs', async () => {
    expect(replicas((await render({ valueFiles: ['/helm/guestbook/values-prod.yaml'] })).objects)).toBe(3);
    expect(replicas((await render({ valueFiles: ['values-*.yaml'] })).objects)).toBe(3);
  });

  it('reads $ref value files from another source of the app, inside that source', async () => {
    const refs = { config: path.join(repo, 'helm/guestbook') };
    expect(replicas((await render({ valueFiles: ['$config/values-prod.yaml'] }, { refs })).objects)).toBe(3);
    await rejectsWith(render({ valueFiles: ['$config/../../../x.yaml'] }, { refs }), errorCodes.RENDER_PATH_ESCAPE);
    // Not a ref: a variable, substituted like Argo CD does.
    const env = { buildEnv: { FILE: 'values-prod.yaml' } };
    expect(replicas((await render({ valueFiles: ['$FILE'] }, env)).objects)).toBe(3);
  });

  it('types --set values and keeps --set-string values strings, commas included', async () => {
    expect(configData((await render({ parameters: [{ name: 'flag', value: 'true' }] })).objects)).toMatchObject({ flagKind: 'bool' });
    expect(configData((await render({ parameters: [{ name: 'flag', value: 'true', forceString: true }] })).objects)).toMatchObject({ flagKind: 'string' });
    expect(configData((await render({ parameters: [{ name: 'message', value: 'a,b' }] })).objects)).toMatchObject({ message: 'a,b' });
  });

  it('substitutes the build environment in parameters', async () => {
    const { objects } = await render({ parameters: [{ name: 'message', value: 'app=$ARGOCD_APP_NAME ${NOPE}' }] }, { buildEnv: { ARGOCD_APP_NAME: 'guestbook' } });
    expect(configData(objects)).toMatchObject({ message: 'app=guestbook ' });
  });

  it('passes fileParameters with --set-file', async () => {
    const { objects } = await render({ fileParameters: [{ name: 'banner', path: '../files/banner.txt' }] });
    expect(configData(objects)).toMatchObject({ banner: 'Welcome to the guestbook\n' });
  });

  it('leaves out CRDs with skipCrds and test hooks with skipTests', async () => {
    expect(names((await render({ skipCrds: true, skipTests: true })).objects)).toEqual(['ConfigMap/guestbook-config', 'Deployment/guestbook-web', 'Job/guestbook-migrate']);
  });

  it('fails on a missing values file unless ignoreMissingValueFiles', async () => {
    await rejectsWith(
      render({ valueFiles: ['values-nope.yaml'] }),
      errorCodes.RENDER_INVALID_SOURCE,
      'render helm/guestbook (Helm): helm.valueFiles: "values-nope.yaml" does not exist',
    );
    expect(replicas((await render({ valueFiles: ['values-nope.yaml', 'values-prod.yaml'], ignoreMissingValueFiles: true })).objects)).toBe(3);
  });

  it('refuses value files outside the repository and from URLs', async () => {
    // A chart at the top of the repository, so `../../secret` leaves it.
    await cp(path.join(repo, 'helm/guestbook'), path.join(repo, 'toplevel'), { recursive: true });
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'toplevel', source: { helm: { valueFiles: ['../../secret'] } } }),
      errorCodes.RENDER_PATH_ESCAPE,
      'render toplevel (Helm): helm.valueFiles: "../../secret" leads outside the repository',
    );
    await rejectsWith(render({ valueFiles: ['../../../secret'] }), errorCodes.RENDER_PATH_ESCAPE);
    await rejectsWith(render({ valueFiles: ['../../../../../../etc/*'] }), errorCodes.RENDER_PATH_ESCAPE);
    await rejectsWith(render({ valueFiles: ['https://example.com/values.yaml'] }), errorCodes.RENDER_UNSUPPORTED);
    await rejectsWith(render({ fileParameters: [{ name: 'banner', path: '/../../etc/passwd' }] }), errorCodes.RENDER_PATH_ESCAPE);
  });

  it('names the chart and helm\'s message when a template fails', async () => {
    await rejectsWith(
      render({ parameters: [{ name: 'fail', value: 'true' }] }),
      errorCodes.RENDER_FAILED,
      /^render helm\/guestbook \(Helm\): helm template helm\/guestbook: exit 1\n.*guestbook\/templates\/fail\.yaml.*fail was requested in the values/s,
    );
  });

  it('refuses a chart holding a symlink to outside the repository', async () => {
    await cp(path.join(repo, 'helm/guestbook'), path.join(repo, 'helm/leaky'), { recursive: true });
    await symlink('/etc/passwd', path.join(repo, 'helm/leaky/passwd'));
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'helm/leaky' }),
      errorCodes.RENDER_PATH_ESCAPE,
      /helm\/leaky\/passwd is a symlink to outside the repository/,
    );
  });

  it('builds missing chart dependencies, and names the chart and repository when that fails', async () => {
    await mkdir(path.join(repo, 'helm/deps/templates'), { recursive: true });
    const chart = 'apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: http://127.0.0.1:1/charts\n';
    await writeFile(path.join(repo, 'helm/deps/Chart.yaml'), chart);
    await rejectsWith(renderSource({ repoRoot: repo, path: 'helm/deps' }), errorCodes.HELM_REPO_FAILED, /^render helm\/deps \(Helm\): GET http:\/\/127\.0\.0\.1:1\/charts\/index\.yaml: .*ECONNREFUSED/);
  });

  it('runs helm with private HELM_* homes and nothing else from the environment', async () => {
    const fake = path.join(repo, 'fake-helm.sh');
    await writeFile(fake, '#!/bin/sh\nprintf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: env\\ndata:\\n"\nenv | sort | sed "s/^\\([^=]*\\)=\\(.*\\)$/  \\1: \\"\\2\\"/"\n');
    await chmod(fake, 0o755);
    process.env['KAWA_TEST_LEAK'] = 'leaked';
    try {
      const { objects } = await render({}, { tools: { helm: fake } });
      const env = configData(objects) as Record<string, string>;
      expect(env['KAWA_TEST_LEAK']).toBeUndefined();
      expect(env['HELM_CONFIG_HOME']).toMatch(/kawa-render-[^/]+\/helm\/config$/);
      expect(env['HELM_CACHE_HOME']).toMatch(/kawa-render-[^/]+\/helm\/cache$/);
      expect(env['HELM_DATA_HOME']).toMatch(/kawa-render-[^/]+\/helm\/data$/);
      expect(env['KUBECONFIG']).toMatch(/kawa-render-[^/]+\/no-kubeconfig$/);
    } finally {
      delete process.env['KAWA_TEST_LEAK'];
    }
  });

  it.each([
    ['a,b', 'a\\,b'],
    ['a\\,b', 'a\\,b'],
    ['{a,b}', '{a,b}'],
  ])('escapes --set value %s as %s', (value, escaped) => {
    expect(escapeSetValue(value)).toBe(escaped);
  });
});
