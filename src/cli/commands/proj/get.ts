// `kawa proj get NAME`.
import type { Command } from 'commander';
import { projectsApi } from '../../services/api/projects.js';
import { projectDetails } from '../../services/projects.js';
import { examples } from '../common.js';
import { showVerb } from '../verbs.js';

export function registerProjGet(proj: Command): void {
  const command = showVerb(proj, 'get', { description: 'show a project', argument: ['<name>', 'project name'], fetch: (s, name) => projectsApi(s.client).get(name), text: projectDetails });
  examples(command, 'kawa proj get default', 'kawa proj get team -o yaml');
}
