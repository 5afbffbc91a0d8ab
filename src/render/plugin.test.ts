// Config management plugins with real commands (sh, cat, yes, sleep): init + generate in a private copy,
// the environment they get, discovery, and every way a plugin can fail.
import { chmod, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { names, rejectsWith, useTestdataCopy, writeFiles } from '../../test/harness/render.js';
import { errorCodes } from '../errors.js';
import { pluginSandbox } from './sandbox.js';
import { buildEnvironment, loadPluginConfigs, parsePluginConfig, renderSource, type ConfigManagementPlugin, type RenderRequest } from './index.js';

// Plugins are real processes: slow on a loaded machine.
vi.setConfig({ testTimeout: 30_000 });

let repo: string;
useTestdataCopy('plugin', (dir) => {
  repo = dir;
});

const sh = (script: string): { command: string[]; args: string[] } => ({ command: ['sh', '-c'], args: [script] });

/** A ConfigMap whose data are the plugin's environment variables named in `vars` (single-quoted YAML: JSON values stay intact). */
const envDump = (vars: string[]): string =>
  String.raw`printf 'apiVersion: v1
kind: ConfigMap
metadata:
  name: env
data:
'; ` +
  String.raw`case "$HOME" in */kawa-render-*) HOME_IS_PRIVATE=yes;; esac; ` +
  `for v in ${vars.join(' ')}; do ` +
  String.raw`eval "val=\${$v-unset}"; printf "  %s: '%s'
" "$v" "$val"; done`;

const plugins: ConfigManagementPlugin[] = [
  {
    name: 'writer-v1.0',
    init: sh('echo "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-init" > generated.yaml'),
    generate: sh('cat generated.yaml'),
  },
  {
    name: 'env',
    generate: sh(
      envDump([
        'ARGOCD_APP_NAME',
        'ARGOCD_APP_NAMESPACE',
        'ARGOCD_APP_REVISION_SHORT_8',
        'ARGOCD_ENV_GREETING',
        'PARAM_IMAGE_TAG',
        'PARAM_LIST_1',
        'PARAM_LABELS_TEAM',
        'ARGOCD_APP_PARAMETERS',
        'KUBE_VERSION',
        'KAWA_TEST_LEAK',
        'KUBECONFIG',
        'HOME_IS_PRIVATE',
      ]),
    ),
  },
  { name: 'by-file', discover: { fileName: './*.cue' }, generate: sh('printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: by-file\\n"') },
  { name: 'by-glob', discover: { find: { glob: '**/plugin-marker.txt' } }, generate: sh('printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: by-glob\\n"') },
  { name: 'by-command', discover: { find: { command: ['sh', '-c', 'touch written-by-discover; ls | grep -x marker-for-command || true'] } }, generate: sh(`printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"json"}}'`) },
  { name: 'fails', generate: sh('echo partial-output; echo "template error on line 3" >&2; exit 4') },
  { name: 'floods', generate: { command: ['yes', 'padding line for the output cap'] } },
  { name: 'sleeps', generate: { command: ['sleep', '30'] } },
  { name: 'reads-out', generate: sh('cat escape/passwd') },
];

function render(p: string, source: unknown, extra: Partial<RenderRequest> = {}): ReturnType<typeof renderSource> {
  return renderSource({ repoRoot: repo, path: p, source, plugins, appName: 'shop', namespace: 'store', ...extra });
}

describe('config management plugins', () => {
  it('runs init then generate in a private copy: the checkout is not written', async () => {
    const dir = await writeFiles(repo, 'cmp/writer', { 'input.txt': 'x\n' });
    const result = await render(dir, { plugin: { name: 'writer-v1.0' } });
    expect(result.sourceType).toBe('Plugin');
    expect(names(result.objects)).toEqual(['ConfigMap/from-init']);
    expect(result.objects[0]?.origin).toMatchObject({ file: 'plugin writer-v1.0 generate', document: 1 });
    expect(await readdir(path.join(repo, dir))).toEqual(['input.txt']);
  });

  it('gives the build environment, env as ARGOCD_ENV_*, parameters as PARAM_* and JSON, and nothing of kawa\'s', async () => {
    const dir = await writeFiles(repo, 'cmp/env', { 'x.txt': '' });
    const parameters = [
      { name: 'image.tag', string: 'v2' },
      { name: 'list', array: ['a', 'b'] },
      { name: 'labels', map: { team: 'blue' } },
    ];
    const source = { plugin: { name: 'env', env: [{ name: 'GREETING', value: 'hi $ARGOCD_APP_NAME' }], parameters } };
    process.env['KAWA_TEST_LEAK'] = 'leaked';
    try {
      const { objects } = await render(dir, source, { kubeVersion: '1.31.0', buildEnv: buildEnvironment({ appName: 'shop', namespace: 'store', revision: '0123456789abcdef' }) });
      expect(objects[0]?.object['data']).toEqual({
        ARGOCD_APP_NAME: 'shop',
        ARGOCD_APP_NAMESPACE: 'store',
        ARGOCD_APP_REVISION_SHORT_8: '01234567',
        ARGOCD_ENV_GREETING: 'hi shop',
        PARAM_IMAGE_TAG: 'v2',
        PARAM_LIST_1: 'b',
        PARAM_LABELS_TEAM: 'blue',
        ARGOCD_APP_PARAMETERS: JSON.stringify(parameters),
        KUBE_VERSION: '1.31.0',
        KAWA_TEST_LEAK: 'unset',
        KUBECONFIG: 'unset',
        HOME_IS_PRIVATE: 'yes',
      });
    } finally {
      delete process.env['KAWA_TEST_LEAK'];
    }
  });

  it.each([
    ['fileName', { 'app.cue': '' }, ['ConfigMap/by-file']],
    ['find.glob', { 'deep/er/plugin-marker.txt': '' }, ['ConfigMap/by-glob']],
    ['find.command', { 'marker-for-command': '' }, ['Secret/json']],
  ])('discovers a plugin by %s, before Helm detection', async (_rule, files, expected) => {
    const dir = await writeFiles(repo, `cmp/discover-${_rule}`, { 'Chart.yaml': 'apiVersion: v2\nname: x\nversion: 0.1.0\n', ...files });
    const result = await render(dir, undefined);
    expect(result.sourceType).toBe('Plugin');
    expect(names(result.objects)).toEqual(expected);
    // A discover command runs in the plugin's copy too: the checkout is not written.
    expect(await readdir(path.join(repo, dir))).not.toContain('written-by-discover');
  });

  it('does not discover when the source names a type, or nothing matches', async () => {
    const dir = await writeFiles(repo, 'cmp/explicit', { 'app.cue': '', 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n' });
    expect((await render(dir, { directory: { recurse: true } })).sourceType).toBe('Directory');
    expect((await render('plain', undefined)).sourceType).toBe('Directory');
  });

  it.each([
    ['an unknown name', { name: 'nope' }, errorCodes.RENDER_INVALID_SOURCE, /^render cmp\/errors \(Plugin\): plugin\.name: no config management plugin is named "nope" \(configured: writer-v1\.0, env, /],
    ['a failing generate (nothing of its output kept)', { name: 'fails' }, errorCodes.RENDER_FAILED, /^render cmp\/errors \(Plugin\): plugin fails generate: exit 4\ntemplate error on line 3$/],
    ['output past the cap', { name: 'floods' }, errorCodes.RENDER_TOO_LARGE, /plugin floods generate: rendered output is over the 1048576-byte cap$/],
    ['a timeout', { name: 'sleeps' }, errorCodes.RENDER_TIMEOUT, /plugin sleeps generate: render took longer than the 1500 ms limit$/],
    ['a bad env name', { name: 'env', env: [{ name: 'A-B', value: 'x' }] }, errorCodes.RENDER_INVALID_SOURCE, /plugin\.env\[0\]\.name: "A-B" is not an environment variable name/],
  ])('fails on %s', async (_what, plugin, code, message) => {
    const dir = await writeFiles(repo, 'cmp/errors', { 'x.txt': '' });
    const started = Date.now();
    await rejectsWith(render(dir, { plugin }, { maxBytes: 1024 * 1024, timeoutMs: 1500 }), code, message);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('runs a plugin script given by absolute path inside kawa\'s (hidden) HOME, read-only, while the rest of HOME stays hidden', async () => {
    const scripts = await mkdtemp(path.join(homedir(), '.kawa-plugin-test-'));
    // As root the plugin runs as nobody: the operator's scripts must be readable by it.
    await chmod(scripts, 0o755);
    try {
      const script = path.join(scripts, 'generate.sh');
      await writeFile(path.join(scripts, 'beside.txt'), 'beside\n');
      await writeFile(script, `#!/bin/sh\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: by-path\\ndata:\\n  beside: "%s"\\n  kube: "%s"\\n' "$(cat ${scripts}/beside.txt)" "$(ls ${homedir()}/.kube 2>&1 | head -1)"\n`, { mode: 0o755 });
      const dir = await writeFiles(repo, 'cmp/by-path', { 'x.txt': '' });
      const result = await render(dir, { plugin: { name: 'by-path' } }, { plugins: [{ name: 'by-path', generate: { command: [script] } }] });
      const data = result.objects[0]?.object['data'] as Record<string, string>;
      expect(data['beside']).toBe('beside');
      if ((await pluginSandbox()).kind === 'namespaces') expect(data['kube']).toMatch(/No such file or directory/);
    } finally {
      await rm(scripts, { recursive: true, force: true });
    }
  });

  it('fails when no plugin is configured', async () => {
    await rejectsWith(render('plain', { plugin: { name: 'x' } }, { plugins: [] }), errorCodes.RENDER_INVALID_SOURCE, /no config management plugin is named "x" \(none is configured\)/);
  });

  it('refuses a repository with a symlink to outside it', async () => {
    const dir = await writeFiles(repo, 'cmp/escape', { 'x.txt': '' });
    await symlink('/etc', path.join(repo, dir, 'escape'));
    await rejectsWith(render(dir, { plugin: { name: 'reads-out' } }), errorCodes.RENDER_PATH_ESCAPE, /cmp\/escape\/escape is a symlink to outside the repository/);
  });
});

describe('plugin configuration files', () => {
  it('reads a plugin.yaml, naming it <name>-<version>', () => {
    const text = [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: ConfigManagementPlugin',
      'metadata:',
      '  name: cue',
      'spec:',
      '  version: v1.0',
      '  init: {command: [sh, -c], args: ["cue mod tidy"]}',
      '  generate: {command: [cue, export, --out, yaml]}',
      '  discover: {fileName: "./*.cue"}',
    ].join('\n');
    expect(parsePluginConfig(text, 'plugin.yaml')).toEqual({
      name: 'cue-v1.0',
      init: { command: ['sh', '-c'], args: ['cue mod tidy'] },
      generate: { command: ['cue', 'export', '--out', 'yaml'] },
      discover: { fileName: './*.cue' },
    });
  });

  it.each([
    ['no generate', 'kind: ConfigManagementPlugin\nmetadata: {name: x}\nspec: {}\n', /plugin\.yaml: not a ConfigManagementPlugin: spec\.generate: /],
    ['another kind', 'kind: ConfigMap\nmetadata: {name: x}\n', /plugin\.yaml: not a ConfigManagementPlugin: kind: /],
    ['bad YAML', 'kind: [\n', /^plugin\.yaml:\d+: /],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parsePluginConfig(text, 'plugin.yaml')).toThrow(message);
  });

  it('refuses two plugins of the same name', async () => {
    const file = path.join(repo, 'plugin-dup.yaml');
    await writeFile(file, 'kind: ConfigManagementPlugin\nmetadata: {name: x}\nspec: {generate: {command: ["true"]}}\n');
    await rejectsWith(loadPluginConfigs([file, file]), errorCodes.RENDER_INVALID_SOURCE, /a plugin named "x" is already configured/);
  });
});
