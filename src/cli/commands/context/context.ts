// `kawa context [NAME]`: list the contexts, switch to one, or delete one.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { configPath, deleteContext, readConfig, updateConfig } from '../../services/config.js';
import { io } from '../../services/io.js';
import { kawaCommand } from '../../services/kawa-command.js';
import { formatTable } from '../../services/table.js';
import { examples, note, out } from '../common.js';

export function registerContext(program: Command): void {
  const command = program
    .command('context')
    .alias('ctx')
    .description('list contexts, switch to one, or delete one')
    .argument('[name]', 'the context to switch to (or delete with --delete); "-" switches back to the previous one')
    .option('--delete', 'delete the context')
    .action(async (name: string | undefined, flags: { delete?: boolean }) => {
      const file = configPath(io().env);
      const config = await readConfig(file);
      if (name === undefined) {
        if (flags.delete === true) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--delete needs the context name: ${kawaCommand('context NAME --delete')}`);
        out(formatTable(['CURRENT', 'NAME', 'SERVER'], config.contexts.map((c) => [c.name === config.currentContext ? '*' : '', c.name, c.server])));
        return;
      }
      if (!config.contexts.some((c) => c.name === name)) {
        throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `no context named "${name}": run \`${kawaCommand('context')}\` to list them, or \`${kawaCommand(['login', 'SERVER', '--name', name])}\``);
      }
      if (flags.delete === true) {
        await updateConfig(file, (c) => {
          deleteContext(c, name);
        });
        note(`Context '${name}' deleted\n`);
        return;
      }
      await updateConfig(file, (c) => {
        c.currentContext = name;
      });
      note(`Switched to context '${name}'\n`);
    });
  examples(command, 'kawa context                 # list', 'kawa context staging         # switch', 'kawa context staging --delete');
}
