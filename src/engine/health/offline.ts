// Health of objects in local files, without a cluster: what `kawa admin settings resource-overrides health`
// prints, so users can try their Lua health scripts (from a local argocd-cm) against saved objects.
// Built-in checks and the conditions fallback apply exactly as in the controller.
import { readFile } from 'node:fs/promises';
import { UserError, errorCodes, messageOf } from '../../errors.js';
import { asFields } from './fields.js';
import { assessHealth, builtinHealthCheck } from './index.js';
import { assertNoProblems, parseHealthCustomizations } from './lua/customizations.js';
import type { HealthCustomization, HealthCustomizations } from './lua/customizations.js';
import { LuaHealthRuntime } from './lua/runtime.js';
import type { LuaRuntimeOptions } from './lua/runtime.js';
import { parseYamlStream } from './lua/yaml.js';
import type { YamlDocument } from './lua/yaml.js';
import { ANNOTATION_IGNORE_HEALTHCHECK, groupOf, hasHookFinalizer, isAnnotationTrue } from './meta.js';
import { checkKubeObject } from './object.js';
import type { HealthCheck, HealthStatus, KubeObject } from './types.js';

/** Which rule decided: a Lua script, a built-in check, the `status.conditions` fallback, or none. */
export type HealthCheckKind = 'lua' | 'built-in' | 'conditions' | 'deletion' | 'ignored' | 'none';

export interface OfflineHealthRow {
  readonly file: string;
  /** 1-based document in the file (empty documents counted). */
  readonly document: number;
  readonly line: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  /** `null` when nothing judges the object (it then counts as Healthy in its app). */
  readonly status: HealthStatus | null;
  readonly message: string | null;
  readonly check: HealthCheckKind;
  /** The customization that ran, when `check` is `lua`. */
  readonly script?: string;
  /** What the Lua script printed. */
  readonly output?: string;
}

export interface OfflineHealthReport {
  readonly rows: readonly OfflineHealthRow[];
  /** `<file>:<line>: <problem>` for each input that could not be read or understood. */
  readonly errors: readonly string[];
}

export interface OfflineHealthOptions {
  /** A local `argocd-cm` ConfigMap with `resource.customizations*` keys. */
  readonly argocdCmPath?: string;
  readonly runtimeOptions?: LuaRuntimeOptions;
}

interface FoundObject {
  readonly object: KubeObject;
  readonly document: number;
  readonly line: number;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** kubectl expands `List` (and `<Kind>List` with items) into its items. */
function isList(fields: Readonly<Record<string, unknown>>): boolean {
  return typeof fields.kind === 'string' && fields.kind.endsWith('List') && Array.isArray(fields.items);
}

function collect(
  value: unknown,
  doc: YamlDocument,
  path: readonly (string | number)[],
  where: string,
  out: FoundObject[],
  errors: string[],
): void {
  const line = doc.lineOf(path);
  const at = `${where}:${line}`;
  const fields = asFields(value);
  if (fields === undefined) {
    errors.push(`${at}: not a Kubernetes object (found ${describeType(value)})`);
    return;
  }
  if (isList(fields)) {
    const items = fields.items as readonly unknown[];
    items.forEach((item, i) => {
      collect(item, doc, [...path, 'items', i], where, out, errors);
    });
    return;
  }
  for (const key of ['apiVersion', 'kind'] as const) {
    if (typeof fields[key] !== 'string' || fields[key] === '') {
      errors.push(`${at}: not a Kubernetes object (${fields[key] === undefined ? 'missing' : 'invalid'} ${key})`);
      return;
    }
  }
  // No metadata is fine for judging health; kubectl would complain about the name only when applying.
  const { object, problems } = checkKubeObject(fields.metadata === undefined || fields.metadata === null ? { ...fields, metadata: {} } : fields);
  if (object === undefined) {
    errors.push(`${at}: ${problems.join('; ')}`);
    return;
  }
  out.push({ object, document: doc.document, line });
}

/** The Kubernetes objects in one file's text: multi-document YAML, JSON, `List`s expanded. */
export function objectsInText(text: string, file: string): { objects: FoundObject[]; errors: string[] } {
  const objects: FoundObject[] = [];
  const errors: string[] = [];
  const stream = parseYamlStream(text);
  for (const doc of stream.documents) {
    if (doc.value === null || doc.value === undefined) continue; // `---` with nothing after it, or only comments
    collect(doc.value, doc, [], file, objects, errors);
  }
  if (stream.problem !== undefined) errors.push(`${file}:${stream.problem.line}: ${stream.problem.error}`);
  return { objects, errors };
}

function stringData(data: Readonly<Record<string, unknown>>, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === null) continue;
    // A ConfigMap holds strings; an unquoted `true` (as Argo CD's docs write useOpenLibs) is read as one.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else throw new UserError(errorCodes.SETTINGS_INVALID, `${path}: data.${key}: must be a string, not ${describeType(value)}`);
  }
  return out;
}

/** The health customizations in a local argocd-cm file; any problem is an error naming the key. */
export async function loadCustomizationsFile(path: string): Promise<HealthCustomizations> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(errorCodes.HEALTH_INPUT_INVALID, `cannot read ${path}: ${messageOf(err)}`, { cause: err });
  }
  const stream = parseYamlStream(text);
  if (stream.problem !== undefined) {
    throw new UserError(errorCodes.HEALTH_INPUT_INVALID, `${path}:${stream.problem.line}: ${stream.problem.error}`);
  }
  const doc = stream.documents.find((d) => d.value !== null && d.value !== undefined);
  const cm = asFields(doc?.value);
  // Like Argo CD, a bare `data:` map is enough; another kind of object is a mistake worth saying.
  if (cm === undefined || (cm.kind !== undefined && cm.kind !== 'ConfigMap')) {
    throw new UserError(errorCodes.HEALTH_INPUT_INVALID, `${path}: expected a ConfigMap (argocd-cm)`);
  }
  const data = cm.data === undefined || cm.data === null ? {} : asFields(cm.data);
  if (data === undefined) throw new UserError(errorCodes.SETTINGS_INVALID, `${path}: data must be a map`);
  const customizations = parseHealthCustomizations(stringData(data, path));
  assertNoProblems(customizations, path);
  return customizations;
}

function judge(object: KubeObject, customizations: HealthCustomizations | undefined, runtime: LuaHealthRuntime | undefined) {
  let ran: { script: HealthCustomization; output?: string; answered: boolean } | undefined;
  const custom: HealthCheck | undefined =
    customizations === undefined || runtime === undefined
      ? undefined
      : (obj) => {
          const script = customizations.find(groupOf(obj.apiVersion), obj.kind);
          if (script === undefined) return undefined;
          const outcome = runtime.run(script, obj);
          ran = { script, answered: outcome.result !== undefined, ...(outcome.output === undefined ? {} : { output: outcome.output }) };
          return outcome.result;
        };
  const result = assessHealth(object, custom === undefined ? {} : { custom });
  let check: HealthCheckKind;
  if (isAnnotationTrue(object, ANNOTATION_IGNORE_HEALTHCHECK)) check = 'ignored';
  else if (object.metadata.deletionTimestamp !== undefined && !hasHookFinalizer(object)) check = 'deletion';
  else if (ran?.answered === true) check = 'lua';
  else if (builtinHealthCheck(groupOf(object.apiVersion), object.kind) !== undefined) check = 'built-in';
  else check = result === undefined ? 'none' : 'conditions';
  return { result, check, ran };
}

/** Reads every file and judges every object in it. Files that fail are reported; the others still count. */
export async function assessHealthFiles(files: readonly string[], options: OfflineHealthOptions = {}): Promise<OfflineHealthReport> {
  const customizations = options.argocdCmPath === undefined ? undefined : await loadCustomizationsFile(options.argocdCmPath);
  // The WebAssembly module loads only when there is a script to run.
  const runtime =
    customizations !== undefined && customizations.scripts.length > 0
      ? await LuaHealthRuntime.create({ captureOutput: true, ...options.runtimeOptions })
      : undefined;
  const rows: OfflineHealthRow[] = [];
  const errors: string[] = [];
  try {
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        errors.push(`${file}: cannot read: ${messageOf(err)}`);
        continue;
      }
      const found = objectsInText(text, file);
      errors.push(...found.errors);
      for (const { object, document, line } of found.objects) {
        const { result, check, ran } = judge(object, customizations, runtime);
        const { name, namespace } = object.metadata;
        rows.push({
          file,
          document,
          line,
          apiVersion: object.apiVersion,
          kind: object.kind,
          ...(namespace === undefined ? {} : { namespace }),
          ...(name === undefined ? {} : { name }),
          status: result?.status ?? null,
          message: result?.message ?? null,
          check,
          ...(check === 'lua' && ran !== undefined ? { script: ran.script.source } : {}),
          ...(ran?.output === undefined ? {} : { output: ran.output }),
        });
      }
    }
  } finally {
    runtime?.close();
  }
  return { rows, errors };
}

function explain(row: OfflineHealthRow): string {
  if (row.message !== null) return row.message;
  if (row.check === 'ignored') return 'health check ignored (argocd.argoproj.io/ignore-healthcheck)';
  if (row.check === 'none') return 'no health check for this kind (counts as Healthy)';
  return '';
}

/** Columns padded like `argocd`'s tables (two spaces between columns, the last one unpadded). */
function table(header: readonly string[], lines: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [header, ...lines].map(render).join('\n') + '\n';
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

/** `FILE  RESOURCE  STATUS  MESSAGE`; wide adds the line, group, namespace and which check decided. */
export function formatHealthTable(rows: readonly OfflineHealthRow[], wide = false): string {
  if (wide) {
    return table(
      ['FILE', 'LINE', 'GROUP', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'CHECK', 'MESSAGE'],
      rows.map((r) => [
        r.file,
        String(r.line),
        groupOf(r.apiVersion),
        r.kind,
        r.namespace ?? '',
        r.name ?? '',
        r.status ?? '-',
        r.script ?? r.check,
        oneLine(explain(r)),
      ]),
    );
  }
  return table(
    ['FILE', 'RESOURCE', 'STATUS', 'MESSAGE'],
    rows.map((r) => [r.file, r.name === undefined ? r.kind : `${r.kind}/${r.name}`, r.status ?? '-', oneLine(explain(r))]),
  );
}

export function formatHealthJson(rows: readonly OfflineHealthRow[]): string {
  return JSON.stringify(rows, null, 2) + '\n';
}
