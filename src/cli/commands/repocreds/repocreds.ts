// `kawa repocreds add | list | rm`: credential templates for every repository under a URL prefix.
import { Option, type Command } from 'commander';
import { repoCredsApi } from '../../services/api/repocreds.js';
import { credsTable } from '../../services/repos.js';
import { examples, group, LIST_FORMATS, note, outputOption, printList, sessionOf } from '../common.js';
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
    creds
      .command('list')
      .alias('ls')
      .description('list credential templates')
      .addOption(outputOption(LIST_FORMATS))
      .action(async (flags: { output?: string }, cmd: Command) => {
        const { items } = await repoCredsApi((await sessionOf(cmd)).client).list();
        printList(flags.output, items ?? [], (c) => c.url, credsTable);
      }),
    'kawa repocreds list',
  );
  examples(
    creds
      .command('rm')
      .alias('delete')
      .description('remove credential templates')
      .argument('<urls...>')
      .action(async (urls: string[], _flags: unknown, cmd: Command) => {
        const repoCreds = repoCredsApi((await sessionOf(cmd)).client);
        for (const url of urls) {
          await repoCreds.delete(url);
          note(`Repository credentials for '${url}' removed\n`);
        }
      }),
    'kawa repocreds rm https://github.com/example',
  );
}
