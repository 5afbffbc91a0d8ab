// Printers: argocd-style tables (tabwriter, two spaces of padding), JSON, YAML and `name` output.
import { stringify } from 'yaml';
import { UserError, errorCodes } from '../../errors.js';

export const OUTPUT_FORMATS = ['json', 'yaml', 'wide', 'name', 'tree'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Escape codes are invisible: they must not count towards a column's width. */
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string): number => text.replace(ANSI, '').length;

/**
 * Rows under headers, each column as wide as its widest cell plus two spaces (Go's tabwriter with
 * padding 2, as argocd prints); the last column is not padded. Cells are single-line.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows].map((row) => row.map((cell) => cell.replace(/\r?\n/g, ' ')));
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell) + 2)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `Key:               value` lines (argocd's `%-20s%s`). */
export function formatKeyValues(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(20)}${v}`.trimEnd() + '\n').join('');
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/** Objects as a YAML stream (`---` between documents). */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}

/** Checks an `-o` value against the formats a command supports. */
export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[]): OutputFormat | undefined {
  if (value === undefined || value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `unknown output format "${value}": use one of ${allowed.join(', ')}`);
}

/** `json`/`yaml` of a value, or undefined for the table formats. */
export function structured(format: OutputFormat | undefined, value: unknown): string | undefined {
  if (format === 'json') return toJson(value);
  if (format === 'yaml') return toYaml(value);
  return undefined;
}

/** Anything missing as argocd shows it. */
export const orNone = (value: string | undefined): string => (value === undefined || value === '' ? '<none>' : value);
