// `kawa app resources NAME`: the resources an application manages.
import type { Command } from 'commander';
import { resourcesTable } from '../../services/app-format.js';
import { examples, getApp, outputOption, printOne, sessionOf, SHOW_FORMATS } from '../common.js';

export function registerAppResources(app: Command): void {
  const command = app
    .command('resources')
    .description('list the resources of an application')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .addOption(outputOption(SHOW_FORMATS))
    .action(async (qualified: string, flags: { output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const application = await getApp(s, qualified);
      printOne(flags.output, application.status?.resources ?? [], () => resourcesTable(application));
    });
  examples(command, 'kawa app resources guestbook');
}
