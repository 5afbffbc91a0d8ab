// `kawa admin settings resource-overrides health`, run as a real process on fixture files.
import { beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../../util/exec.js';
import type { ExecResult } from '../../../util/exec.js';

const D = 'src/cli/commands/admin/testdata';
const CM = ['--argocd-cm-path', `${D}/argocd-cm.yaml`];
const health = (args: string[]) =>
  exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'admin', 'settings', 'resource-overrides', 'health', ...args], {
    timeoutMs: 30_000,
    allowFailure: true,
  });

const RUNS = {
  table: [`${D}/multi.yaml`, `${D}/lenient.yaml`, `${D}/lenient.json`, ...CM],
  json: [`${D}/lenient.yaml`, `${D}/multi.yaml`, ...CM, '-o', 'json'],
  wide: [`${D}/lenient.yaml`, ...CM, '-o', 'wide'],
  builtinOnly: [`${D}/multi.yaml`],
  brokenInput: [`${D}/lenient.json`, `${D}/broken.yaml`, `${D}/missing.yaml`],
  brokenCm: [`${D}/multi.yaml`, '--argocd-cm-path', `${D}/argocd-cm-invalid.yaml`],
  badFormat: [`${D}/multi.yaml`, '-o', 'yaml'],
};
const results: Partial<Record<keyof typeof RUNS, ExecResult>> = {};

// The processes start in parallel: each pays for Node, tsx and the WebAssembly module once.
beforeAll(async () => {
  await Promise.all(
    Object.entries(RUNS).map(async ([name, args]) => {
      results[name as keyof typeof RUNS] = await health(args);
    }),
  );
}, 60_000);

function result(name: keyof typeof RUNS): ExecResult {
  const found = results[name];
  if (found === undefined) throw new Error(`no result for ${name}`);
  return found;
}

describe('kawa admin settings resource-overrides health', () => {
  it('prints one line per object: built-in checks, Lua scripts (exact and wildcard), lenient YAML and JSON', () => {
    const { code, stdout } = result('table');
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'FILE                                          RESOURCE             STATUS       MESSAGE',
        'src/cli/commands/admin/testdata/multi.yaml    Deployment/web       Progressing  Waiting for rollout to finish: 1 of 2 updated replicas are available...',
        'src/cli/commands/admin/testdata/multi.yaml    Certificate/web-tls  Healthy      Certificate is up to date and has not expired',
        'src/cli/commands/admin/testdata/multi.yaml    Bucket/assets        Degraded     create failed: BucketAlreadyExists',
        'src/cli/commands/admin/testdata/multi.yaml    ConfigMap/settings   -            no health check for this kind (counts as Healthy)',
        'src/cli/commands/admin/testdata/multi.yaml    Pod/worker-0         Healthy',
        'src/cli/commands/admin/testdata/multi.yaml    Gadget/gears         Degraded     gears are stuck',
        'src/cli/commands/admin/testdata/lenient.yaml  Widget/frontend-v2   Suspended    paused with 3/3 ready; all replicas are available',
        'src/cli/commands/admin/testdata/lenient.json  Certificate/api-tls  Degraded     Issuer letsencrypt not ready',
        '',
      ].join('\n'),
    );
  });

  it('shows what scripts print on stderr, and opens more libraries only where useOpenLibs says so', () => {
    expect(result('table').stderr).toBe(`${D}/lenient.yaml:2 Widget/frontend-v2: script output:\npaused is a boolean, os is a table\n`);
  });

  it('prints JSON for machines', () => {
    const { code, stdout } = result('json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Record<string, unknown>[];
    expect(rows.map((r) => [r.kind, r.name, r.status, r.check])).toEqual([
      ['Widget', 'frontend-v2', 'Suspended', 'lua'],
      ['Deployment', 'web', 'Progressing', 'built-in'],
      ['Certificate', 'web-tls', 'Healthy', 'lua'],
      ['Bucket', 'assets', 'Degraded', 'lua'],
      ['ConfigMap', 'settings', null, 'none'],
      ['Pod', 'worker-0', 'Healthy', 'built-in'],
      ['Gadget', 'gears', 'Degraded', 'conditions'],
    ]);
    expect(rows[0]).toEqual({
      file: `${D}/lenient.yaml`,
      document: 1,
      line: 2,
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      namespace: 'shop',
      name: 'frontend-v2',
      status: 'Suspended',
      message: 'paused with 3/3 ready; all replicas are available',
      check: 'lua',
      script: 'resource.customizations.health.example.com_Widget',
      output: 'paused is a boolean, os is a table\n',
    });
    expect(rows[3]).toMatchObject({ line: 29, script: 'resource.customizations[*.crossplane.io/*].health.lua' });
    expect(rows[6]).toMatchObject({ document: 5, line: 72 });
  });

  it('adds line, group, namespace and the deciding check in wide output', () => {
    const { code, stdout } = result('wide');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('FILE                                          LINE  GROUP        KIND    NAMESPACE  NAME         STATUS     CHECK                                              MESSAGE');
    expect(stdout.split('\n')[1]).toContain('  2     example.com  Widget  shop       frontend-v2  Suspended  resource.customizations.health.example.com_Widget  paused with');
  });

  it('uses the built-in checks and the conditions fallback without an argocd-cm', () => {
    const { code, stdout } = result('builtinOnly');
    expect(code).toBe(0);
    expect(stdout).toContain('Certificate/web-tls  Healthy      Certificate is up to date and has not expired');
    expect(stdout).toContain('Bucket/assets        -            no health check for this kind (counts as Healthy)');
  });

  it('exits 1 naming the file and line of input it cannot read, after judging the rest', () => {
    const { code, stdout, stderr } = result('brokenInput');
    expect(code).toBe(1);
    expect(stdout).toContain('lenient.json  Certificate/api-tls  Degraded');
    expect(stderr).toContain(`error: ${D}/broken.yaml:4: Tabs are not allowed as indentation\n`);
    expect(stderr).toContain(`error: ${D}/missing.yaml: cannot read: ENOENT`);
  });

  it('exits 1 naming the argocd-cm key that is wrong', () => {
    const { code, stdout, stderr } = result('brokenCm');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `error: ${D}/argocd-cm-invalid.yaml: resource.customizations.useOpenLibs.example.com_Widget: must be "true" or "false", not "sometimes" (KAWA_SETTINGS_INVALID)\n`,
    );
  });

  it('rejects an unknown output format', () => {
    const { code, stderr } = result('badFormat');
    expect(code).not.toBe(0);
    expect(stderr).toContain("argument 'yaml' is invalid. Allowed choices are json, wide.");
  });
});
