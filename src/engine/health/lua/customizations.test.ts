// Reading health customizations out of argocd-cm, and plugging them into assessHealth.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assessHealth } from '../index.js';
import type { KubeObject } from '../types.js';
import { globToRegExp, luaHealthCheck, parseHealthCustomizations } from './customizations.js';
import { LuaHealthRuntime } from './runtime.js';

const script = (status: string) => `return { status = "${status}" }\n`;

const CM: Record<string, string> = {
  'resource.customizations.health.cert-manager.io_Certificate': script('Healthy'),
  'resource.customizations.useOpenLibs.cert-manager.io_Certificate': 'true',
  'resource.customizations.health.Pod': script('Suspended'),
  'resource.customizations.health._ConfigMap': script('Degraded'),
  'resource.customizations.health.s3.aws.crossplane.io_Bucket': script('Missing'),
  'resource.customizations.ignoreDifferences.apps_Deployment': 'jsonPointers: [/spec/replicas]',
  'resource.customizations': `
"*.crossplane.io/*":
  health.lua: |
    return { status = "Progressing" }
  health.lua.useOpenLibs: true
s3.aws.crossplane.io/Bucket:
  health.lua: |
    return { status = "Unknown" }
"*.aws.crossplane.io/*":
  health.lua: |
    return { status = "Degraded" }
"*/*":
  health.lua: |
    return { status = "Healthy" }
apps/Deployment:
  ignoreDifferences: |
    jsonPointers: [/spec/replicas]
`,
};

/** [group, kind, expected source (undefined = no script), expected useOpenLibs] */
const LOOKUPS: readonly [string, string, string | undefined, boolean?][] = [
  ['cert-manager.io', 'Certificate', 'resource.customizations.health.cert-manager.io_Certificate', true],
  ['', 'Pod', 'resource.customizations.health.Pod', false],
  ['', 'ConfigMap', 'resource.customizations.health._ConfigMap', false],
  ['s3.aws.crossplane.io', 'Bucket', 'resource.customizations.health.s3.aws.crossplane.io_Bucket', false],
  ['ec2.aws.crossplane.io', 'Instance', 'resource.customizations[*.aws.crossplane.io/*].health.lua', false],
  ['database.gcp.crossplane.io', 'CloudSQLInstance', 'resource.customizations[*.crossplane.io/*].health.lua', true],
  ['apps', 'Deployment', 'resource.customizations[*/*].health.lua', false],
  ['', 'Service', undefined],
];

describe('parseHealthCustomizations', () => {
  const customizations = parseHealthCustomizations(CM);

  it.each(LOOKUPS)('%s/%s → %s', (group, kind, source, useOpenLibs) => {
    const found = customizations.find(group, kind);
    expect(found === undefined ? undefined : [found.source, found.useOpenLibs]).toEqual(source === undefined ? undefined : [source, useOpenLibs]);
  });

  it('reads every script, exact patterns first and wildcards from most specific', () => {
    expect(customizations.problems).toEqual([]);
    expect(customizations.scripts.map((s) => s.pattern)).toEqual([
      'ConfigMap',
      'Pod',
      'cert-manager.io/Certificate',
      's3.aws.crossplane.io/Bucket',
      '*.aws.crossplane.io/*',
      '*.crossplane.io/*',
      '*/*',
    ]);
  });

  it('lets a split key replace the YAML entry of the same kind', () => {
    expect(customizations.find('s3.aws.crossplane.io', 'Bucket')?.script).toBe(script('Missing'));
  });

  it('reads `health.all` as a script for every kind with a group, like Argo CD', () => {
    const all = parseHealthCustomizations({ 'resource.customizations.health.all': script('Healthy') });
    expect(all.find('apps', 'Deployment')?.pattern).toBe('*/*');
    expect(all.find('', 'Pod')).toBeUndefined();
  });

  /** [argocd-cm data, expected problems] — each names the key to fix. */
  const PROBLEMS: readonly [Record<string, string>, string[]][] = [
    [{ 'resource.customizations.useOpenLibs.example.com_Widget': 'maybe' }, ['resource.customizations.useOpenLibs.example.com_Widget: must be "true" or "false", not "maybe"']],
    [{ 'resource.customizations.health.a_b_c': script('Healthy') }, ['resource.customizations.health.a_b_c: the key must end in <group>_<kind>, or <kind> for the core group']],
    [{ 'resource.customizations.healthz.apps_Deployment': script('Healthy') }, ['resource.customizations.healthz.apps_Deployment: unknown customization type "healthz"']],
    [{ 'resource.customizations': 'apps/Deployment:\n  health.lua: [\n' }, ['resource.customizations: line 3: Flow sequence in block collection must be sufficiently indented and end with a ]']],
    [{ 'resource.customizations': 'apps/Deployment: just text\n' }, ['resource.customizations[apps/Deployment]: must be a map (health.lua, health.lua.useOpenLibs, …)']],
    [{ 'resource.customizations': 'apps/Deployment:\n  health.lua.useOpenLibs: sometimes\n' }, ['resource.customizations[apps/Deployment].health.lua.useOpenLibs: must be true or false']],
    [{ 'resource.customizations': '- apps/Deployment\n' }, ['resource.customizations: must be a map of <group>/<kind> to customizations']],
  ];

  it.each(PROBLEMS)('reports %j', (data, problems) => {
    expect(parseHealthCustomizations(data).problems).toEqual(problems);
  });

  it('keeps the usable scripts when another key is broken', () => {
    const mixed = parseHealthCustomizations({ ...CM, 'resource.customizations.useOpenLibs.Pod': 'yes please' });
    expect(mixed.problems).toHaveLength(1);
    expect(mixed.find('', 'Pod')?.source).toBe('resource.customizations.health.Pod');
  });
});

/** The `data` of a ConfigMap fixture in testdata/argocd-cm/. */
function argocdCmData(file: string): Record<string, string> {
  const cm = parse(readFileSync(new URL(`./testdata/argocd-cm/${file}`, import.meta.url), 'utf8')) as { data: Record<string, string> };
  return cm.data;
}

/** The same data with its keys, and the entries of the YAML map, in reverse order. */
function reversed(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(data).reverse()) {
    const value = data[key] ?? '';
    if (key !== 'resource.customizations') {
      out[key] = value;
      continue;
    }
    const map = parse(value) as Record<string, unknown>;
    const flipped: Record<string, unknown> = {};
    for (const entry of Object.keys(map).reverse()) flipped[entry] = map[entry];
    out[key] = JSON.stringify(flipped);
  }
  return out;
}

describe('wildcard keys, in both argocd-cm forms', () => {
  /** [group, kind, expected pattern (undefined = no script), expected status, expected useOpenLibs] */
  const WILDCARD_LOOKUPS: readonly [string, string, string | undefined, string?, boolean?][] = [
    // An exact key beats every wildcard.
    ['ec2.aws.crossplane.io', 'Instance', 'ec2.aws.crossplane.io/Instance', 'Healthy', false],
    // Kind wildcard: literal group, so more literal text than the group wildcards below.
    ['ec2.aws.crossplane.io', 'VPC', 'ec2.aws.crossplane.io/*', 'Suspended', false],
    // Group and kind wildcards: the longer literal suffix wins.
    ['s3.aws.crossplane.io', 'Bucket', '*.aws.crossplane.io/*', 'Degraded', false],
    ['database.gcp.crossplane.io', 'CloudSQLInstance', '*.crossplane.io/*', 'Progressing', true],
    // Group wildcard with a literal kind.
    ['gateway.networking.k8s.io', 'Gateway', '*/Gateway', 'Healthy', false],
    // Both match; `.crossplane.io/` is more literal text than `/Gateway`.
    ['apiextensions.crossplane.io', 'Gateway', '*.crossplane.io/*', 'Progressing', true],
    // `*.` needs something before the dot; core kinds are keyed without a slash.
    ['crossplane.io', 'Provider', undefined],
    ['', 'Pod', undefined],
  ];

  describe.each(['wildcards-yaml-map.yaml', 'wildcards-split-keys.yaml'])('%s', (file) => {
    const data = argocdCmData(file);
    const forward = parseHealthCustomizations(data);
    const backward = parseHealthCustomizations(reversed(data));

    it('reads every key', () => {
      expect([forward.problems, forward.scripts.length]).toEqual([[], 5]);
    });

    it.each(WILDCARD_LOOKUPS)('%s/%s → %s', (group, kind, pattern, status, useOpenLibs) => {
      const found = forward.find(group, kind);
      const status_ = found === undefined ? undefined : /status = "(\w+)"/.exec(found.script)?.[1];
      expect(found === undefined ? undefined : [found.pattern, status_, found.useOpenLibs]).toEqual(
        pattern === undefined ? undefined : [pattern, status, useOpenLibs],
      );
    });

    it('chooses the same script whatever order the keys are written in', () => {
      expect(backward.scripts.map((s) => s.pattern)).toEqual(forward.scripts.map((s) => s.pattern));
      for (const [group, kind] of WILDCARD_LOOKUPS) {
        expect(backward.find(group, kind)?.pattern).toBe(forward.find(group, kind)?.pattern);
      }
    });
  });

  it('reads `_*` as every core kind and `*` as every kind', () => {
    const core = parseHealthCustomizations({ 'resource.customizations.health._*': script('Healthy') });
    const every = parseHealthCustomizations({ 'resource.customizations.health.*': script('Healthy') });
    expect([core.find('', 'Pod')?.pattern, core.find('apps', 'Deployment'), every.find('', 'Pod')?.pattern, every.find('apps', 'Deployment')?.pattern]).toEqual([
      '/*',
      undefined,
      '*',
      '*',
    ]);
  });

  it('lets a split key override the YAML entry of the same wildcard pattern', () => {
    const both = parseHealthCustomizations({ ...argocdCmData('wildcards-yaml-map.yaml'), 'resource.customizations.health.*.crossplane.io_*': 'return { status = "Missing" }' });
    const found = both.find('database.gcp.crossplane.io', 'CloudSQLInstance');
    expect([found?.source, found?.script, found?.useOpenLibs]).toEqual([
      'resource.customizations.health.*.crossplane.io_*',
      'return { status = "Missing" }',
      true,
    ]);
  });
});

describe('globToRegExp', () => {
  /** [pattern, text, matches] */
  const GLOBS: readonly [string, string, boolean][] = [
    ['*.crossplane.io/*', 'ec2.aws.crossplane.io/Instance', true],
    ['*.crossplane.io/*', 'crossplane.io/Provider', false],
    ['{ec2,rds}.aws.crossplane.io/*', 'rds.aws.crossplane.io/DBInstance', true],
    ['{ec2,rds}.aws.crossplane.io/*', 's3.aws.crossplane.io/Bucket', false],
    ['apps/?eployment', 'apps/Deployment', true],
    ['[!a]pps/*', 'apps/Deployment', false],
    ['*', 'Pod', true],
    ['*/*', 'Pod', false],
    ['example.com/Widget', 'exampleXcom/Widget', false],
  ];
  it.each(GLOBS)('%s ~ %s → %s', (pattern, text, matches) => {
    expect(globToRegExp(pattern).test(text)).toBe(matches);
  });
});

describe('luaHealthCheck with assessHealth', () => {
  let runtime: LuaHealthRuntime;
  beforeAll(async () => {
    runtime = await LuaHealthRuntime.create();
  });
  afterAll(() => {
    runtime.close();
  });

  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation: 1 },
    spec: { replicas: 1 },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  };

  it('overrides a built-in check', () => {
    const custom = luaHealthCheck(
      parseHealthCustomizations({ 'resource.customizations.health.apps_Deployment': 'return { status = "Suspended", message = "held by Lua" }' }),
      runtime,
    );
    expect(assessHealth(deployment, { custom })).toEqual({ status: 'Suspended', message: 'held by Lua' });
  });

  it('falls through to the built-in check when the script returns nil', () => {
    const custom = luaHealthCheck(parseHealthCustomizations({ 'resource.customizations.health.apps_Deployment': 'return nil' }), runtime);
    expect(assessHealth(deployment, { custom })).toEqual({ status: 'Healthy' });
  });

  it('passes what scripts print to onOutput', async () => {
    const capturing = await LuaHealthRuntime.create({ captureOutput: true });
    const printed: string[] = [];
    const custom = luaHealthCheck(
      parseHealthCustomizations({ 'resource.customizations.health.apps_Deployment': 'print("replicas", obj.spec.replicas) return nil' }),
      capturing,
      { onOutput: (script, output) => printed.push(`${script.source}: ${output}`) },
    );
    assessHealth(deployment, { custom });
    capturing.close();
    expect(printed).toEqual(['resource.customizations.health.apps_Deployment: replicas\t1\n']);
  });
});
