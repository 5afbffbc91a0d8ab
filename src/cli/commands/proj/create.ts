// `kawa proj create NAME`: a project from flags, or `-f project.yaml`.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import type { AppProject } from '../../../model/index.js';
import { projectsApi } from '../../services/api/projects.js';
import { addDestination, addSource, parseDestination } from '../../services/projects.js';
import { collect, examples, note, sessionOf } from '../common.js';

interface Flags {
  description?: string;
  dest?: string[];
  src?: string[];
  file?: string;
  upsert?: boolean;
  orphanedResources?: boolean;
  orphanedResourcesWarn?: boolean;
}

export function registerProjCreate(proj: Command): void {
  const command = proj
    .command('create')
    .description('create a project')
    .argument('[name]', 'the project name (or metadata.name of -f)')
    .option('--description <text>', 'description')
    .option('-d, --dest <server,namespace>', 'permitted destination (repeatable; globs allowed)', collect)
    .option('-s, --src <repo>', 'permitted source repository (repeatable; globs allowed)', collect)
    .option('--orphaned-resources', 'monitor orphaned resources')
    .option('--orphaned-resources-warn', 'warn about orphaned resources')
    .option('-f, --file <file>', 'create from an AppProject manifest')
    .option('--upsert', 'replace the project if it exists with another spec')
    .action(async (name: string | undefined, flags: Flags, cmd: Command) => {
      let project: AppProject;
      if (flags.file !== undefined) {
        try {
          project = parse(await readFile(flags.file, 'utf8')) as AppProject;
        } catch (err) {
          throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot read ${flags.file}: ${messageOf(err)}`);
        }
        if (name !== undefined) project.metadata.name = name;
      } else {
        if (name === undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'give the project NAME (or -f project.yaml)');
        project = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name }, spec: {} };
      }
      const spec = project.spec;
      if (flags.description !== undefined) spec.description = flags.description;
      for (const d of flags.dest ?? []) addDestination(spec, parseDestination(d));
      for (const r of flags.src ?? []) addSource(spec, r);
      if (flags.orphanedResources === true || flags.orphanedResourcesWarn === true) spec.orphanedResources = { warn: flags.orphanedResourcesWarn === true };
      await projectsApi((await sessionOf(cmd)).client).create(project, flags.upsert);
      note(`project '${project.metadata.name}' created\n`);
    });
  examples(command, "kawa proj create team --dest https://kubernetes.default.svc,'team-*' --src 'https://github.com/example/*'", 'kawa proj create -f team.yaml --upsert');
}
