// `kawa account delete-token ID`: revokes an API token.
import type { Command } from 'commander';
import { seg } from '../../services/api.js';
import { examples, note, sessionOf } from '../common.js';

export function registerAccountDeleteToken(account: Command): void {
  const command = account
    .command('delete-token')
    .description('delete (revoke) an API token of an account')
    .argument('<id>', 'the token id (see `kawa account get --account NAME`)')
    .option('-a, --account <name>', 'the account (default: the logged-in one)')
    .action(async (id: string, flags: { account?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const name = flags.account ?? (await s.client.call<{ username?: string }>('GET', '/api/v1/session/userinfo')).username ?? '';
      await s.client.call('DELETE', `/api/v1/account/${seg(name)}/token/${seg(id)}`);
      note(`Token '${id}' of account '${name}' deleted\n`);
    });
  examples(command, 'kawa account delete-token --account ci 4f8e…');
}
