// `kawa login SERVER`: a session with username and password, stored as the current context.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { io } from '../../services/io.js';
import { askLine, askSecret } from '../../services/prompt.js';
import { login } from '../../services/session.js';
import { examples, globalsOf, note } from '../common.js';

interface LoginFlags {
  username?: string;
  password?: string;
  sso?: boolean;
  name?: string;
}

export function registerLogin(program: Command): void {
  const command = program
    .command('login')
    .description('log in to a kawa (or Argo CD) API server and make it the current context')
    .argument('<server>', 'HOST[:PORT] or http(s)://HOST[:PORT]')
    .option('--username <name>', 'the account (asked when missing)')
    .option('--password <password>', 'the password (asked without echo when missing)')
    .option('--sso', 'log in through the SSO (OIDC) provider in a browser')
    .option('--name <context>', 'name of the context (default: the server address)')
    .action(async (server: string, flags: LoginFlags, cmd: Command) => {
      if (flags.sso === true) {
        throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, '--sso is not supported by this version of kawa yet: log in with --username/--password, or pass a token with --auth-token');
      }
      const globals = globalsOf(cmd);
      const username = flags.username ?? (await askLine('Username: ', '--username'));
      const password = flags.password ?? (await askSecret('Password: ', '--password'));
      const result = await login(
        { server, username, password, insecure: globals.insecure === true, plaintext: globals.plaintext === true, name: flags.name },
        io().env,
      );
      note(`'${username}' logged in successfully\nContext '${result.contextName}' updated\n`);
    });
  examples(
    command,
    'kawa login localhost:8080 --plaintext --username admin --password "$(kawa admin initial-password -n argocd | head -1)"',
    'kawa login kawa.example.com --username alice            # asks for the password',
    'kawa login https://kawa.internal:8443 --insecure --name staging',
  );
}
