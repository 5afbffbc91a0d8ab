// `kawa proj list`.
import type { Command } from 'commander';
import { projectsApi } from '../../services/api/projects.js';
import { projectListTable } from '../../services/projects.js';
import { examples, LIST_FORMATS, outputOption, printList, sessionOf } from '../common.js';

export function registerProjList(proj: Command): void {
  const command = proj
    .command('list')
    .alias('ls')
    .description('list projects')
    .addOption(outputOption(LIST_FORMATS))
    .action(async (flags: { output?: string }, cmd: Command) => {
      const list = await projectsApi((await sessionOf(cmd)).client).list();
      const items = [...(list.items ?? [])].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      printList(flags.output, items, (p) => p.metadata.name, projectListTable);
    });
  examples(command, 'kawa proj list', 'kawa proj list -o name');
}
