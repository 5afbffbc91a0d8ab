// `kawa repo add | list | get | rm`: repositories (Argo CD's RepositoryService).
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import { repositoriesApi, type Repository } from '../../services/api/repositories.js';
import { repoTable } from '../../services/repos.js';
import { examples, group, LIST_FORMATS, note, outputOption, printList, printOne, sessionOf, SHOW_FORMATS } from '../common.js';

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
        await repositoriesApi(s.client).create(body, flags.upsert);
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
      .addOption(outputOption(LIST_FORMATS))
      .option('--refresh <mode>', 'force a connection check ("hard")')
      .action(async (flags: { output?: string; refresh?: string }, cmd: Command) => {
        const { items } = await repositoriesApi((await sessionOf(cmd)).client).list(flags.refresh === 'hard');
        printList(flags.output, items ?? [], (r) => r.repo, repoTable);
      }),
    'kawa repo list',
  );
  examples(
    repo
      .command('get')
      .description('show a repository')
      .argument('<url>')
      .addOption(outputOption(SHOW_FORMATS))
      .action(async (url: string, flags: { output?: string }, cmd: Command) => {
        const r = await repositoriesApi((await sessionOf(cmd)).client).get(url);
        printOne(flags.output, r, () => repoTable([r]));
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
        const repositories = repositoriesApi((await sessionOf(cmd)).client);
        for (const url of urls) {
          await repositories.delete(url);
          note(`Repository '${url}' removed\n`);
        }
      }),
    'kawa repo rm https://github.com/argoproj/argocd-example-apps.git',
  );
}
