// `kawa repo add | list | get | rm`: repositories (Argo CD's RepositoryService).
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import { repositoriesApi, type Repository } from '../../services/api/repositories.js';
import { repoTable } from '../../services/repos.js';
import { examples, group, note, sessionOf } from '../common.js';
import { listVerb, removeVerb, showVerb } from '../verbs.js';

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
    listVerb(repo, {
      description: 'list repositories and their connection state',
      options: (command) => command.option('--refresh <mode>', 'force a connection check ("hard")'),
      list: async (s, flags: { output?: string; refresh?: string }) => (await repositoriesApi(s.client).list(flags.refresh === 'hard')).items ?? [],
      nameOf: (r) => r.repo,
      table: repoTable,
    }),
    'kawa repo list',
  );
  examples(
    showVerb(repo, 'get', { description: 'show a repository', argument: ['<url>'], fetch: (s, url) => repositoriesApi(s.client).get(url), text: (r) => repoTable([r]) }),
    'kawa repo get https://github.com/argoproj/argocd-example-apps.git',
  );
  examples(
    removeVerb(repo, { description: 'remove repositories', argument: ['<urls...>'], remover: (s) => repositoriesApi(s.client).delete, removed: (url) => `Repository '${url}' removed\n` }),
    'kawa repo rm https://github.com/argoproj/argocd-example-apps.git',
  );
}
