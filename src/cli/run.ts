// Runs user commands in-process with captured output and the exit code the binary would give: for
// tests and for embedding (e.g. `kawa up` printing what `kawa app get` would).
import { Command } from 'commander';
import { registerUserCommands } from './commands/index.js';
import { reportCliError } from './services/errors.js';
import { setIo } from './services/io.js';
import { closeSessions } from './services/session.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Sees stderr as it is written (e.g. the URL `kawa login --sso` prints, while it waits). */
  onStderr?: (text: string) => void;
}

/** `kawa ARGS` with `env` as the environment the commands see (KAWA_CONFIG, NO_COLOR …). Not re-entrant. */
export async function runCli(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}, options: CliRunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const restore = setIo({
    out: (t) => (stdout += t),
    err: (t) => {
      stderr += t;
      options.onStderr?.(t);
    },
    stdoutTty: false,
    stderrTty: false,
    stdinTty: false,
    env,
  });
  // Before the commands exist: commander copies the output settings into each command at creation.
  const program = new Command('kawa').configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerUserCommands(program);
  let code = 0;
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (err) {
    code = reportCliError(err, { err: (t) => (stderr += t), stderrTty: false, env });
  } finally {
    await closeSessions();
    restore();
  }
  return { code, stdout, stderr };
}
