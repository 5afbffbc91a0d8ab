// `kawa logout [CONTEXT]`: ends the session on the server and forgets its token locally.
import type { Command } from 'commander';
import { io } from '../../services/io.js';
import { logout } from '../../services/session.js';
import { examples, note } from '../common.js';

export function registerLogout(program: Command): void {
  const command = program
    .command('logout')
    .description('log out: revoke the session on the server and remove its token from the config')
    .argument('[context]', 'the context to log out of (default: the current one)')
    .action(async (context: string | undefined) => {
      const result = await logout(context, io().env);
      if (result.serverError !== undefined) note(`warning: the server did not end the session (${result.serverError}); the token was removed locally\n`);
      note(`Logged out from '${result.contextName}'\n`);
    });
  examples(command, 'kawa logout', 'kawa logout staging');
}
