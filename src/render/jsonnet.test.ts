import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { find as get, names, rejectsWith, useTestdataCopy, writeFiles } from '../../test/harness/render.js';
import { errorCodes } from '../errors.js';
import { renderSource, type DirectoryOptions } from './index.js';
import { scanImports } from './jsonnet.js';

let repo: string;
useTestdataCopy('jsonnet', (dir) => {
  repo = dir;
});

const jsonnet = (overrides: NonNullable<DirectoryOptions['jsonnet']> = {}): DirectoryOptions => ({
  jsonnet: { libs: ['jsonnet/lib'], extVars: [{ name: 'env', value: 'prod' }], ...overrides },
});

describe('jsonnet in directory sources', () => {
  it('evaluates .jsonnet files with libs and external variables; .libsonnet files only through imports', async () => {
    const { sourceType, objects } = await renderSource({ repoRoot: repo, path: 'jsonnet/app', source: { directory: jsonnet() } });
    expect(sourceType).toBe('Directory');
    expect(names(objects)).toEqual(['ServiceAccount/api', 'ConfigMap/settings', 'Deployment/api']);
    expect(get(objects, 'ConfigMap')['data']).toEqual({ env: 'prod', owner: 'nobody', note: 'importstr "/etc/shadow" is just text here' });
    expect(get(objects, 'Deployment')).toMatchObject({ metadata: { labels: { team: 'payments' } }, spec: { replicas: 1 } });
    expect(objects[2]?.origin).toEqual({ file: 'jsonnet/app/main.jsonnet', document: 2 });
  });

  it('passes TLAs as strings or as code', async () => {
    const tlas = [
      { name: 'replicas', value: '3', code: true },
      { name: 'owner', value: '$ARGOCD_APP_NAME' },
    ];
    const { objects } = await renderSource({ repoRoot: repo, path: 'jsonnet/app', source: { directory: jsonnet({ tlas }) }, buildEnv: { ARGOCD_APP_NAME: 'api' } });
    expect(get(objects, 'Deployment')['spec']).toEqual({ replicas: 3 });
    expect(get(objects, 'ConfigMap')['data']).toMatchObject({ owner: 'api' });
    const asString = await renderSource({ repoRoot: repo, path: 'jsonnet/app', source: { directory: jsonnet({ tlas: [{ name: 'replicas', value: '3' }] }) } });
    expect(get(asString.objects, 'Deployment')['spec']).toEqual({ replicas: '3' });
  });

  it('passes external variables as code', async () => {
    const { objects } = await renderSource({
      repoRoot: repo,
      path: 'jsonnet/app',
      source: { directory: jsonnet({ extVars: [{ name: 'env', value: "{ region: 'eu' }", code: true }] }) },
    });
    expect(get(objects, 'ConfigMap')['data']).toMatchObject({ env: { region: 'eu' } });
  });

  it('names the file and jsonnet\'s message when evaluation fails', async () => {
    await rejectsWith(
      renderSource({ repoRoot: repo, path: 'jsonnet/app', source: { directory: { jsonnet: { libs: ['jsonnet/lib'] } } } }),
      errorCodes.RENDER_FAILED,
      /^render jsonnet\/app \(Directory\): jsonnet jsonnet\/app\/main\.jsonnet: exit 1\n.*Undefined external variable: env/s,
    );
  });

  it.each([
    ['an absolute importstr', "importstr '/etc/passwd'", /bad\.jsonnet:1: importstr "\/etc\/passwd": absolute import paths are not allowed/],
    ['a relative import that climbs out', "import '../../../../../../../../etc/hosts'", /leads outside the repository/],
    ['an escaped path', 'importbin "\\u002fetc/passwd"', /importbin "\/etc\/passwd": absolute/],
  ])('refuses %s', async (_what, code, message) => {
    const dir = await writeFiles(repo, 'jsonnet/hostile', { 'bad.jsonnet': `${code}\n` });
    await rejectsWith(renderSource({ repoRoot: repo, path: dir }), errorCodes.RENDER_PATH_ESCAPE, message);
  });

  it('refuses imports in code-valued variables, libs outside the repository and imports through symlinks', async () => {
    const dir = await writeFiles(repo, 'jsonnet/vars', { 'main.jsonnet': 'function(x) { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { x: x } }\n' });
    const tlas = [{ name: 'x', value: "importstr '/etc/passwd'", code: true }];
    await rejectsWith(renderSource({ repoRoot: repo, path: dir, source: { directory: { jsonnet: { tlas } } } }), errorCodes.RENDER_PATH_ESCAPE);
    await rejectsWith(
      renderSource({ repoRoot: repo, path: dir, source: { directory: { jsonnet: { libs: ['../'] } } } }),
      errorCodes.RENDER_PATH_ESCAPE,
    );

    const linked = await writeFiles(repo, 'jsonnet/linked', { 'main.jsonnet': "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { x: importstr 'data.txt' } }\n" });
    await symlink('/etc/passwd', path.join(repo, linked, 'data.txt'));
    await rejectsWith(renderSource({ repoRoot: repo, path: linked }), errorCodes.RENDER_PATH_ESCAPE, /is a symlink to outside the repository/);
  });

  it('caps the output size', async () => {
    const dir = await writeFiles(repo, 'jsonnet/big', { 'big.jsonnet': "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { x: std.repeat('x', 100000) } }\n" });
    await rejectsWith(
      renderSource({ repoRoot: repo, path: dir, maxBytes: 50_000 }),
      errorCodes.RENDER_TOO_LARGE,
      'render jsonnet/big (Directory): jsonnet jsonnet/big/big.jsonnet: rendered output is over the 50000-byte cap',
    );
  });

  it('refuses output that is not objects', async () => {
    const dir = await writeFiles(repo, 'jsonnet/scalar', { 'n.jsonnet': '[1]\n' });
    await expect(renderSource({ repoRoot: repo, path: dir })).rejects.toThrow(/jsonnet\/scalar\/n\.jsonnet document 1: not a Kubernetes object \(found a number\)/);
  });
});

describe('scanImports', () => {
  it('finds imports in code and only there', () => {
    const source = [
      '// import "comment.libsonnet"',
      '# importstr "hash.txt"',
      '/* import "block.libsonnet"',
      '*/',
      'local a = import "a.libsonnet";',
      "local b = importstr 'b\\'s.txt';",
      'local c = importbin @"c""d.bin";',
      'local s = "import \\"not.libsonnet\\"";',
      'local t = |||',
      '  import "in-text-block"',
      '|||;',
      'local myimport = 1;',
      "local d = import @'d.libsonnet';",
      '{}',
    ].join('\n');
    expect(scanImports(source, 'x.jsonnet')).toEqual([
      { kind: 'import', path: 'a.libsonnet', line: 5 },
      { kind: 'importstr', path: "b's.txt", line: 6 },
      { kind: 'importbin', path: 'c"d.bin', line: 7 },
      { kind: 'import', path: 'd.libsonnet', line: 13 },
    ]);
  });

  it('refuses a computed import as jsonnet does', () => {
    expect(() => scanImports("local p = 'x';\nimport p", 'x.jsonnet')).toThrow(/x\.jsonnet:2: import must be followed by a string literal/);
  });
});
