// `kawa repocreds add | list | rm`: credential templates for every repository under a URL prefix.
import { Option, type Command } from 'commander';
import { repoCredsApi } from '../../services/api/repocreds.js';
import { credsTable } from '../../services/repos.js';
import { examples, group, note, sessionOf } from '../common.js';
import { listVerb, removeVerb } from '../verbs.js';
import { readKey } from '../repo/repo.js';

interface AddFlags {
  username?: string;
  password?: string;
  sshPrivateKeyPath?: string;
  type: 'git' | 'helm';
  upsert?: boolean;
}

export function registerRepoCreds(program: Command): void {
  const creds = group(program, 'repocreds', 'manage repository credential templates');
  examples(
    creds
      .command('add')
      .description('add credentials for every repository whose URL starts with URL')
      .argument('<url>', 'URL prefix, e.g. https://github.com/example')
      .option('--username <name>', 'username')
      .option('--password <password>', 'password or access token')
      .option('--ssh-private-key-path <file>', 'SSH private key file')
      .addOption(new Option('--type <type>', 'git or helm').choices(['git', 'helm']).default('git'))
      .option('--upsert', 'replace credentials of the same URL')
      .action(async (url: string, flags: AddFlags, cmd: Command) => {
        const s = await sessionOf(cmd);
        const sshPrivateKey = await readKey(flags.sshPrivateKeyPath);
        await repoCredsApi(s.client).create(
          {
            url,
            type: flags.type,
            ...(flags.username === undefined ? {} : { username: flags.username }),
            ...(flags.password === undefined ? {} : { password: flags.password }),
            ...(sshPrivateKey === undefined ? {} : { sshPrivateKey }),
          },
          flags.upsert,
        );
        note(`Repository credentials for '${url}' added\n`);
      }),
    'kawa repocreds add https://github.com/example --username bot --password "$GITHUB_TOKEN"',
  );
  examples(
    listVerb(creds, { description: 'list credential templates', list: async (s) => (await repoCredsApi(s.client).list()).items ?? [], nameOf: (c) => c.url, table: credsTable }),
    'kawa repocreds list',
  );
  examples(
    removeVerb(creds, {
      description: 'remove credential templates',
      argument: ['<urls...>'],
      remover: (s) => repoCredsApi(s.client).delete,
      removed: (url) => `Repository credentials for '${url}' removed\n`,
    }),
    'kawa repocreds rm https://github.com/example',
  );
}
