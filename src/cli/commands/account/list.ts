// `kawa account list`: local accounts, whether enabled, their capabilities.
import type { Command } from 'commander';
import { accountsApi } from '../../services/api/accounts.js';
import { formatTable, type OutputFormat } from '../../services/table.js';
import { examples, outputOption, printList, sessionOf } from '../common.js';

const FORMATS: readonly OutputFormat[] = ['json', 'yaml', 'name'];

export function registerAccountList(account: Command): void {
  const command = account
    .command('list')
    .description('list accounts')
    .addOption(outputOption(FORMATS))
    .action(async (flags: { output?: string }, cmd: Command) => {
      const { items = [] } = await accountsApi((await sessionOf(cmd)).client).list();
      printList(
        flags.output,
        items,
        (a) => a.name,
        (accounts) => formatTable(['NAME', 'ENABLED', 'CAPABILITIES'], accounts.map((a) => [a.name, String(a.enabled ?? false), (a.capabilities ?? []).join(', ')])),
        FORMATS,
      );
    });
  examples(command, 'kawa account list', 'kawa account list -o json');
}
