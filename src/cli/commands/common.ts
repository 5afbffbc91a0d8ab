// Helpers every command file uses: parent commands, examples in --help, global flags, the API session.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Application } from '../../model/index.js';
import { applicationsApi, type AppId } from '../services/api/applications.js';
import { splitAppName } from '../services/app-spec.js';
import { io } from '../services/io.js';
import { withKawaPrefix } from '../services/kawa-command.js';
import { openSession, type GlobalFlags, type Session } from '../services/session.js';
import { OUTPUT_FORMATS, outputFormat, structured, type OutputFormat } from '../services/table.js';

/** The child command `name` of `parent`, created on first use so several files can add to it. */
export function group(parent: Command, name: string, description: string): Command {
  return parent.commands.find((c) => c.name() === name) ?? parent.command(name).description(description);
}

/** Adds `Examples:` to the command's --help, written the way kawa runs here (`npx kawa …` when not on PATH). */
export function examples(command: Command, ...lines: string[]): Command {
  // A function: the form is decided when help is shown, not for every command at start-up.
  return command.addHelpText('after', () => `\nExamples:\n${lines.map((l) => `  ${withKawaPrefix(l)}`).join('\n')}\n`);
}

export function globalsOf(command: Command): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}

export function sessionOf(command: Command): Promise<Session> {
  return openSession(globalsOf(command), io().env);
}

/** Repeatable flag: `--x a --x b` → ['a', 'b']. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `-o, --output` limited to some formats. */
export function outputOption(allowed: readonly OutputFormat[], description = 'output format'): Option {
  return new Option('-o, --output <format>', `${description}: ${allowed.join('|')}`).choices(allowed.filter((f) => (OUTPUT_FORMATS as readonly string[]).includes(f)));
}

export { outputFormat };

/** The formats of a list command. */
export const LIST_FORMATS: readonly OutputFormat[] = ['json', 'yaml', 'wide', 'name'];
/** The formats of a command that shows one object. */
export const SHOW_FORMATS: readonly OutputFormat[] = ['json', 'yaml', 'wide'];

/** Prints a list as `-o` asks: JSON or YAML, one name a line, or else the table. */
export function printList<T>(output: string | undefined, items: readonly T[], nameOf: (item: T) => string, table: (items: readonly T[]) => string, allowed = LIST_FORMATS): void {
  const format = outputFormat(output, allowed);
  const data = structured(format, items);
  if (data !== undefined) out(data);
  else if (format === 'name') out(items.map((item) => `${nameOf(item)}\n`).join(''));
  else out(table(items));
}

/** Prints one object as `-o` asks: JSON or YAML of `value`, or else the text view. */
export function printOne(output: string | undefined, value: unknown, text: () => string, allowed = SHOW_FORMATS): void {
  out(structured(outputFormat(output, allowed), value) ?? text());
}

/** Opens the session once, then runs `each` for every `NAME` or `APP-NAMESPACE/NAME` in turn. */
export async function forEachApp(cmd: Command, names: readonly string[], each: (s: Session, id: AppId, qualified: string) => Promise<void>): Promise<void> {
  const s = await sessionOf(cmd);
  for (const qualified of names) await each(s, splitAppName(qualified), qualified);
}

/** GET one application (`NAME` or `NAMESPACE/NAME`). */
export async function getApp(s: Session, qualified: string, query: Record<string, string | undefined> = {}): Promise<Application> {
  return applicationsApi(s.client).get(splitAppName(qualified), query);
}

/** Writes to stdout. */
export const out = (text: string): void => {
  io().out(text);
};
/** Writes progress and notes to stderr. */
export const note = (text: string): void => {
  io().err(text);
};

/** Parses `--timeout` seconds (0 = none). */
export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number of seconds (0: no limit)');
  return n;
}
