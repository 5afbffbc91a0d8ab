import { chmod, cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { names, rejectsWith, useTestdataCopy, writeFiles } from '../../test/harness/render.js';
import { errorCodes } from '../errors.js';
import { detectSourceType, renderSource } from './index.js';

let repo: string;
useTestdataCopy('index', (dir) => {
  repo = dir;
});

describe('detectSourceType', () => {
  it.each([
    ['helm/guestbook', {}, 'Helm'],
    ['kustomize/base', {}, 'Kustomize'],
    ['plain', {}, 'Directory'],
    ['helm/guestbook', { directory: { recurse: true } }, 'Directory'],
    ['plain', { helm: { releaseName: 'x' } }, 'Helm'],
    ['plain', { plugin: { name: 'cmp' } }, 'Plugin'],
    // Empty blocks select nothing (Argo CD drops them).
    ['helm/guestbook', { directory: {}, kustomize: { namePrefix: '' } }, 'Helm'],
  ] as const)('%s with %j is %s', async (dir, source, type) => {
    expect(await detectSourceType(path.join(repo, dir), source)).toBe(type);
  });

  it('prefers a kustomization over a Chart.yaml, as Argo CD does', async () => {
    await mkdir(path.join(repo, 'both'));
    await writeFile(path.join(repo, 'both/Chart.yaml'), 'apiVersion: v2\nname: both\nversion: 0.1.0\n');
    await writeFile(path.join(repo, 'both/kustomization.yaml'), 'resources: []\n');
    expect(await detectSourceType(path.join(repo, 'both'))).toBe('Kustomize');
  });

  it('refuses two source types', async () => {
    await rejectsWith(
      detectSourceType(path.join(repo, 'plain'), { helm: { skipCrds: true }, directory: { recurse: true } }),
      errorCodes.RENDER_INVALID_SOURCE,
      'only one of helm, kustomize, directory or plugin may be set, found helm, directory',
    );
  });
});

describe('renderSource', () => {
  it.each([
    ['../', errorCodes.RENDER_PATH_ESCAPE, 'render ../: path "../" leads outside the repository'],
    ['plain/../../x', errorCodes.RENDER_PATH_ESCAPE, 'render plain/../../x: path "plain/../../x" leads outside the repository'],
    ['/etc', errorCodes.RENDER_PATH_ESCAPE, 'render /etc: path "/etc" is absolute; it must be relative to the repository root'],
    ['nope', errorCodes.RENDER_INVALID_SOURCE, 'render nope: path "nope" does not exist in the repository'],
    ['plain/deploy.json', errorCodes.RENDER_INVALID_SOURCE, 'render plain/deploy.json: path "plain/deploy.json" is not a directory'],
  ])('refuses path %s', async (appPath, code, message) => {
    await rejectsWith(renderSource({ repoRoot: repo, path: appPath }), code, message);
  });

  it('allows .. that stays inside the repository', async () => {
    expect((await renderSource({ repoRoot: repo, path: 'helm/../plain' })).objects).toHaveLength(6);
  });

  it('refuses an app directory that is a symlink to outside the repository', async () => {
    await symlink('/etc', path.join(repo, 'etc-link'));
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'etc-link' }),
      errorCodes.RENDER_PATH_ESCAPE,
      'render etc-link: path "etc-link" is a symlink to outside the repository',
    );
  });

  it('names the field of a malformed option', async () => {
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'plain', source: { directory: { recurse: 'yes' } } }),
      errorCodes.RENDER_INVALID_SOURCE,
      /^render plain: source\.directory\.recurse: /,
    );
  });

  it('says no plugin is configured when a source names one', async () => {
    await rejectsWith(renderSource({ repoRoot: repo, path: 'plain', source: { plugin: { name: 'x' } } }), errorCodes.RENDER_INVALID_SOURCE, /no config management plugin is named "x"/);
  });

  it('applies .argocd-source.yaml and .argocd-source-<app>.yaml overrides from the app directory', async () => {
    await cp(path.join(repo, 'helm/guestbook'), path.join(repo, 'overridden'), { recursive: true });
    await writeFile(path.join(repo, 'overridden/.argocd-source.yaml'), 'helm:\n  parameters:\n    - name: replicaCount\n      value: "4"\n');
    await writeFile(path.join(repo, 'overridden/.argocd-source-shop.yaml'), 'helm:\n  releaseName: shop\npath: ignored\n');
    const { objects } = await renderSource({ repoRoot: repo, path: 'overridden', appName: 'shop', source: { helm: { releaseName: 'other', skipCrds: true } } });
    expect(names(objects)).toEqual(['ConfigMap/shop-config', 'Deployment/shop-web', 'Pod/shop-test', 'Job/shop-migrate']);
    expect((objects[1]?.object['spec'] as Record<string, unknown>)['replicas']).toBe(4);
  });

  it('cuts off a renderer whose output passes the cap while it streams', async () => {
    const big = await writeFiles(repo, 'helm/big', {
      'Chart.yaml': 'apiVersion: v2\nname: big\nversion: 0.1.0\n',
      'templates/big.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n{{- range until 60000 }}\n  k{{ . }}: "some padding to make this line long"{{ end }}\n',
    });
    await rejectsWith(
      renderSource({ repoRoot: repo, path: big, maxBytes: 1024 * 1024 }),
      errorCodes.RENDER_TOO_LARGE,
      'render helm/big (Helm): helm template helm/big: rendered output is over the 1048576-byte cap',
    );
  }, 60_000);

  it('caps the output size', async () => {
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'plain', maxBytes: 600 }),
      errorCodes.RENDER_TOO_LARGE,
      /^render plain \(Directory\): plain\/.*: rendered output is over the 600-byte cap$/,
    );
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'helm/guestbook', maxBytes: 1000 }),
      errorCodes.RENDER_TOO_LARGE,
      'render helm/guestbook (Helm): helm template helm/guestbook: rendered output is over the 1000-byte cap',
    );
  });

  it('stops a render over the time limit', async () => {
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'helm/guestbook', timeoutMs: 5 }),
      errorCodes.RENDER_TIMEOUT,
      /render took longer than the 5 ms limit$/,
    );
  });

  it('kills a renderer that runs past the limit', async () => {
    const slow = path.join(repo, 'slow-helm.sh');
    await writeFile(slow, '#!/bin/sh\nsleep 30\n');
    await chmod(slow, 0o755);
    const started = Date.now();
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'helm/guestbook', timeoutMs: 300, tools: { helm: slow } }),
      errorCodes.RENDER_TIMEOUT,
      'render helm/guestbook (Helm): helm template helm/guestbook: render took longer than the 300 ms limit',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
