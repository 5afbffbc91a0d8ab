// The read and remove verbs several resources share (`list`, `get`, `rm` of clusters, repositories and
// credential templates; the `get`-like views of projects and apps): the same flags and the same printing,
// so only the API call and the table differ from one resource to the next.
import type { Command } from 'commander';
import type { Session } from '../services/session.js';
import { LIST_FORMATS, note, outputOption, printList, printOne, sessionOf, SHOW_FORMATS } from './common.js';

type Argument = readonly [name: string, description?: string];

export interface ListVerb<T, F> {
  description: string;
  /** Flags besides `-o`. */
  options?: (command: Command) => Command;
  list: (s: Session, flags: F) => Promise<readonly T[]>;
  /** What `-o name` prints of an item. */
  nameOf: (item: T) => string;
  table: (items: readonly T[]) => string;
}

/** `list` (alias `ls`): every item, as `-o` asks. */
export function listVerb<T, F extends { output?: string }>(parent: Command, verb: ListVerb<T, F>): Command {
  const command = parent.command('list').alias('ls').description(verb.description).addOption(outputOption(LIST_FORMATS));
  return (verb.options?.(command) ?? command).action(async (flags: F, cmd: Command) => {
    printList(flags.output, await verb.list(await sessionOf(cmd), flags), verb.nameOf, verb.table);
  });
}

export interface ShowVerb<T> {
  description: string;
  argument: Argument;
  fetch: (s: Session, key: string) => Promise<T>;
  /** What `-o json|yaml` prints (default: the object fetched). */
  data?: (item: T) => unknown;
  text: (item: T) => string;
}

/** A verb that shows one object (`get`, or a view of one like `app history`), as `-o` asks. */
export function showVerb<T>(parent: Command, name: string, verb: ShowVerb<T>): Command {
  return parent
    .command(name)
    .description(verb.description)
    .argument(...verb.argument)
    .addOption(outputOption(SHOW_FORMATS))
    .action(async (key: string, flags: { output?: string }, cmd: Command) => {
      const item = await verb.fetch(await sessionOf(cmd), key);
      printOne(flags.output, verb.data === undefined ? item : verb.data(item), () => verb.text(item));
    });
}

export interface RemoveVerb<F> {
  description: string;
  argument: Argument;
  /** Flags of the verb. */
  options?: (command: Command) => Command;
  /** Refuses a key before it is removed (throws). */
  check?: (key: string, flags: F) => void;
  remover: (s: Session) => (key: string) => Promise<unknown>;
  /** The note after each removal. */
  removed: (key: string) => string;
}

/** `rm` (alias `delete`): each key in turn, a note after each. */
export function removeVerb<F>(parent: Command, verb: RemoveVerb<F>): Command {
  const command = parent.command('rm').alias('delete').description(verb.description).argument(...verb.argument);
  return (verb.options?.(command) ?? command).action(async (keys: string[], flags: F, cmd: Command) => {
    const remove = verb.remover(await sessionOf(cmd));
    for (const key of keys) {
      verb.check?.(key, flags);
      await remove(key);
      note(verb.removed(key));
    }
  });
}
