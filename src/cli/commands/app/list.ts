// `kawa app list`: argocd's table NAME CLUSTER NAMESPACE PROJECT STATUS HEALTH SYNCPOLICY CONDITIONS REPO PATH TARGET.
import type { Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { appListTable, qualifiedName } from '../../services/app-format.js';
import { outPaint } from '../../services/io.js';
import { collect, examples, LIST_FORMATS, outputOption, printList, sessionOf } from '../common.js';

interface ListFlags {
  project?: string[];
  selector?: string;
  repo?: string;
  appNamespace?: string;
  output?: string;
}

export function registerAppList(app: Command): void {
  const command = app
    .command('list')
    .alias('ls')
    .description('list applications')
    .option('-p, --project <name>', 'only apps of this project (repeatable)', collect)
    .option('-l, --selector <selector>', 'only apps whose labels match, e.g. team=web,tier!=db')
    .option('-r, --repo <url>', 'only apps with this repository')
    .option('-N, --app-namespace <ns>', 'only apps in this namespace')
    .addOption(outputOption(LIST_FORMATS))
    .action(async (flags: ListFlags, cmd: Command) => {
      const list = await applicationsApi((await sessionOf(cmd)).client).list({ projects: flags.project, selector: flags.selector, repo: flags.repo, appNamespace: flags.appNamespace });
      const items = [...(list.items ?? [])].sort((a, b) => qualifiedName(a).localeCompare(qualifiedName(b)));
      printList(flags.output, items, qualifiedName, (apps) => appListTable(apps, outPaint()));
    });
  examples(command, 'kawa app list', 'kawa app list -p default -l team=web', 'kawa app list -o name');
}
