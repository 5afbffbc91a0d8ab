// `kawa relogin`: a fresh session for the current context's user (after an expiry or a password change).
import type { Command } from 'commander';
import { configPath, readConfig } from '../../services/config.js';
import { io } from '../../services/io.js';
import { askSecret } from '../../services/prompt.js';
import { login, reloginUser } from '../../services/session.js';
import { examples, note } from '../common.js';

export function registerRelogin(program: Command): void {
  const command = program
    .command('relogin')
    .description("log in again as the current context's user")
    .option('--password <password>', 'the password (asked without echo when missing)')
    .action(async (flags: { password?: string }) => {
      const config = await readConfig(configPath(io().env));
      const who = reloginUser(config);
      const password = flags.password ?? (await askSecret(`Password for ${who.username}@${who.server}: `, '--password'));
      await login({ server: who.server, username: who.username, password, insecure: who.insecure, plaintext: who.plaintext, name: who.contextName }, io().env);
      note(`Context '${who.contextName}' updated\n`);
    });
  examples(command, 'kawa relogin', 'kawa relogin --password "$NEW_PASSWORD"');
}
