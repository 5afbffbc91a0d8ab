import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { find as get, names, rejectsWith, useTestdataCopy } from '../../test/harness/render.js';
import { errorCodes } from '../errors.js';
import { renderSource, type KustomizeOptions, type RenderedObject } from './index.js';
import { kustomizationReferences } from './kustomize.js';

let repo: string;
useTestdataCopy('kustomize', (dir) => {
  repo = dir;
});

const spec = (o: Record<string, unknown>): Record<string, unknown> => o['spec'] as Record<string, unknown>;
const meta = (o: Record<string, unknown>): Record<string, unknown> => o['metadata'] as Record<string, unknown>;
const image = (objects: readonly RenderedObject[]): unknown =>
  ((spec(spec(get(objects, 'Deployment'))['template'] as Record<string, unknown>)['containers'] as Record<string, unknown>[])[0] ?? {})['image'];

function render(kustomize: KustomizeOptions, at = 'kustomize/overlays/prod'): ReturnType<typeof renderSource> {
  return renderSource({ repoRoot: repo, path: at, source: { kustomize } });
}

/** A digest of every file and link under `dir`, to prove a render wrote nothing there. */
async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    for (const entry of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = path.join(rel, entry.name);
      hash.update(child);
      if (entry.isDirectory()) await walk(child);
      else if (entry.isSymbolicLink()) hash.update(await readlink(path.join(dir, child)));
      else hash.update(await readFile(path.join(dir, child)));
    }
  };
  await walk('');
  return hash.digest('hex');
}

describe('kustomize sources', () => {
  it('renders a base', async () => {
    const result = await renderSource({ repoRoot: repo, path: 'kustomize/base' });
    expect(result.sourceType).toBe('Kustomize');
    expect(names(result.objects)).toEqual(['Service/guestbook', 'Deployment/guestbook']);
    expect(result.objects[0]?.origin).toEqual({ file: 'kustomize build kustomize/base', document: 1, line: 1 });
  });

  it('renders an overlay over its base', async () => {
    const { objects } = await renderSource({ repoRoot: repo, path: 'kustomize/overlays/prod' });
    expect(names(objects)).toEqual(['Service/prod-guestbook', 'Deployment/prod-guestbook']);
    expect(meta(get(objects, 'Deployment'))['labels']).toEqual({ 'app.kubernetes.io/name': 'guestbook', env: 'prod' });
    expect(spec(get(objects, 'Deployment'))['replicas']).toBe(3);
  });

  it('replaces the namePrefix and adds a nameSuffix, as kustomize edit set does', async () => {
    expect(names((await render({ namePrefix: 'eu-', nameSuffix: '-v2' })).objects)).toEqual(['Service/eu-guestbook-v2', 'Deployment/eu-guestbook-v2']);
  });

  it('sets images, with the build environment substituted', async () => {
    const result = await renderSource({
      repoRoot: repo,
      path: 'kustomize/overlays/prod',
      source: { kustomize: { images: ['nginx=registry.example.com/nginx:${ARGOCD_APP_REVISION_SHORT}'] } },
      buildEnv: { ARGOCD_APP_REVISION_SHORT: 'abc1234' },
    });
    expect(image(result.objects)).toBe('registry.example.com/nginx:abc1234');
  });

  it('adds common labels and annotations and sets the namespace', async () => {
    const { objects } = await render({ commonLabels: { team: 'web' }, commonAnnotations: { owner: 'sre' }, namespace: 'shop' });
    const deployment = get(objects, 'Deployment');
    expect(meta(deployment)).toMatchObject({ namespace: 'shop', labels: { team: 'web', env: 'prod' }, annotations: { owner: 'sre' } });
    expect(spec(deployment)['selector']).toEqual({ matchLabels: { app: 'guestbook', team: 'web' } });
    expect(meta(get(objects, 'Service'))['namespace']).toBe('shop');
  });

  it('keeps selectors untouched with labelWithoutSelector', async () => {
    const { objects } = await render({ commonLabels: { team: 'web' }, labelWithoutSelector: true });
    expect(spec(get(objects, 'Deployment'))['selector']).toEqual({ matchLabels: { app: 'guestbook' } });
  });

  it('sets replicas', async () => {
    expect(spec(get((await render({ replicas: [{ name: 'guestbook', count: '5' }] })).objects, 'Deployment'))['replicas']).toBe(5);
    await rejectsWith(render({ replicas: [{ name: 'guestbook', count: 'many' }] }), errorCodes.RENDER_INVALID_SOURCE);
  });

  it('appends inline patches to the kustomization', async () => {
    const patch = '- op: replace\n  path: /spec/ports/0/port\n  value: 8080\n';
    const { objects } = await render({ patches: [{ patch, target: { kind: 'Service', name: 'guestbook' } }] });
    expect(spec(get(objects, 'Service'))['ports']).toEqual([{ port: 8080 }]);
    expect(spec(get(objects, 'Deployment'))['replicas']).toBe(3);
  });

  it('adds components', async () => {
    expect(names((await render({ components: ['../../components/monitoring'] })).objects)).toEqual([
      'ConfigMap/prod-dashboard',
      'Service/prod-guestbook',
      'Deployment/prod-guestbook',
    ]);
    await rejectsWith(render({ components: ['../../components/nope'] }), errorCodes.RENDER_INVALID_SOURCE);
    expect(names((await render({ components: ['../../components/nope'], ignoreMissingComponents: true })).objects)).toHaveLength(2);
  });

  it('never writes to the checkout', async () => {
    const before = await treeDigest(repo);
    await render({
      namePrefix: 'x-',
      nameSuffix: '-y',
      images: ['nginx:2'],
      replicas: [{ name: 'guestbook', count: 2 }],
      commonLabels: { a: 'b' },
      commonAnnotations: { c: 'd' },
      namespace: 'n',
      patches: [{ patch: '- op: add\n  path: /metadata/labels/patched\n  value: "yes"\n', target: { kind: 'Deployment' } }],
      components: ['../../components/monitoring'],
    });
    expect(await treeDigest(repo)).toBe(before);
  });

  it('never writes through a symlinked kustomization file', async () => {
    await mkdir(path.join(repo, 'kustomize/overlays/linked'));
    await writeFile(path.join(repo, 'kustomize/overlays/shared-kustomization.yaml'), 'resources:\n  - ../../base\n');
    await symlink('../shared-kustomization.yaml', path.join(repo, 'kustomize/overlays/linked/kustomization.yaml'));
    const before = await treeDigest(repo);
    const { objects } = await render({ namePrefix: 'l-', patches: [{ patch: '- op: add\n  path: /metadata/labels/x\n  value: linked\n', target: { kind: 'Service' } }] }, 'kustomize/overlays/linked');
    expect(names(objects)).toEqual(['Service/l-guestbook', 'Deployment/l-guestbook']);
    expect(await treeDigest(repo)).toBe(before);
  });

  it('edits a kustomization at the repository root', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kawa-render-kroot-'));
    try {
      await cp(path.join(repo, 'kustomize/base'), root, { recursive: true });
      const { objects } = await renderSource({ repoRoot: root, path: '', source: { kustomize: { namePrefix: 'root-' } } });
      expect(names(objects)).toEqual(['Service/root-guestbook', 'Deployment/root-guestbook']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a resource directory outside the repository', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'kawa-render-outside-'));
    try {
      await writeFile(path.join(outside, 'kustomization.yaml'), 'resources: []\n');
      await mkdir(path.join(repo, 'kustomize/escape'));
      await writeFile(path.join(repo, 'kustomize/escape/kustomization.yaml'), `resources:\n  - ${path.relative(path.join(repo, 'kustomize/escape'), outside)}\n`);
      await rejectsWith(
        renderSource({ repoRoot: repo, path: 'kustomize/escape' }),
        errorCodes.RENDER_PATH_ESCAPE,
        /kustomize\/escape\/kustomization\.yaml: "\.\.\/.*" leads outside the repository/,
      );
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses remote resources and symlinks out of the repository', async () => {
    await mkdir(path.join(repo, 'kustomize/remote'));
    await writeFile(path.join(repo, 'kustomize/remote/kustomization.yaml'), 'resources:\n  - https://github.com/example/repo//base?ref=v1\n');
    await rejectsWith(renderSource({ repoRoot: repo, path: 'kustomize/remote' }), errorCodes.RENDER_UNSUPPORTED);

    await mkdir(path.join(repo, 'kustomize/linked'));
    await writeFile(path.join(repo, 'kustomize/linked/kustomization.yaml'), 'configMapGenerator:\n  - name: x\n    files: [passwd]\n');
    await symlink('/etc/passwd', path.join(repo, 'kustomize/linked/passwd'));
    await rejectsWith(renderSource({ repoRoot: repo, path: 'kustomize/linked' }), errorCodes.RENDER_PATH_ESCAPE);
  });

  it('reports kustomize\'s own error with the path', async () => {
    await mkdir(path.join(repo, 'kustomize/broken'));
    await writeFile(path.join(repo, 'kustomize/broken/kustomization.yaml'), 'resources:\n  - missing.yaml\n');
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'kustomize/broken' }),
      errorCodes.RENDER_FAILED,
      'render kustomize/broken (Kustomize): kustomize/broken/kustomization.yaml: "missing.yaml" does not exist',
    );
    await writeFile(path.join(repo, 'kustomize/broken/kustomization.yaml'), 'resources: 12\nnotAField: [\n');
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'kustomize/broken' }),
      errorCodes.RENDER_FAILED,
      /^render kustomize\/broken \(Kustomize\): kustomize build kustomize\/broken: exit 1\n/,
    );
  });

  it('lists every path a kustomization names, but not inline YAML', () => {
    expect(
      kustomizationReferences({
        resources: ['a.yaml', '../base'],
        components: ['../c'],
        patches: [{ path: 'p.yaml' }, { patch: 'inline: x\n' }],
        patchesStrategicMerge: ['psm.yaml', 'kind: X\nmetadata: {}\n'],
        configMapGenerator: [{ files: ['key=data.txt', 'plain.txt'], envs: ['e.env'] }],
        replacements: [{ path: 'r.yaml' }],
      }),
    ).toEqual(['a.yaml', '../base', '../c', 'psm.yaml', 'p.yaml', 'r.yaml', 'data.txt', 'plain.txt', 'e.env']);
  });
});
