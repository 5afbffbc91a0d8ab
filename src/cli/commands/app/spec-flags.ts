// The source/destination/sync-policy flags `app create` and `app set` share (Argo CD's names).
import { Option, type Command } from 'commander';
import { collect } from '../common.js';

export function addSpecFlags(command: Command): Command {
  return command
    .option('--repo <url>', 'repository URL (git, Helm or OCI)')
    .option('--path <path>', 'path of the app in the repository')
    .option('--revision <rev>', 'branch, tag, commit or chart version to track (default HEAD)')
    .option('--helm-chart <chart>', 'chart name, for a Helm repository source')
    .option('--dest-server <url>', 'destination cluster API URL (https://kubernetes.default.svc: the cluster kawa runs in)')
    .option('--dest-name <name>', 'destination cluster name (instead of --dest-server)')
    .option('--dest-namespace <ns>', 'destination namespace')
    .option('--project <name>', 'project of the app (create: default "default")')
    .addOption(new Option('--sync-policy <policy>', 'automated or none').choices(['automated', 'automatic', 'auto', 'none', 'manual']))
    .option('--auto-prune', 'automated sync deletes resources that are no longer in git')
    .option('--self-heal', 'automated sync reverts changes made in the cluster')
    .option('--allow-empty', 'automated sync may sync to an empty set of resources')
    .option('--sync-option <opt>', 'sync option NAME=VALUE, e.g. CreateNamespace=true (repeatable)', collect)
    .option('--helm-set <name=value>', 'Helm parameter (repeatable)', collect)
    .option('--helm-set-string <name=value>', 'Helm string parameter (repeatable)', collect)
    .option('--values <file>', 'Helm values file in the repository (repeatable)', collect)
    .option('--release-name <name>', 'Helm release name')
    .option('--kustomize-image <image>', 'Kustomize image override, e.g. nginx=nginx:1.27 (repeatable)', collect)
    .option('--nameprefix <prefix>', 'Kustomize name prefix')
    .option('--namesuffix <suffix>', 'Kustomize name suffix')
    .option('--jsonnet-tla <name=value>', 'Jsonnet top-level argument (repeatable)', collect)
    .option('--jsonnet-ext-var <name=value>', 'Jsonnet external variable (repeatable)', collect)
    .option('--directory-recurse', 'read the directory recursively')
    .option('--revision-history-limit <n>', 'how many history entries to keep');
}

/** commander names the chart flag `helmChart`; the spec service calls it `chart`. */
export function specFlagsOf<T extends { helmChart?: string }>(flags: T): Omit<T, 'helmChart'> & { chart?: string } {
  const { helmChart, ...rest } = flags;
  return { ...rest, ...(helmChart === undefined ? {} : { chart: helmChart }) };
}
