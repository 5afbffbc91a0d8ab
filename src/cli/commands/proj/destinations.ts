// `kawa proj add-destination | remove-destination PROJECT SERVER NAMESPACE`.
import type { Command } from 'commander';
import { addDestination, removeDestination, type DestinationArg } from '../../services/projects.js';
import { examples } from '../common.js';
import { editProject } from './edit.js';

const dest = (where: string, namespace: string, byName: boolean | undefined): DestinationArg => (byName === true ? { name: where, namespace } : { server: where, namespace });

export function registerProjDestinations(proj: Command): void {
  examples(
    proj
      .command('add-destination')
      .description('permit a destination cluster and namespace (globs allowed)')
      .argument('<project>')
      .argument('<server>', 'cluster API URL (or name with --name)')
      .argument('<namespace>')
      .option('--name', 'SERVER is a cluster name')
      .action((project: string, server: string, namespace: string, flags: { name?: boolean }, cmd: Command) =>
        editProject(cmd, project, (spec) => addDestination(spec, dest(server, namespace, flags.name)), `destination ${server},${namespace} added`),
      ),
    "kawa proj add-destination team https://kubernetes.default.svc 'team-*'",
    'kawa proj add-destination team prod web --name',
  );
  examples(
    proj
      .command('remove-destination')
      .description('stop permitting a destination')
      .argument('<project>')
      .argument('<server>')
      .argument('<namespace>')
      .option('--name', 'SERVER is a cluster name')
      .action((project: string, server: string, namespace: string, flags: { name?: boolean }, cmd: Command) =>
        editProject(cmd, project, (spec) => removeDestination(spec, dest(server, namespace, flags.name)), `destination ${server},${namespace} removed`),
      ),
    "kawa proj remove-destination team https://kubernetes.default.svc 'team-*'",
  );
}
