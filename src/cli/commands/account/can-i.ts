// `kawa account can-i ACTION RESOURCE OBJECT`: yes or no, from the server's RBAC.
import type { Command } from 'commander';
import { accountsApi } from '../../services/api/accounts.js';
import { examples, out, sessionOf } from '../common.js';

export function registerAccountCanI(account: Command): void {
  const command = account
    .command('can-i')
    .description('check whether the logged-in user may do ACTION on RESOURCE OBJECT (prints yes or no)')
    .argument('<action>', 'get, create, update, delete, sync, override, action/…')
    .argument('<resource>', 'applications, projects, repositories, clusters, accounts, logs, exec …')
    .argument('[object]', 'PROJECT/APP for applications, the name otherwise (default *)', '*')
    .action(async (action: string, resource: string, object: string, _flags: unknown, cmd: Command) => {
      const answer = await accountsApi((await sessionOf(cmd)).client).canI(action, resource, object);
      out(`${answer.value ?? 'no'}\n`);
    });
  examples(command, 'kawa account can-i sync applications default/guestbook', "kawa account can-i update projects '*'", 'kawa account can-i create clusters');
}
