// `kawa app terminate-op NAME`: stops the running operation.
import type { Command } from 'commander';
import { seg } from '../../services/api.js';
import { splitAppName } from '../../services/app-spec.js';
import { examples, note, sessionOf } from '../common.js';

export function registerAppTerminateOp(app: Command): void {
  const command = app
    .command('terminate-op')
    .description('terminate the running operation of an application')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .action(async (qualified: string, _flags: unknown, cmd: Command) => {
      const s = await sessionOf(cmd);
      const { name, appNamespace } = splitAppName(qualified);
      await s.client.call('DELETE', `/api/v1/applications/${seg(name)}/operation`, { query: { appNamespace } });
      note(`Application '${qualified}' operation terminating\n`);
    });
  examples(command, 'kawa app terminate-op guestbook');
}
