// `kawa app list`: argocd's table NAME CLUSTER NAMESPACE PROJECT STATUS HEALTH SYNCPOLICY CONDITIONS REPO PATH TARGET.
import type { Command } from 'commander';
import type { Application } from '../../../model/index.js';
import { appListTable, qualifiedName } from '../../services/app-format.js';
import { outPaint } from '../../services/io.js';
import { structured } from '../../services/table.js';
import { collect, examples, out, outputFormat, outputOption, sessionOf } from '../common.js';

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
    .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
    .action(async (flags: ListFlags, cmd: Command) => {
      const s = await sessionOf(cmd);
      const list = await s.client.call<{ items?: Application[] | null }>('GET', '/api/v1/applications', {
        query: { projects: flags.project, selector: flags.selector, repo: flags.repo, appNamespace: flags.appNamespace },
      });
      const items = [...(list.items ?? [])].sort((a, b) => qualifiedName(a).localeCompare(qualifiedName(b)));
      const format = outputFormat(flags.output, ['json', 'yaml', 'wide', 'name']);
      const data = structured(format, items);
      if (data !== undefined) out(data);
      else if (format === 'name') out(items.map((a) => `${qualifiedName(a)}\n`).join(''));
      else out(appListTable(items, outPaint()));
    });
  examples(command, 'kawa app list', 'kawa app list -p default -l team=web', 'kawa app list -o name');
}
