// `kawa proj role create PROJECT ROLE` and `kawa proj role create-token PROJECT ROLE`.
import type { Command } from 'commander';
import { projectsApi } from '../../services/api/projects.js';
import { addRole } from '../../services/projects.js';
import { expirySeconds } from '../account/generate-token.js';
import { examples, group, out, sessionOf } from '../common.js';
import { editProject } from './edit.js';

export function registerProjRole(proj: Command): void {
  const role = group(proj, 'role', 'manage project roles');
  examples(
    role
      .command('create')
      .description('create a project role')
      .argument('<project>')
      .argument('<role>')
      .option('--description <text>', 'description')
      .action((project: string, name: string, flags: { description?: string }, cmd: Command) => editProject(cmd, project, (spec) => addRole(spec, name, flags.description), `role ${name} created`)),
    'kawa proj role create team ci --description "pipelines of team"',
  );
  examples(
    role
      .command('create-token')
      .description("issue a JWT for a project role (printed on stdout)")
      .argument('<project>')
      .argument('<role>')
      .option('-e, --expires-in <duration>', 'lifetime, e.g. 24h (default 0: no expiry)', '0')
      .option('-i, --id <id>', 'token id (default: generated)')
      .option('-t, --token-only', 'print the token only (the default; kept for argocd scripts)')
      .action(async (project: string, name: string, flags: { expiresIn?: string; id?: string }, cmd: Command) => {
        const answer = await projectsApi((await sessionOf(cmd)).client).createRoleToken(project, name, { expiresIn: expirySeconds(flags.expiresIn), id: flags.id });
        out(`${answer.token ?? ''}\n`);
      }),
    'kawa proj role create-token team ci --expires-in 720h',
  );
}
