// `kawa proj delete NAME…`.
import type { Command } from 'commander';
import { seg } from '../../services/api.js';
import { examples, note, sessionOf } from '../common.js';

export function registerProjDelete(proj: Command): void {
  const command = proj
    .command('delete')
    .alias('rm')
    .description('delete projects (refused while applications use them)')
    .argument('<names...>', 'project names')
    .action(async (names: string[], _flags: unknown, cmd: Command) => {
      const s = await sessionOf(cmd);
      for (const name of names) {
        await s.client.call('DELETE', `/api/v1/projects/${seg(name)}`);
        note(`project '${name}' deleted\n`);
      }
    });
  examples(command, 'kawa proj delete team');
}
