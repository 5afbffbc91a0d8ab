// `kawa account list`: local accounts, whether enabled, their capabilities.
import type { Command } from 'commander';
import { formatTable, structured } from '../../services/table.js';
import { examples, out, outputFormat, outputOption, sessionOf } from '../common.js';

export interface AccountInfo {
  name: string;
  enabled?: boolean;
  capabilities?: string[];
  tokens?: { id?: string; issuedAt?: string | number; expiresAt?: string | number }[];
}

export function registerAccountList(account: Command): void {
  const command = account
    .command('list')
    .description('list accounts')
    .addOption(outputOption(['json', 'yaml', 'name']))
    .action(async (flags: { output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const { items = [] } = await s.client.call<{ items?: AccountInfo[] }>('GET', '/api/v1/account');
      const format = outputFormat(flags.output, ['json', 'yaml', 'name']);
      const data = structured(format, items);
      if (data !== undefined) out(data);
      else if (format === 'name') out(items.map((a) => `${a.name}\n`).join(''));
      else out(formatTable(['NAME', 'ENABLED', 'CAPABILITIES'], items.map((a) => [a.name, String(a.enabled ?? false), (a.capabilities ?? []).join(', ')])));
    });
  examples(command, 'kawa account list', 'kawa account list -o json');
}
