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
const CERT_KEY = 'resource.customizations.health.cert-manager.io_Certificate';
/** The wall clock every runtime in this file reads: os.time() is 1741687200. */
const NOW = Date.parse('2025-03-11T10:00:00Z');

/** [script, object, useOpenLibs, expected status (undefined = no opinion), expected message] */
type Case = [script: string, object: string, useOpenLibs: boolean, status: HealthStatus | undefined, message?: string];

const CASES: readonly Case[] = [
  ['certificate.lua', 'certificate-ready.yaml', false, 'Healthy', 'Certificate is up to date and has not expired'],
  ['certificate.lua', 'certificate-issuing.yaml', false, 'Progressing', 'Issuing certificate as Secret does not exist'],
  ['certificate.lua', 'certificate-failed.yaml', false, 'Degraded', 'The certificate request has failed to complete and will be retried: order is in "invalid" state'],
  ['certificate.lua', 'certificate-new.yaml', false, 'Progressing', 'Waiting for certificate'],
  ['crossplane.lua', 'bucket-ready.yaml', false, 'Healthy', 'Bucket assets is available'],
  ['crossplane.lua', 'bucket-unsynced.yaml', false, 'Degraded', 'create failed: BucketAlreadyExists: the requested bucket name is not available'],
  ['replicas.lua', 'widget-scaling.yaml', true, 'Progressing', 'Waiting: 2 of 3 replicas ready (1 missing, 66%, generation 7)'],
  ['replicas.lua', 'widget-ready.yaml', true, 'Healthy', '3 replicas ready'],
  // Argo CD opens no string library without useOpenLibs, so neither does kawa.
  ['replicas.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health.lua:12: attempt to index a nil value (global 'string')`],
  ['lua51.lua', 'widget-scaling.yaml', true, 'Healthy', '2 conditions: Available,Progressing; 2^10=1024; words=3'],
  ['invalid-status.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: Lua returned an invalid health status "Great"`],
  ['runtime-error.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health.lua:3: attempt to index a nil value (field 'phase')`],
  ['syntax-error.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health.lua:3: 'then' expected near 'hs'`],
  ['no-opinion.lua', 'widget-ready.yaml', false, 'Suspended', 'judged by Lua'],
  ['no-opinion.lua', 'certificate-new.yaml', false, undefined],
  ['open-libs.lua', 'widget-ready.yaml', false, 'Healthy', 'libs: table,os,require,load,loadstring,collectgarbage; Lua 5.1'],
  ['open-libs.lua', 'widget-ready.yaml', true, 'Healthy', 'libs: string,math,coroutine,table,os,require,load,loadstring,collectgarbage; Lua 5.1'],
  ['os-safe.lua', 'widget-ready.yaml', false, 'Healthy', 'os: time,date,clock,difftime; require("os") is os: true'],
  ['os-safe.lua', 'widget-ready.yaml', true, 'Healthy', 'os: time,date,clock,difftime; require("os") is os: true'],
  // Ages against the fixed clock (2025-03-11T10:00:00Z).
  ['expiry.lua', 'certificate-ready.yaml', false, 'Healthy', 'Certificate valid until 2025-09-01T10:00:00Z'],
  ['expiry.lua', 'certificate-expired.yaml', false, 'Degraded', 'Certificate expired at 2025-03-01T00:00:00Z (now 2025-03-11T10:00:00Z)'],
  ['age.lua', 'widget-stuck.yaml', true, 'Degraded', 'not ready 90 minutes after creation (2025-03-11 08:30)'],
  ['age.lua', 'widget-new.yaml', true, 'Progressing', 'created 15 minutes ago'],
  ['age.lua', 'widget-ready.yaml', true, 'Healthy', 'all replicas ready'],
  ['age.lua', 'widget-stuck.yaml', false, 'Unknown', `${WIDGET_KEY}: health.lua:6: attempt to index a nil value (global 'string')`],
  ['infinite-loop.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health script timed out (after 250 ms)`],
  ['pcall-loop.lua', 'widget-ready.yaml', false, 'Unknown', `${WIDGET_KEY}: health script timed out (after 250 ms)`],
  ['print.lua', 'widget-ready.yaml', false, 'Healthy'],
];

let runtime: LuaHealthRuntime;
beforeAll(async () => {
  runtime = await LuaHealthRuntime.create({ timeoutMs: 250, captureOutput: true, wallClock: () => NOW });
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
    expect(runtime.run(scriptFor('leak-write.lua', obj, true), obj).result?.message).toBe('wrote globals');
    expect(runtime.run(scriptFor('leak-read.lua', obj, true), obj).result?.message).toBe('nil OK OK function');
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
    expect(runtime.run(scriptFor('replicas.lua', obj, true), obj).result?.status).toBe('Healthy');
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
        expect(small.run(scriptFor(file, obj, true), obj).result?.status).toBeDefined();
      }
    }
    expect(small.cachedScripts).toBe(2);
    expect(small.run(scriptFor('replicas.lua', obj, true), obj).result?.message).toBe('Waiting: 2 of 3 replicas ready (1 missing, 66%, generation 7)');
    small.close();
  });
});

/** One Lua expression per case, its value as the message: [expression, useOpenLibs, expected message]. */
type Expression = [expression: string, useOpenLibs: boolean, message: string];

// 2024-02-29T12:00:00Z, a Thursday, day 60 of a leap year.
const LEAP_NOON = 1709208000;

const OS_EXPRESSIONS: readonly Expression[] = [
  ['os.time()', false, '1741687200'],
  ['os.date("!%Y-%m-%dT%H:%M:%SZ")', false, '2025-03-11T10:00:00Z'],
  ['os.date("!%Y-%m-%dT%XZ")', false, '2025-03-11T10:00:00Z'],
  ['os.date("%c", 0)', false, 'Thu Jan  1 00:00:00 1970'],
  ['os.date()', false, 'Tue Mar 11 10:00:00 2025'],
  [`os.date("%a %A %b %B %d %e %j %p %I %y %C %w %u", ${LEAP_NOON})`, false, 'Thu Thursday Feb February 29 29 060 PM 12 24 20 4 4'],
  [`os.date("%D %F %T %R %r %x %X %z %Z %s %% %Q", ${LEAP_NOON})`, false, '02/29/24 2024-02-29 12:00:00 12:00 12:00:00 PM 02/29/24 12:00:00 +0000 UTC 1709208000 % %Q'],
  ['os.date("!%H:%M:%S %Y-%m-%d", -1)', false, '23:59:59 1969-12-31'],
  ['os.time({ year = 2024, month = 2, day = 29, hour = 0 })', false, '1709164800'],
  // Fields default to noon, out-of-range values carry over, numeric strings count.
  ['os.time({ year = 2025, month = 3, day = 11 })', false, '1741694400'],
  ['os.time({ year = 2024, month = 13, day = 1, hour = 0 })', false, '1735689600'],
  ['os.time({ year = "2024", month = 3, day = 0, hour = 24, min = 0 })', false, `${LEAP_NOON + 12 * 3600}`],
  ['os.date("*t", 0).wday .. "/" .. os.date("*t", 0).yday .. "/" .. tostring(os.date("*t", 0).isdst)', false, '5/1/false'],
  [`os.time(os.date("*t", ${LEAP_NOON}))`, false, `${LEAP_NOON}`],
  ['os.difftime(os.time(), os.time({ year = 2025, month = 3, day = 11, hour = 9 }))', false, '3600'],
  ['select(2, pcall(os.time, { year = 2024 }))', false, "field 'day' missing in date table"],
  ['select(2, pcall(os.date, {}))', false, "bad argument #1 to 'date' (string expected, got table)"],
  ['type(os.execute) .. type(os.exit) .. type(os.getenv) .. type(os.remove) .. type(os.rename) .. type(os.tmpname)', true, 'nilnilnilnilnilnil'],
  ['type(io) .. type(debug) .. type(package) .. type(dofile) .. type(loadfile)', true, 'nilnilnilnilnil'],
  ['select(2, pcall(require, "io"))', true, "module 'io' not found"],
  ['select(2, pcall(require, "string"))', false, "module 'string' not found"],
  ['require("string").upper("ok")', true, 'OK'],
  ['loadstring("return 1 + obj.spec.replicas")()', false, '4'],
  ['select(2, load(string.dump(function() end)))', true, "attempt to load a binary chunk (mode is 't')"],
  // useOpenLibs: string methods on strings, the string and math libraries.
  ['("ok"):upper()', true, 'OK'],
  ['select(2, pcall(function() return ("ok"):upper() end))', false, 'health.lua:1: attempt to index a string value (no string library: set useOpenLibs)'],
  ['math.floor(7 / 2)', true, '3'],
  ['type(math) .. type(string) .. type(coroutine)', false, 'nilnilnil'],
  // Length and concatenation are the VM's, not the string library's.
  ['#"four" .. "-" .. 8', false, '4-8'],
];

describe('the Lua environment Argo CD gives health scripts', () => {
  it.each(OS_EXPRESSIONS)('%s (useOpenLibs: %s) → %s', (expression, useOpenLibs, message) => {
    const script: LuaHealthScript = { source: WIDGET_KEY, script: `return { status = "Healthy", message = tostring(${expression}) }`, useOpenLibs };
    expect(runtime.run(script, object('widget-ready.yaml')).result).toEqual({ status: 'Healthy', message });
  });

  it('reads os.clock from the injected monotonic clock, in seconds since the runtime started', async () => {
    let now = 5_000;
    const clocked = await LuaHealthRuntime.create({ now: () => now });
    now += 2_500;
    const script: LuaHealthScript = { source: WIDGET_KEY, script: 'return { status = "Healthy", message = tostring(os.clock()) }', useOpenLibs: false };
    expect(clocked.run(script, {}).result?.message).toBe('2.5');
    clocked.close();
  });

  it('reads os.time from the real clock by default', async () => {
    const real = await LuaHealthRuntime.create();
    const before = Math.floor(Date.now() / 1000);
    const message = real.run({ source: CERT_KEY, script: 'return { status = "Healthy", message = tostring(os.time()) }', useOpenLibs: false }, {}).result?.message;
    real.close();
    expect(Number(message)).toBeGreaterThanOrEqual(before);
    expect(Number(message)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });
});
