// `kawa repo add | list | get | rm`: repositories (Argo CD's RepositoryService).
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import { seg } from '../../services/api.js';
import { repoTable, type Repository } from '../../services/repos.js';
import { structured } from '../../services/table.js';
import { examples, group, note, out, outputFormat, outputOption, sessionOf } from '../common.js';

interface AddFlags {
  username?: string;
  password?: string;
  sshPrivateKeyPath?: string;
  insecureSkipServerVerification?: boolean;
  type: 'git' | 'helm';
  name?: string;
  enableOci?: boolean;
  enableLfs?: boolean;
  project?: string;
  upsert?: boolean;
}

export async function readKey(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot read the SSH private key ${file}: ${messageOf(err)}`);
  }
}

export function registerRepo(program: Command): void {
  const repo = group(program, 'repo', 'manage repository connections');
  examples(
    repo
      .command('add')
      .description('add a git or Helm repository (the server checks that it can connect)')
      .argument('<url>', 'repository URL')
      .option('--username <name>', 'username')
      .option('--password <password>', 'password or access token')
      .option('--ssh-private-key-path <file>', 'SSH private key file, for ssh:// and git@ URLs')
      .option('--insecure-skip-server-verification', 'do not verify the server TLS certificate / SSH host key')
      .addOption(new Option('--type <type>', 'git or helm').choices(['git', 'helm']).default('git'))
      .option('--name <name>', 'name (required for Helm repositories)')
      .option('--enable-oci', 'an OCI Helm registry')
      .option('--enable-lfs', 'fetch git LFS files')
      .option('--project <name>', 'scope the repository to a project')
      .option('--upsert', 'replace a repository of the same URL')
      .action(async (url: string, flags: AddFlags, cmd: Command) => {
        if (flags.type === 'helm' && flags.name === undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'a Helm repository needs --name');
        const s = await sessionOf(cmd);
        const sshPrivateKey = await readKey(flags.sshPrivateKeyPath);
        const body: Repository = {
          repo: url,
          type: flags.type,
          ...(flags.name === undefined ? {} : { name: flags.name }),
          ...(flags.username === undefined ? {} : { username: flags.username }),
          ...(flags.password === undefined ? {} : { password: flags.password }),
          ...(sshPrivateKey === undefined ? {} : { sshPrivateKey }),
          ...(flags.insecureSkipServerVerification === true ? { insecure: true } : {}),
          ...(flags.enableOci === true ? { enableOCI: true } : {}),
          ...(flags.enableLfs === true ? { enableLfs: true } : {}),
          ...(flags.project === undefined ? {} : { project: flags.project }),
        };
        await s.client.call('POST', '/api/v1/repositories', { query: { upsert: flags.upsert === true ? 'true' : undefined }, body });
        note(`Repository '${url}' added\n`);
      }),
    'kawa repo add https://github.com/argoproj/argocd-example-apps.git',
    'kawa repo add git@github.com:example/private.git --ssh-private-key-path ~/.ssh/id_ed25519',
    'kawa repo add https://charts.example.com --type helm --name example --username u --password "$TOKEN"',
  );
  examples(
    repo
      .command('list')
      .alias('ls')
      .description('list repositories and their connection state')
      .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
      .option('--refresh <mode>', 'force a connection check ("hard")')
      .action(async (flags: { output?: string; refresh?: string }, cmd: Command) => {
        const s = await sessionOf(cmd);
        const { items } = await s.client.call<{ items?: Repository[] | null }>('GET', '/api/v1/repositories', { query: { forceRefresh: flags.refresh === 'hard' ? 'true' : undefined } });
        const repos = items ?? [];
        const format = outputFormat(flags.output, ['json', 'yaml', 'wide', 'name']);
        const data = structured(format, repos);
        if (data !== undefined) out(data);
        else if (format === 'name') out(repos.map((r) => `${r.repo}\n`).join(''));
        else out(repoTable(repos));
      }),
    'kawa repo list',
  );
  examples(
    repo
      .command('get')
      .description('show a repository')
      .argument('<url>')
      .addOption(outputOption(['json', 'yaml', 'wide']))
      .action(async (url: string, flags: { output?: string }, cmd: Command) => {
        const s = await sessionOf(cmd);
        const r = await s.client.call<Repository>('GET', `/api/v1/repositories/${seg(url)}`);
        out(structured(outputFormat(flags.output, ['json', 'yaml', 'wide']), r) ?? repoTable([r]));
      }),
    'kawa repo get https://github.com/argoproj/argocd-example-apps.git',
  );
  examples(
    repo
      .command('rm')
      .alias('delete')
      .description('remove repositories')
      .argument('<urls...>')
      .action(async (urls: string[], _flags: unknown, cmd: Command) => {
        const s = await sessionOf(cmd);
        for (const url of urls) {
          await s.client.call('DELETE', `/api/v1/repositories/${seg(url)}`);
          note(`Repository '${url}' removed\n`);
        }
      }),
    'kawa repo rm https://github.com/argoproj/argocd-example-apps.git',
  );
}
