// Reading health customizations out of argocd-cm, and plugging them into assessHealth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
