// `kawa account get`: one account, its capabilities and API tokens.
import type { Command } from 'commander';
import { seg } from '../../services/api.js';
import { formatKeyValues, formatTable, structured } from '../../services/table.js';
import { examples, out, outputFormat, outputOption, sessionOf } from '../common.js';
import type { AccountInfo } from './list.js';

const when = (t: string | number | undefined): string => (t === undefined || t === 0 || t === '' ? 'never' : typeof t === 'number' ? new Date(t * 1000).toISOString() : t);

export function registerAccountGet(account: Command): void {
  const command = account
    .command('get')
    .description('show an account and its API tokens')
    .option('-a, --account <name>', 'the account (default: the logged-in one)')
    .addOption(outputOption(['json', 'yaml', 'wide']))
    .action(async (flags: { account?: string; output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const name = flags.account ?? (await s.client.call<{ username?: string }>('GET', '/api/v1/session/userinfo')).username ?? '';
      const info = await s.client.call<AccountInfo>('GET', `/api/v1/account/${seg(name)}`);
      const data = structured(outputFormat(flags.output, ['json', 'yaml', 'wide']), info);
      if (data !== undefined) {
        out(data);
        return;
      }
      out(formatKeyValues([
        ['Name', info.name],
        ['Enabled', String(info.enabled ?? false)],
        ['Capabilities', (info.capabilities ?? []).join(', ')],
      ]));
      const tokens = info.tokens ?? [];
      out(tokens.length === 0 ? '\nTokens:             NONE\n' : `\n${formatTable(['ID', 'ISSUED AT', 'EXPIRING AT'], tokens.map((t) => [t.id ?? '', when(t.issuedAt), when(t.expiresAt)]))}`);
    });
  examples(command, 'kawa account get', 'kawa account get --account ci');
}
