// `kawa repocreds add | list | rm`: credential templates for every repository under a URL prefix.
import { Option, type Command } from 'commander';
import { seg } from '../../services/api.js';
import { credsTable, type RepoCreds } from '../../services/repos.js';
import { structured } from '../../services/table.js';
import { examples, group, note, out, outputFormat, outputOption, sessionOf } from '../common.js';
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
        await s.client.call('POST', '/api/v1/repocreds', {
          query: { upsert: flags.upsert === true ? 'true' : undefined },
          body: {
            url,
            type: flags.type,
            ...(flags.username === undefined ? {} : { username: flags.username }),
            ...(flags.password === undefined ? {} : { password: flags.password }),
            ...(sshPrivateKey === undefined ? {} : { sshPrivateKey }),
          },
        });
        note(`Repository credentials for '${url}' added\n`);
      }),
    'kawa repocreds add https://github.com/example --username bot --password "$GITHUB_TOKEN"',
  );
  examples(
    creds
      .command('list')
      .alias('ls')
      .description('list credential templates')
      .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
      .action(async (flags: { output?: string }, cmd: Command) => {
        const s = await sessionOf(cmd);
        const { items } = await s.client.call<{ items?: RepoCreds[] | null }>('GET', '/api/v1/repocreds');
        const list = items ?? [];
        const format = outputFormat(flags.output, ['json', 'yaml', 'wide', 'name']);
        const data = structured(format, list);
        if (data !== undefined) out(data);
        else if (format === 'name') out(list.map((c) => `${c.url}\n`).join(''));
        else out(credsTable(list));
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
        const s = await sessionOf(cmd);
        for (const url of urls) {
          await s.client.call('DELETE', `/api/v1/repocreds/${seg(url)}`);
          note(`Repository credentials for '${url}' removed\n`);
        }
      }),
    'kawa repocreds rm https://github.com/example',
  );
}
