// `kawa proj get NAME`.
import type { Command } from 'commander';
import { projectsApi } from '../../services/api/projects.js';
import { projectDetails } from '../../services/projects.js';
import { examples, outputOption, printOne, sessionOf, SHOW_FORMATS } from '../common.js';

export function registerProjGet(proj: Command): void {
  const command = proj
    .command('get')
    .description('show a project')
    .argument('<name>', 'project name')
    .addOption(outputOption(SHOW_FORMATS))
    .action(async (name: string, flags: { output?: string }, cmd: Command) => {
      const project = await projectsApi((await sessionOf(cmd)).client).get(name);
      printOne(flags.output, project, () => projectDetails(project));
    });
  examples(command, 'kawa proj get default', 'kawa proj get team -o yaml');
}
