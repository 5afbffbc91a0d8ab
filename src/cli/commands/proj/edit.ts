// Read-change-write of one project (`PUT /api/v1/projects/{name}`), shared by the `proj` edit verbs.
import type { Command } from 'commander';
import type { AppProjectSpec } from '../../../model/index.js';
import { projectsApi } from '../../services/api/projects.js';
import { note, sessionOf } from '../common.js';

export async function editProject(cmd: Command, name: string, change: (spec: AppProjectSpec) => boolean, done: string): Promise<void> {
  const projects = projectsApi((await sessionOf(cmd)).client);
  const project = await projects.get(name);
  if (!change(project.spec)) {
    note(`project '${name}': nothing to change\n`);
    return;
  }
  await projects.update(project);
  note(`project '${name}': ${done}\n`);
}
