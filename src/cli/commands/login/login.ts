// `kawa login SERVER`: a session with username and password, or an SSO login in a browser (--sso),
// stored as the current context.
import { InvalidArgumentError, type Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { io } from '../../services/io.js';
import { askLine, askSecret } from '../../services/prompt.js';
import { login, ssoLogin } from '../../services/session.js';
import { examples, globalsOf, note } from '../common.js';

interface LoginFlags {
  username?: string;
  password?: string;
  sso?: boolean;
  ssoPort: number;
  ssoLaunchBrowser: boolean;
  name?: string;
}

/** argocd's default for --sso-port (providers register http://localhost:8085/auth/callback for the CLI). */
export const DEFAULT_SSO_PORT = 8085;

/** `--sso-port`: a TCP port (0: any free one, for providers that accept any loopback port). */
export function ssoPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number (0-65535; 0: any free port)');
  return n;
}

/** A boolean flag that also takes `=true`/`=false` (argocd's `--sso-launch-browser=false`). */
export function booleanValue(value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 't'].includes(v)) return true;
  if (['false', '0', 'no', 'f'].includes(v)) return false;
  throw new InvalidArgumentError('true or false');
}

export function registerLogin(program: Command): void {
  const command = program
    .command('login')
    .description('log in to a kawa (or Argo CD) API server and make it the current context')
    .argument('<server>', 'HOST[:PORT] or http(s)://HOST[:PORT]')
    .option('--username <name>', 'the account (asked when missing)')
    .option('--password <password>', 'the password (asked without echo when missing)')
    .option('--sso', "log in through the server's SSO (OIDC) provider in a browser")
    .option('--sso-port <port>', 'with --sso: the localhost port the provider redirects the browser to', ssoPort, DEFAULT_SSO_PORT)
    .option('--sso-launch-browser [bool]', 'with --sso: open the login page with xdg-open (else only print its URL)', booleanValue, true)
    .option('--name <context>', 'name of the context (default: the server address)')
    .action(async (server: string, flags: LoginFlags, cmd: Command) => {
      const globals = globalsOf(cmd);
      if (flags.sso === true) {
        if (flags.username !== undefined || flags.password !== undefined) {
          throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, '--sso logs in at the identity provider: drop --username/--password (or drop --sso to log in with a local account)');
        }
        const result = await ssoLogin(
          { server, insecure: globals.insecure === true, plaintext: globals.plaintext === true, name: flags.name, port: flags.ssoPort, launchBrowser: flags.ssoLaunchBrowser, note },
          io().env,
        );
        note(`'${result.user.username ?? ''}' logged in successfully\nContext '${result.contextName}' updated\n`);
        return;
      }
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
    'kawa login kawa.example.com --sso                       # log in in a browser through the SSO provider',
    'kawa login kawa.example.com --sso --sso-launch-browser=false --sso-port 8086   # print the URL, listen on localhost:8086',
    'kawa login https://kawa.internal:8443 --insecure --name staging',
  );
}
