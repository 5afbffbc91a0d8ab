// `kawa proj allow-cluster-resource | deny-cluster-resource PROJECT GROUP KIND`.
import { Option, type Command } from 'commander';
import { allowClusterResource, denyClusterResource } from '../../services/projects.js';
import { examples } from '../common.js';
import { editProject } from './edit.js';

const listOption = (): Option => new Option('-l, --list <list>', 'the list to change: allow or deny').choices(['allow', 'deny']).default('allow');

export function registerProjClusterResources(proj: Command): void {
  examples(
    proj
      .command('allow-cluster-resource')
      .description('allow a cluster-scoped kind (adds to the allow list, or with --list deny removes from the deny list)')
      .argument('<project>')
      .argument('<group>', 'API group ("" or core for the core group)')
      .argument('<kind>')
      .addOption(listOption())
      .action((project: string, group: string, kind: string, flags: { list: 'allow' | 'deny' }, cmd: Command) =>
        editProject(cmd, project, (spec) => allowClusterResource(spec, group === 'core' ? '' : group, kind, flags.list), `cluster resource ${group}/${kind} allowed`),
      ),
    "kawa proj allow-cluster-resource team '' Namespace",
    'kawa proj allow-cluster-resource team rbac.authorization.k8s.io ClusterRole',
  );
  examples(
    proj
      .command('deny-cluster-resource')
      .description('deny a cluster-scoped kind (removes from the allow list, or with --list deny adds to the deny list)')
      .argument('<project>')
      .argument('<group>')
      .argument('<kind>')
      .addOption(listOption())
      .action((project: string, group: string, kind: string, flags: { list: 'allow' | 'deny' }, cmd: Command) =>
        editProject(cmd, project, (spec) => denyClusterResource(spec, group === 'core' ? '' : group, kind, flags.list), `cluster resource ${group}/${kind} denied`),
      ),
    "kawa proj deny-cluster-resource team '' Namespace",
  );
}
