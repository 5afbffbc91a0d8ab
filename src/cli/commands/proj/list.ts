// `kawa proj list`.
import type { Command } from 'commander';
import type { AppProject } from '../../../model/index.js';
import { projectListTable } from '../../services/projects.js';
import { structured } from '../../services/table.js';
import { examples, out, outputFormat, outputOption, sessionOf } from '../common.js';

export function registerProjList(proj: Command): void {
  const command = proj
    .command('list')
    .alias('ls')
    .description('list projects')
    .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
    .action(async (flags: { output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const list = await s.client.call<{ items?: AppProject[] | null }>('GET', '/api/v1/projects');
      const items = [...(list.items ?? [])].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      const format = outputFormat(flags.output, ['json', 'yaml', 'wide', 'name']);
      const data = structured(format, items);
      if (data !== undefined) out(data);
      else if (format === 'name') out(items.map((p) => `${p.metadata.name}\n`).join(''));
      else out(projectListTable(items));
    });
  examples(command, 'kawa proj list', 'kawa proj list -o name');
}
