// `kawa app terminate-op NAME`: stops the running operation.
import type { Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { examples, note, sessionOf } from '../common.js';

export function registerAppTerminateOp(app: Command): void {
  const command = app
    .command('terminate-op')
    .description('terminate the running operation of an application')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .action(async (qualified: string, _flags: unknown, cmd: Command) => {
      await applicationsApi((await sessionOf(cmd)).client).terminateOperation(splitAppName(qualified));
      note(`Application '${qualified}' operation terminating\n`);
    });
  examples(command, 'kawa app terminate-op guestbook');
}
