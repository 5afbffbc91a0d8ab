// `kawa render` alone, with main.ts's error handling, so the test runs the command as a real process
// without depending on how main.ts registers commands.
import { Command } from 'commander';
import { isKawaError, messageOf } from '../../../../errors.js';
import { registerRender } from '../render.js';

const program = new Command('kawa');
registerRender(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`error: ${messageOf(err)}\n`);
  if (isKawaError(err)) process.stderr.write(`(${err.code})\n`);
  process.exitCode = 1;
}
