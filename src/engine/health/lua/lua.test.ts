// The Lua runtime on users'-style scripts: one case per line, fixtures in testdata/.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HealthStatus } from '../types.js';
import { LuaHealthRuntime } from './runtime.js';
import type { LuaHealthScript } from './runtime.js';

const TESTDATA = new URL('./testdata/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, TESTDATA), 'utf8');
const object = (file: string): Record<string, unknown> => parse(read(file)) as Record<string, unknown>;

/** The key Argo CD would read the script from, so messages look like they will for users. */
function scriptFor(file: string, obj: Record<string, unknown>, useOpenLibs = false): LuaHealthScript {
  const group = String(obj.apiVersion).split('/').slice(0, -1).join('/');
  return { source: `resource.customizations.health.${group}_${String(obj.kind)}`, script: read(file), useOpenLibs };
}

const WIDGET_KEY = 'resource.customizations.health.example.com_Widget';

/** [script, object, useOpenLibs, expected status (undefined = no opinion), expected message] */
type Case = [script: string, object: string, useOpenLibs: boolean, status: HealthStatus | undefined, message?: string];

const CASES: readonly Case[] = [
  ['certificate.lua', 'certificate-ready.yaml', false, 'Healthy', 'Certificate is up to date and has not expired'],
  ['certificate.lua', 'certificate-issuing.yaml', false, 'Progressing', 'Issuing certificate as Secret does not exist'],
  ['certificate.lua', 'certificate-failed.yaml', false, 'Degraded', 'The certificate request has failed to complete and will be retried: order is in "invalid" state'],
  ['certificate.lua', 'certificate-new.yaml', false, 'Progressing', 'Waiting for certificate'],
  ['crossplane.lua', 'bucket-ready.yaml', false, 'Healthy', 'Bucket assets is available'],
  ['crossplane.lua', 'bucket-unsynced.yaml', false, 'Degraded', 'create failed: BucketAlreadyExists: the requested bucket name is not available'],
  ['replicas.lua', 'widget-scaling.yaml', false, 'Progressing', 'Waiting: 2 of 3 replicas ready (1 missing, 66%, generation 7)'],
  ['replicas.lua', 'widget-ready.yaml', false, 'Healthy', '3 replicas ready'],
  ['lua51.lua', 'widget-scaling.yaml', false, 'Healthy', '2 conditions: Available,Progressing; 2^10=1024; words=3'],
  ['invalid-status.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: Lua returned an invalid health status "Great"`],
  ['runtime-error.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health.lua:3: attempt to index a nil value (field 'phase')`],
  ['syntax-error.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health.lua:3: 'then' expected near 'hs'`],
  ['no-opinion.lua', 'widget-ready.yaml', false, 'Suspended', 'judged by Lua'],
  ['no-opinion.lua', 'certificate-new.yaml', false, undefined],
  ['open-libs.lua', 'widget-ready.yaml', false, 'Healthy', 'libs: ; no clock'],
  ['open-libs.lua', 'widget-ready.yaml', true, 'Healthy', 'libs: os,coroutine,utf8; os.time number, os.execute nil, os.getenv nil'],
  ['infinite-loop.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health script timed out (after 250 ms)`],
  ['pcall-loop.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health script timed out (after 250 ms)`],
  ['print.lua', 'widget-ready.yaml', false, 'Healthy'],
];

let runtime: LuaHealthRuntime;
beforeAll(async () => {
  runtime = await LuaHealthRuntime.create({ timeoutMs: 250, captureOutput: true });
});
afterAll(() => {
  runtime.close();
});

describe('Lua health scripts', () => {
  it.each(CASES)('%s on %s (useOpenLibs: %s) → %s', (script, file, useOpenLibs, status, message) => {
    const obj = object(file);
    const { result } = runtime.run(scriptFor(script, obj, useOpenLibs), obj);
    expect(result === undefined ? undefined : { status: result.status, message: result.message }).toEqual(
      status === undefined ? undefined : { status, message },
    );
  });

  it('uses every fixture', () => {
    const used = new Set(CASES.flatMap(([script, file]) => [script, file]));
    used.add('leak-write.lua').add('leak-read.lua');
    // argocd-cm/ holds ConfigMaps for customizations.test.ts.
    const files = readdirSync(TESTDATA, { withFileTypes: true }).filter((entry) => entry.isFile());
    expect(files.map((entry) => entry.name).filter((f) => !used.has(f))).toEqual([]);
  });

  it('stops an endless loop within the default limit of 1 s', async () => {
    const strict = await LuaHealthRuntime.create();
    const obj = object('widget-ready.yaml');
    const started = performance.now();
    const { result } = strict.run(scriptFor('infinite-loop.lua', obj), obj);
    const elapsed = performance.now() - started;
    strict.close();
    expect(result).toEqual({ status: 'Unknown', message: `${WIDGET_KEY}: health script timed out (after 1000 ms)` });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1500);
  });

  it('can stop on an instruction count instead, whatever the machine speed', async () => {
    const counted = await LuaHealthRuntime.create({ maxInstructions: 100_000, timeoutMs: 60_000 });
    const obj = object('widget-ready.yaml');
    expect(counted.run(scriptFor('infinite-loop.lua', obj), obj).result?.message).toBe(
      `${WIDGET_KEY}: health script timed out (more than 100000 instructions)`,
    );
    counted.close();
  });

  it('gives each call a fresh environment: globals and library changes do not leak', () => {
    const obj = object('widget-ready.yaml');
    expect(runtime.run(scriptFor('leak-write.lua', obj), obj).result?.message).toBe('wrote globals');
    expect(runtime.run(scriptFor('leak-read.lua', obj), obj).result?.message).toBe('nil OK OK function');
  });

  it('keeps what a script prints, with 5.1 number formatting', () => {
    const obj = object('widget-ready.yaml');
    expect(runtime.run(scriptFor('print.lua', obj), obj).output).toBe('replicas\t3\t5\n');
  });

  it('stops a script at the memory limit and stays usable', () => {
    const obj = object('widget-ready.yaml');
    // A string doubled 30 times needs 1 GiB: the limit is reached within a few allocations, so the test does
    // not depend on how fast a loaded machine fills memory before the time limit.
    const hog: LuaHealthScript = { source: WIDGET_KEY, script: "local s = 'x' for i = 1, 30 do s = s .. s end return { status = #s }", useOpenLibs: false };
    expect(runtime.run(hog, obj).result?.message).toBe(`${WIDGET_KEY}: health script ran out of memory (limit 64 MiB)`);
    expect(runtime.run(scriptFor('replicas.lua', obj), obj).result?.status).toBe('Healthy');
  });

  it('refuses finalizers, which would run outside the time limit', () => {
    const obj = object('widget-ready.yaml');
    const gc: LuaHealthScript = { source: WIDGET_KEY, script: 'setmetatable({}, { __gc = function() end })', useOpenLibs: false };
    expect(runtime.run(gc, obj).result?.message).toBe(`${WIDGET_KEY}: health.lua:1: __gc metamethods are not allowed in health scripts`);
  });

  it('answers Unknown for objects nested deeper than any real one', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 600; i++) deep = { next: deep };
    const script: LuaHealthScript = { source: WIDGET_KEY, script: 'return { status = "Healthy" }', useOpenLibs: false };
    expect(runtime.run(script, { apiVersion: 'example.com/v1', kind: 'Widget', spec: deep }).result?.message).toBe(
      `${WIDGET_KEY}: object is nested more than 512 levels deep`,
    );
  });

  it('compiles each script text once and keeps a bounded cache', async () => {
    const small = await LuaHealthRuntime.create({ cacheSize: 2 });
    const obj = object('widget-scaling.yaml');
    for (let round = 0; round < 3; round++) {
      for (const file of ['certificate.lua', 'crossplane.lua', 'replicas.lua']) {
        expect(small.run(scriptFor(file, obj), obj).result?.status).toBeDefined();
      }
    }
    expect(small.cachedScripts).toBe(2);
    expect(small.run(scriptFor('replicas.lua', obj), obj).result?.message).toBe('Waiting: 2 of 3 replicas ready (1 missing, 66%, generation 7)');
    small.close();
  });
});
