// Read-change-write of one project (`PUT /api/v1/projects/{name}`), shared by the `proj` edit verbs.
import type { Command } from 'commander';
import type { AppProject, AppProjectSpec } from '../../../model/index.js';
import { seg } from '../../services/api.js';
import { note, sessionOf } from '../common.js';

export async function editProject(cmd: Command, name: string, change: (spec: AppProjectSpec) => boolean, done: string): Promise<void> {
  const s = await sessionOf(cmd);
  const project = await s.client.call<AppProject>('GET', `/api/v1/projects/${seg(name)}`);
  if (!change(project.spec)) {
    note(`project '${name}': nothing to change\n`);
    return;
  }
  await s.client.call<AppProject>('PUT', `/api/v1/projects/${seg(name)}`, { body: { project } });
  note(`project '${name}': ${done}\n`);
}
