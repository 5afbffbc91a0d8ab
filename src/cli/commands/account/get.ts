// `kawa account get`: one account, its capabilities and API tokens.
import type { Command } from 'commander';
import { accountsApi, type AccountInfo } from '../../services/api/accounts.js';
import { formatKeyValues, formatTable } from '../../services/table.js';
import { examples, outputOption, printOne, sessionOf, SHOW_FORMATS } from '../common.js';
import { accountOrSelf } from './self.js';

const when = (t: string | number | undefined): string => (t === undefined || t === 0 || t === '' ? 'never' : typeof t === 'number' ? new Date(t * 1000).toISOString() : t);

function accountDetails(info: AccountInfo): string {
  const tokens = info.tokens ?? [];
  return (
    formatKeyValues([
      ['Name', info.name],
      ['Enabled', String(info.enabled ?? false)],
      ['Capabilities', (info.capabilities ?? []).join(', ')],
    ]) + (tokens.length === 0 ? '\nTokens:             NONE\n' : `\n${formatTable(['ID', 'ISSUED AT', 'EXPIRING AT'], tokens.map((t) => [t.id ?? '', when(t.issuedAt), when(t.expiresAt)]))}`)
  );
}

export function registerAccountGet(account: Command): void {
  const command = account
    .command('get')
    .description('show an account and its API tokens')
    .option('-a, --account <name>', 'the account (default: the logged-in one)')
    .addOption(outputOption(SHOW_FORMATS))
    .action(async (flags: { account?: string; output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const info = await accountsApi(s.client).get(await accountOrSelf(s.client, flags.account));
      printOne(flags.output, info, () => accountDetails(info));
    });
  examples(command, 'kawa account get', 'kawa account get --account ci');
}
