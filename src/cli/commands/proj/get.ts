// `kawa proj get NAME`.
import type { Command } from 'commander';
import type { AppProject } from '../../../model/index.js';
import { seg } from '../../services/api.js';
import { projectDetails } from '../../services/projects.js';
import { structured } from '../../services/table.js';
import { examples, out, outputFormat, outputOption, sessionOf } from '../common.js';

export function registerProjGet(proj: Command): void {
  const command = proj
    .command('get')
    .description('show a project')
    .argument('<name>', 'project name')
    .addOption(outputOption(['json', 'yaml', 'wide']))
    .action(async (name: string, flags: { output?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const project = await s.client.call<AppProject>('GET', `/api/v1/projects/${seg(name)}`);
      out(structured(outputFormat(flags.output, ['json', 'yaml', 'wide']), project) ?? projectDetails(project));
    });
  examples(command, 'kawa proj get default', 'kawa proj get team -o yaml');
}
