// `kawa proj add-source | remove-source PROJECT REPO`.
import type { Command } from 'commander';
import { addSource, removeSource } from '../../services/projects.js';
import { examples } from '../common.js';
import { editProject } from './edit.js';

export function registerProjSources(proj: Command): void {
  examples(
    proj
      .command('add-source')
      .description('permit a source repository (globs allowed)')
      .argument('<project>')
      .argument('<repo>')
      .action((project: string, repo: string, _f: unknown, cmd: Command) => editProject(cmd, project, (spec) => addSource(spec, repo), `source ${repo} added`)),
    "kawa proj add-source team 'https://github.com/example/*'",
  );
  examples(
    proj
      .command('remove-source')
      .description('stop permitting a source repository')
      .argument('<project>')
      .argument('<repo>')
      .action((project: string, repo: string, _f: unknown, cmd: Command) => editProject(cmd, project, (spec) => removeSource(spec, repo), `source ${repo} removed`)),
    'kawa proj remove-source team https://github.com/example/old.git',
  );
}
