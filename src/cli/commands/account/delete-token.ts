// `kawa account delete-token ID`: revokes an API token.
import type { Command } from 'commander';
import { accountsApi } from '../../services/api/accounts.js';
import { examples, note, sessionOf } from '../common.js';
import { accountOrSelf } from './self.js';

export function registerAccountDeleteToken(account: Command): void {
  const command = account
    .command('delete-token')
    .description('delete (revoke) an API token of an account')
    .argument('<id>', 'the token id (see `kawa account get --account NAME`)')
    .option('-a, --account <name>', 'the account (default: the logged-in one)')
    .action(async (id: string, flags: { account?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const name = await accountOrSelf(s.client, flags.account);
      await accountsApi(s.client).deleteToken(name, id);
      note(`Token '${id}' of account '${name}' deleted\n`);
    });
  examples(command, 'kawa account delete-token --account ci 4f8e…');
}
