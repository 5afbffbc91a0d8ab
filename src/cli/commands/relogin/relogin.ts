// `kawa relogin`: a fresh session for the current context's user (after an expiry or a password change);
// an SSO context logs in through its provider again.
import type { Command } from 'commander';
import { configPath, readConfig } from '../../services/config.js';
import { io } from '../../services/io.js';
import { askSecret } from '../../services/prompt.js';
import { login, reloginUser, ssoLogin, ssoReloginTarget } from '../../services/session.js';
import { examples, note } from '../common.js';
import { DEFAULT_SSO_PORT, booleanValue, ssoPort } from '../login/login.js';

interface ReloginFlags {
  password?: string;
  ssoPort: number;
  ssoLaunchBrowser: boolean;
}

export function registerRelogin(program: Command): void {
  const command = program
    .command('relogin')
    .description("log in again as the current context's user (through the SSO provider for an SSO login)")
    .option('--password <password>', 'the password (asked without echo when missing)')
    .option('--sso-port <port>', 'for an SSO login: the localhost port the provider redirects the browser to', ssoPort, DEFAULT_SSO_PORT)
    .option('--sso-launch-browser [bool]', 'for an SSO login: open the login page with xdg-open (else only print its URL)', booleanValue, true)
    .action(async (flags: ReloginFlags) => {
      const config = await readConfig(configPath(io().env));
      const sso = ssoReloginTarget(config);
      if (sso !== undefined) {
        const result = await ssoLogin({ ...sso, name: sso.contextName, port: flags.ssoPort, launchBrowser: flags.ssoLaunchBrowser, note }, io().env);
        note(`'${result.user.username ?? ''}' logged in successfully\nContext '${result.contextName}' updated\n`);
        return;
      }
      const who = reloginUser(config);
      const password = flags.password ?? (await askSecret(`Password for ${who.username}@${who.server}: `, '--password'));
      await login({ server: who.server, username: who.username, password, insecure: who.insecure, plaintext: who.plaintext, name: who.contextName }, io().env);
      note(`Context '${who.contextName}' updated\n`);
    });
  examples(command, 'kawa relogin', 'kawa relogin --password "$NEW_PASSWORD"', 'kawa relogin --sso-launch-browser=false   # an SSO context: print the login URL');
}
