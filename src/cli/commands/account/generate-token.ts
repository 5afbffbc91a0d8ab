// `kawa account generate-token`: an API key for an account with the apiKey capability.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { parseDuration } from '../../../model/index.js';
import { accountsApi } from '../../services/api/accounts.js';
import { examples, out, sessionOf } from '../common.js';
import { accountOrSelf } from './self.js';

interface Flags {
  account?: string;
  expiresIn?: string;
  id?: string;
}

/** `24h`, `90m`, `0` → seconds (0: no expiry). */
export function expirySeconds(text: string | undefined): number {
  if (text === undefined || text === '' || text === '0' || text === '0s') return 0;
  const ms = parseDuration(text, { bareIntegerAsSeconds: true });
  if (ms === undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--expires-in wants a duration like 30m, 24h or 0 (no expiry), got "${text}"`);
  return Math.round(ms / 1000);
}

export function registerAccountGenerateToken(account: Command): void {
  const command = account
    .command('generate-token')
    .description('generate an API token for an account (printed on stdout)')
    .option('-a, --account <name>', 'the account (default: the logged-in one)')
    .option('-e, --expires-in <duration>', 'lifetime, e.g. 24h (default 0: no expiry)', '0')
    .option('--id <id>', 'the token id (default: generated)')
    .action(async (flags: Flags, cmd: Command) => {
      const s = await sessionOf(cmd);
      const name = await accountOrSelf(s.client, flags.account);
      const answer = await accountsApi(s.client).createToken(name, { expiresIn: expirySeconds(flags.expiresIn), id: flags.id });
      out(`${answer.token ?? ''}\n`);
    });
  examples(command, 'kawa account generate-token --account ci --expires-in 720h', 'KAWA_AUTH_TOKEN=$(kawa account generate-token -a ci) kawa app list');
}
