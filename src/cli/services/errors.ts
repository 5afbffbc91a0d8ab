// How the CLI ends: the exit codes it documents, and one place that prints an error and picks the code.
import { CommanderError } from 'commander';
import { isKawaError, messageOf } from '../../errors.js';
import type { Io } from './io.js';
import { painter, colorsEnabled } from './io.js';

/** Documented exit codes (shown in `kawa --help`). */
export const EXIT = {
  OK: 0,
  /** The command failed; the message says why and what to do. `app diff`: differences found. */
  FAILED: 1,
  /** Bad usage (unknown command or flag, missing argument); `app diff`: an error. */
  USAGE: 2,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  failure: the message says what went wrong and what to do next (app diff: differences found;
     app sync/wait/rollback: the operation failed or timed out)
  2  usage error: unknown command or flag, missing argument (app diff: any error)`;

/** Ends the command with an exit code, printing nothing more (e.g. `app diff` found differences). */
export class ExitSignal extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** An error that carries its own exit code (`app diff` errors exit 2). */
export class ExitWith extends Error {
  constructor(
    readonly exitCode: number,
    readonly error: unknown,
  ) {
    super(messageOf(error));
  }
}

/** Prints what went wrong (commander printed its own already) and answers the exit code. */
export function reportCliError(err: unknown, io: Pick<Io, 'err' | 'stderrTty' | 'env'>): number {
  if (err instanceof ExitSignal) return err.exitCode;
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
    return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  let exitCode: number = EXIT.FAILED;
  let error = err;
  if (err instanceof ExitWith) {
    exitCode = err.exitCode;
    error = err.error;
  }
  const paint = painter(colorsEnabled(io.stderrTty, io.env));
  const code = isKawaError(error) ? ` (${error.code})` : '';
  io.err(`${paint('red', 'error:')} ${messageOf(error)}${code}\n`);
  return exitCode;
}
