// `kawa account get-user-info`: who the server thinks you are.
import type { Command } from 'commander';
import { sessionApi } from '../../services/api/session.js';
import { formatKeyValues, structured } from '../../services/table.js';
import { examples, out, outputFormat, outputOption, sessionOf } from '../common.js';

export function registerAccountGetUserInfo(account: Command): void {
  const command = account
    .command('get-user-info')
    .description('print the logged-in user')
    .addOption(outputOption(['json', 'yaml']))
    .action(async (flags: { output?: string }, cmd: Command) => {
      const info = await sessionApi((await sessionOf(cmd)).client).userInfo();
      const data = structured(outputFormat(flags.output, ['json', 'yaml']), info);
      if (data !== undefined) {
        out(data);
        return;
      }
      out(
        formatKeyValues([
          ['Logged In', String(info.loggedIn ?? false)],
          ['Username', info.username ?? ''],
          ['Issuer', info.iss ?? ''],
          ['Groups', (info.groups ?? []).join(',')],
        ]),
      );
    });
  examples(command, 'kawa account get-user-info', 'kawa account get-user-info -o json');
}
