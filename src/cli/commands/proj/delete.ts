// `kawa proj delete NAME…`.
import type { Command } from 'commander';
import { projectsApi } from '../../services/api/projects.js';
import { examples, note, sessionOf } from '../common.js';

export function registerProjDelete(proj: Command): void {
  const command = proj
    .command('delete')
    .alias('rm')
    .description('delete projects (refused while applications use them)')
    .argument('<names...>', 'project names')
    .action(async (names: string[], _flags: unknown, cmd: Command) => {
      const projects = projectsApi((await sessionOf(cmd)).client);
      for (const name of names) {
        await projects.delete(name);
        note(`project '${name}' deleted\n`);
      }
    });
  examples(command, 'kawa proj delete team');
}
