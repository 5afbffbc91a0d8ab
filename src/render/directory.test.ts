import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { names, rejectsWith, useTestdataCopy, writeFiles } from '../../test/harness/render.js';
import { errorCodes } from '../errors.js';
import { renderSource } from './index.js';

let repo: string;
useTestdataCopy('dir', (dir) => {
  repo = dir;
});

describe('directory sources', () => {
  it('renders multi-document YAML, Lists and JSON in walk order, skipping empty documents and non-manifests', async () => {
    const result = await renderSource({ repoRoot: repo, path: 'plain' });
    expect(result.sourceType).toBe('Directory');
    expect(names(result.objects)).toEqual([
      'ConfigMap/app-config',
      'ConfigMap/app-extra',
      'Deployment/web',
      'Service/web',
      'ServiceAccount/web',
      'ConfigMap/from-list',
    ]);
    expect(result.objects[0]?.object.metadata?.['labels']).toEqual({ tier: 'web' });
    expect(result.objects[1]?.object['data']).toEqual({ mode: 'on' });
    expect(result.objects.map((o) => o.origin)).toContainEqual({ file: 'plain/list.yaml', document: 1, line: 1, item: 2 });
    expect(result.warnings).toEqual([expect.stringMatching(/^plain\/ci-settings\.yaml: skipped, not a Kubernetes manifest/)]);
  });

  it('enters subdirectories only with recurse', async () => {
    const result = await renderSource({ repoRoot: repo, path: 'plain', source: { directory: { recurse: true } } });
    expect(names(result.objects)).toEqual([
      'ConfigMap/app-config',
      'ConfigMap/app-extra',
      'Deployment/web',
      'Service/web',
      'ServiceAccount/web',
      'ConfigMap/from-list',
      // Go's walk order: nested/deeper/ sorts before nested/inner.yaml.
      'Secret/deep-secret',
      'ConfigMap/nested-config',
    ]);
  });

  it.each([
    [{ include: '*.json' }, ['Deployment/web']],
    [{ include: '{deploy.json,list.yaml}' }, ['Deployment/web', 'Service/web', 'ServiceAccount/web', 'ConfigMap/from-list']],
    [{ include: 'nested/*', recurse: true }, ['Secret/deep-secret', 'ConfigMap/nested-config']],
    [{ exclude: '{list.yaml,configmaps.yaml}' }, ['Deployment/web']],
    [{ include: '*.yml', recurse: true }, ['Secret/deep-secret']],
    [{ include: '*.yaml', exclude: 'nested/*', recurse: true }, ['ConfigMap/app-config', 'ConfigMap/app-extra', 'Service/web', 'ServiceAccount/web', 'ConfigMap/from-list']],
  ])('filters with %j', async (directory, expected) => {
    const result = await renderSource({ repoRoot: repo, path: 'plain', source: { directory } });
    expect(names(result.objects)).toEqual(expected);
  });

  it('refuses a malformed glob instead of rendering nothing', async () => {
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'plain', source: { directory: { include: '{a.yaml' } } }),
      errorCodes.RENDER_INVALID_SOURCE,
      /directory\.include: unclosed "\{"/,
    );
  });

  it('renders an empty directory as an empty list', async () => {
    await mkdir(path.join(repo, 'empty'), { recursive: true });
    expect((await renderSource({ repoRoot: repo, path: 'empty' })).objects).toEqual([]);
  });

  it('names the file and line of malformed YAML', async () => {
    const dir = await writeFiles(repo, 'bad-yaml', {
      'ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n',
      'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n\tlabels: {}\n',
    });
    await rejectsWith(
      renderSource({ repoRoot: repo, path: dir }),
      errorCodes.RENDER_INVALID_MANIFEST,
      /^render bad-yaml \(Directory\): bad-yaml\/broken\.yaml:5: /,
    );
  });

  it('reads tabs where Go YAML accepts them', async () => {
    const dir = await writeFiles(repo, 'tabs', { 'cm.yaml': 'apiVersion:\tv1\nkind: ConfigMap\nmetadata:\n  name:\ttabbed\n' });
    expect(names((await renderSource({ repoRoot: repo, path: dir })).objects)).toEqual(['ConfigMap/tabbed']);
  });

  it('names the file and document of an object without kind', async () => {
    const dir = await writeFiles(repo, 'no-kind', { 'two.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nmetadata:\n  name: b\n' });
    await rejectsWith(
      renderSource({ repoRoot: repo, path: dir }),
      errorCodes.RENDER_INVALID_MANIFEST,
      /no-kind\/two\.yaml document 2 \(line 6\): missing kind$/,
    );
  });

  it('names the item of a List without apiVersion', async () => {
    const dir = await writeFiles(repo, 'bad-list', { 'l.yaml': 'apiVersion: v1\nkind: List\nitems:\n  - kind: ConfigMap\n    metadata: {name: x}\n' });
    await expect(renderSource({ repoRoot: repo, path: dir })).rejects.toThrow(/bad-list\/l\.yaml document 1 \(line 1\) item 1: missing apiVersion/);
  });

  it('names the line of malformed JSON and refuses JSON that is not an object', async () => {
    await writeFiles(repo, 'bad-json', { 'x.json': '{\n  "apiVersion": "v1",\n  "kind": \n}\n' });
    await expect(renderSource({ repoRoot: repo, path: 'bad-json' })).rejects.toThrow(/bad-json\/x\.json:4: invalid JSON/);
    await writeFiles(repo, 'array-json', { 'x.json': '[]' });
    await expect(renderSource({ repoRoot: repo, path: 'array-json' })).rejects.toThrow(/array-json\/x\.json document 1 \(line 1\): not a Kubernetes object \(found a list\)/);
  });

  it('refuses duplicate keys and Go-incompatible values rather than guessing', async () => {
    await writeFiles(repo, 'dup', { 'd.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n' });
    await expect(renderSource({ repoRoot: repo, path: 'dup' })).rejects.toThrow(/dup\/d\.yaml:5: Map keys must be unique/);
  });

  it('refuses a symlink to a file outside the repository', async () => {
    await mkdir(path.join(repo, 'evil-link'));
    await writeFile(path.join(repo, 'evil-link', 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n');
    await symlink('/etc/passwd', path.join(repo, 'evil-link', 'passwd.yaml'));
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'evil-link' }),
      errorCodes.RENDER_PATH_ESCAPE,
      /evil-link\/passwd\.yaml is a symlink to outside the repository/,
    );
  });

  it('follows a symlink that stays inside the repository, and skips a dangling one', async () => {
    await mkdir(path.join(repo, 'links'));
    await symlink('../plain/deploy.json', path.join(repo, 'links', 'deploy.json'));
    await symlink('../nowhere.yaml', path.join(repo, 'links', 'dangling.yaml'));
    const result = await renderSource({ repoRoot: repo, path: 'links' });
    expect(names(result.objects)).toEqual(['Deployment/web']);
    expect(result.warnings).toEqual(['links/dangling.yaml: skipped, symlink to a file that does not exist']);
  });
});
