// `kawa account update-password`: changes a password; for one's own account the context is logged in again.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { accountsApi } from '../../services/api/accounts.js';
import { sessionApi } from '../../services/api/session.js';
import { io } from '../../services/io.js';
import { askSecret } from '../../services/prompt.js';
import { login, reloginUser } from '../../services/session.js';
import { examples, note, sessionOf } from '../common.js';

interface Flags {
  account?: string;
  currentPassword?: string;
  newPassword?: string;
}

export function registerAccountUpdatePassword(account: Command): void {
  const command = account
    .command('update-password')
    .description('update an account password')
    .option('--account <name>', 'the account (default: the logged-in one)')
    .option('--current-password <password>', "your current password (asked when missing)")
    .option('--new-password <password>', 'the new password (asked twice when missing)')
    .action(async (flags: Flags, cmd: Command) => {
      const s = await sessionOf(cmd);
      const userinfo = await sessionApi(s.client).userInfo();
      const self = flags.account === undefined || flags.account === userinfo.username;
      const current = flags.currentPassword ?? (await askSecret(`*** Enter password of currently logged in user (${userinfo.username ?? ''}): `, '--current-password'));
      let next = flags.newPassword;
      if (next === undefined) {
        next = await askSecret('*** Enter new password: ', '--new-password');
        if ((await askSecret('*** Confirm new password: ', '--new-password')) !== next) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'the passwords do not match: try again');
      }
      await accountsApi(s.client).updatePassword({ name: flags.account ?? userinfo.username ?? '', currentPassword: current, newPassword: next });
      note('Password updated\n');
      // The password change revokes the old sessions: log in again so the next command works.
      if (self && s.target.contextName !== undefined && flags.account === undefined) {
        const who = reloginUser(s.config);
        await login({ server: who.server, username: who.username, password: next, insecure: who.insecure, plaintext: who.plaintext, name: who.contextName }, io().env);
        note(`Context '${who.contextName}' updated\n`);
      }
    });
  examples(command, 'kawa account update-password', 'kawa account update-password --current-password "$OLD" --new-password "$NEW"', 'kawa account update-password --account alice --current-password "$ADMIN_PASSWORD" --new-password "$NEW"');
}
