// `kawa app history NAME`: the deployments, for `app rollback`.
import type { Command } from 'commander';
import { historyTable } from '../../services/app-format.js';
import { examples, getApp, outputOption, printOne, sessionOf, SHOW_FORMATS } from '../common.js';

export function registerAppHistory(app: Command): void {
  const command = app
    .command('history')
    .description('show the deployment history of an application')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .addOption(outputOption(SHOW_FORMATS))
    .action(async (qualified: string, flags: { output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const application = await getApp(s, qualified);
      printOne(flags.output, application.status?.history ?? [], () => historyTable(application));
    });
  examples(command, 'kawa app history guestbook', 'kawa app history guestbook -o json');
}
