// Custom health scripts from `argocd-cm`, read the way Argo CD reads them:
//   resource.customizations.health.<group>_<kind>       the script; core kinds are just <kind> (`…health.Pod`)
//   resource.customizations.useOpenLibs.<group>_<kind>  "true" adds the standard Lua libraries to that script
//   resource.customizations.health.all                  a script for every kind that has a group (`*/*`)
//   resource.customizations                             older YAML map: `<group>/<kind>: {health.lua, health.lua.useOpenLibs}`
// Split keys override the same group/kind in the YAML map, field by field.
//
// Wildcards. Both forms take gobwas-style globs (`*`, `?`, `[ab]`, `{a,b}`) in the group, the kind or
// both: `"*.crossplane.io/*"` in the YAML map, `resource.customizations.health.*.crossplane.io_*` as a
// split key (Argo CD turns `<group>_<kind>` into `<group>/<kind>` before matching; its docs only
// mention the YAML map because the API server refuses `*` in ConfigMap keys, but files read by the
// offline command may have them). A pattern matches `<group>/<kind>`, or just `<kind>` for the core
// group, as in Argo CD, so `*/*` matches no core kind and `*` matches everything; a pattern that
// starts with `/` (`_*` as a split key) matches core kinds only.
//
// Which script applies, when several match (Argo CD takes whichever wildcard its Go map yields
// first, which changes from run to run; kawa fixes an order, see compareSpecificity):
//   1. the exact `<group>/<kind>` key;
//   2. else the matching wildcard pattern with the most literal characters (wildcards and classes
//      do not count): `ec2.aws.crossplane.io/*` before `*.aws.crossplane.io/*` before `*.crossplane.io/*`;
//   3. on a tie, the one with fewer `*`; then the pattern text, in code-point order.
// The order never depends on how argocd-cm was written.
import { UserError, errorCodes } from '../../../errors.js';
import { groupOf } from '../meta.js';
import type { HealthCheck } from '../types.js';
import type { LuaHealthRuntime, LuaHealthScript } from './runtime.js';
import { parseYamlValue } from './yaml.js';
import { parseGoBool } from '../../../util/go-bool.js';

export const CUSTOMIZATIONS_KEY = 'resource.customizations';
const SPLIT_PREFIX = `${CUSTOMIZATIONS_KEY}.`;
const WILDCARD = /[*?[{]/;
/** Customization types other parts of kawa read; listed so they are not reported as unknown. */
const OTHER_TYPES = new Set(['actions', 'ignoreDifferences', 'ignoreResourceUpdates', 'knownTypeFields']);

export interface HealthCustomization extends LuaHealthScript {
  /** `cert-manager.io/Certificate`, `Pod` (core group), or a wildcard pattern such as `*.crossplane.io/*`. */
  readonly pattern: string;
}

export interface HealthCustomizations {
  /** Every configured script, exact patterns first, then wildcards from most to least specific. */
  readonly scripts: readonly HealthCustomization[];
  /** `<key>: <problem>` for each setting that could not be used; the rest still work. */
  readonly problems: readonly string[];
  /** The script for a group/kind (`''` is the core group), if any. */
  find(group: string, kind: string): HealthCustomization | undefined;
}

interface Override {
  health?: { script: string; source: string };
  useOpenLibs?: boolean;
}

/** The string Argo CD matches patterns against (`GetConfigMapKey`). */
export function configMapKey(group: string, kind: string): string {
  return group === '' ? kind : `${group}/${kind}`;
}

/**
 * `/Pod` (what `_Pod` and `"/Pod"` spell) means the core group, which Argo CD keys as `Pod`. A
 * wildcard keeps its `/` so that it matches core kinds only (see CORE_ONLY).
 */
function normalizePattern(pattern: string): string {
  return pattern.startsWith('/') && !WILDCARD.test(pattern) ? pattern.slice(1) : pattern;
}

/** `<group>_<kind>` (or `<kind>`, or `all`) as a pattern, like Argo CD's convertToOverrideKey. */
function splitKeyPattern(groupKind: string): string | undefined {
  if (groupKind === 'all') return '*/*';
  const parts = groupKind.split('_');
  if (parts.length === 2) return normalizePattern(`${parts[0] ?? ''}/${parts[1] ?? ''}`);
  if (parts.length === 1 && groupKind !== '') return groupKind;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function overrideFor(overrides: Map<string, Override>, pattern: string): Override {
  let override = overrides.get(pattern);
  if (override === undefined) {
    override = {};
    overrides.set(pattern, override);
  }
  return override;
}

function readYamlMap(text: string, overrides: Map<string, Override>, problems: string[]): void {
  const parsed = parseYamlValue(text);
  if ('error' in parsed) {
    problems.push(`${CUSTOMIZATIONS_KEY}: line ${parsed.line}: ${parsed.error}`);
    return;
  }
  if (parsed.value === null || parsed.value === undefined) return;
  if (!isRecord(parsed.value)) {
    problems.push(`${CUSTOMIZATIONS_KEY}: must be a map of <group>/<kind> to customizations`);
    return;
  }
  for (const [groupKind, entry] of Object.entries(parsed.value)) {
    const where = `${CUSTOMIZATIONS_KEY}[${groupKind}]`;
    if (entry === null) continue;
    if (!isRecord(entry)) {
      problems.push(`${where}: must be a map (health.lua, health.lua.useOpenLibs, …)`);
      continue;
    }
    const pattern = normalizePattern(groupKind);
    const script = entry['health.lua'];
    if (typeof script === 'string' && script.trim() !== '') {
      overrideFor(overrides, pattern).health = { script, source: `${where}.health.lua` };
    } else if (script !== undefined && script !== null && typeof script !== 'string') {
      problems.push(`${where}.health.lua: must be a string (a Lua script)`);
    }
    const open = entry['health.lua.useOpenLibs'];
    if (open === undefined || open === null) continue;
    const value = typeof open === 'boolean' ? open : typeof open === 'string' ? parseGoBool(open.trim()) : undefined;
    if (value === undefined) problems.push(`${where}.health.lua.useOpenLibs: must be true or false`);
    else overrideFor(overrides, pattern).useOpenLibs = value;
  }
}

function readSplitKey(key: string, value: string, overrides: Map<string, Override>, problems: string[]): void {
  const rest = key.slice(SPLIT_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) return; // `resource.customizations.<type>` alone is not a customization (Argo CD skips it too).
  const type = rest.slice(0, dot);
  if (OTHER_TYPES.has(type)) return;
  if (type !== 'health' && type !== 'useOpenLibs') {
    problems.push(`${key}: unknown customization type "${type}"`);
    return;
  }
  const pattern = splitKeyPattern(rest.slice(dot + 1));
  if (pattern === undefined) {
    problems.push(`${key}: the key must end in <group>_<kind>, or <kind> for the core group`);
    return;
  }
  if (type === 'health') {
    if (value.trim() !== '') overrideFor(overrides, pattern).health = { script: value, source: key };
    return;
  }
  const open = parseGoBool(value.trim());
  if (open === undefined) problems.push(`${key}: must be "true" or "false", not ${JSON.stringify(value)}`);
  else overrideFor(overrides, pattern).useOpenLibs = open;
}


/** A gobwas-style glob (what Argo CD uses) as a RegExp: `*`, `?`, `[abc]`, `[!abc]`, `{a,b}`, `\x`. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  let inAlternation = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) {
      i++;
      out += escapeRegExp(pattern.charAt(i));
    } else if (c === '*') {
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '{' && !inAlternation) {
      inAlternation = true;
      out += '(?:';
    } else if (c === '}' && inAlternation) {
      inAlternation = false;
      out += ')';
    } else if (c === ',' && inAlternation) {
      out += '|';
    } else {
      out += escapeRegExp(c);
    }
  }
  if (inAlternation) out += ')';
  return new RegExp(`^${out}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Most specific first: more literal characters (escaped ones count, `*`, `?`, `[…]` and `{…}` do
 * not), then fewer `*`, then the pattern text; a total order, so the choice never depends on key order.
 */
function compareSpecificity(a: string, b: string): number {
  const literal = (p: string) => p.replace(/\\.|[*?]|\[[^\]]*\]|\{[^}]*\}/g, '').length;
  const stars = (p: string) => p.split('*').length - 1;
  return literal(b) - literal(a) || stars(a) - stars(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Reads the health customizations out of `argocd-cm`'s data (other keys are ignored). */
export function parseHealthCustomizations(data: Readonly<Record<string, string | undefined>>): HealthCustomizations {
  const overrides = new Map<string, Override>();
  const problems: string[] = [];
  const yamlText = data[CUSTOMIZATIONS_KEY];
  if (yamlText !== undefined && yamlText.trim() !== '') readYamlMap(yamlText, overrides, problems);
  // Sorted so problems and overrides come out the same whatever order the map was written in.
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    if (key.startsWith(SPLIT_PREFIX) && value !== undefined) readSplitKey(key, value, overrides, problems);
  }

  const exact = new Map<string, HealthCustomization>();
  // coreOnly: a `/…` wildcard, tested against `/<kind>` of core kinds only.
  const wildcards: { customization: HealthCustomization; regex: RegExp; coreOnly: boolean }[] = [];
  for (const [pattern, override] of overrides) {
    if (override.health === undefined) continue;
    const customization: HealthCustomization = {
      pattern,
      source: override.health.source,
      script: override.health.script,
      useOpenLibs: override.useOpenLibs ?? false,
    };
    if (WILDCARD.test(pattern)) wildcards.push({ customization, regex: globToRegExp(pattern), coreOnly: pattern.startsWith('/') });
    else exact.set(pattern, customization);
  }
  wildcards.sort((a, b) => compareSpecificity(a.customization.pattern, b.customization.pattern));

  const found = new Map<string, HealthCustomization | null>();
  return {
    scripts: [...[...exact.values()].sort((a, b) => (a.pattern < b.pattern ? -1 : 1)), ...wildcards.map((w) => w.customization)],
    problems,
    find(group: string, kind: string): HealthCustomization | undefined {
      const key = configMapKey(group, kind);
      let hit = found.get(key);
      if (hit === undefined) {
        const matches = (w: (typeof wildcards)[number]) => (w.coreOnly ? group === '' && w.regex.test(`/${kind}`) : w.regex.test(key));
        hit = exact.get(key) ?? wildcards.find(matches)?.customization ?? null;
        found.set(key, hit);
      }
      return hit ?? undefined;
    },
  };
}

/** Throws one error listing every problem, for callers that must not run on a half-read config. */
export function assertNoProblems(customizations: HealthCustomizations, where: string): void {
  if (customizations.problems.length === 0) return;
  throw new UserError(errorCodes.SETTINGS_INVALID, `${where}: ${customizations.problems.join('; ')}`);
}

export interface LuaHealthCheckOptions {
  /** Called with what a script printed (when the runtime captures output). */
  readonly onOutput?: (script: HealthCustomization, output: string) => void;
}

/** The `custom` check for `assessHealth`: runs the matching script, or says nothing when none matches. */
export function luaHealthCheck(
  customizations: HealthCustomizations,
  runtime: LuaHealthRuntime,
  options: LuaHealthCheckOptions = {},
): HealthCheck {
  return (obj) => {
    const script = customizations.find(groupOf(obj.apiVersion), obj.kind);
    if (script === undefined) return undefined;
    const outcome = runtime.run(script, obj);
    if (outcome.output !== undefined) options.onOutput?.(script, outcome.output);
    return outcome.result;
  };
}
