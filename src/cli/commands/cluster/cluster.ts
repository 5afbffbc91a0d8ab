// `kawa cluster add CONTEXT | list | get | rm`: destination clusters (Argo CD's ClusterService).
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { IN_CLUSTER_SERVER } from '../../../model/index.js';
import { clustersApi } from '../../services/api/clusters.js';
import { confirm } from '../../services/prompt.js';
import { clusterTable } from '../../services/repos.js';
import { collect, examples, group, note, sessionOf } from '../common.js';
import { listVerb, removeVerb, showVerb } from '../verbs.js';

interface AddFlags {
  kubeconfig?: string;
  name?: string;
  namespace?: string[];
  systemNamespace: string;
  inCluster?: boolean;
  project?: string;
  upsert?: boolean;
  yes?: boolean;
  clusterResources?: boolean;
}

export function registerCluster(program: Command): void {
  const cluster = group(program, 'cluster', 'manage destination clusters');
  examples(
    cluster
      .command('add')
      .description('register the cluster of a kubeconfig context: creates ServiceAccount argocd-manager with a token there, then adds the cluster to kawa')
      .argument('<context>', 'kubeconfig context of the cluster')
      .option('--kubeconfig <file>', 'kubeconfig file (default $KUBECONFIG, ~/.kube/config)')
      .option('--name <name>', 'cluster name in kawa (default: the context name)')
      .option('--namespace <ns>', 'only manage this namespace (repeatable); without it: the whole cluster', collect)
      .option('--cluster-resources', 'with --namespace: also manage cluster-scoped resources')
      .option('--system-namespace <ns>', 'namespace of the ServiceAccount', 'kube-system')
      .option('--in-cluster', 'register as https://kubernetes.default.svc (kawa runs in that cluster)')
      .option('--project <name>', 'scope the cluster to a project')
      .option('--upsert', 'replace a cluster of the same server')
      .option('-y, --yes', 'do not ask for confirmation')
      .action(async (context: string, flags: AddFlags, cmd: Command) => {
        // Loaded on use: @kubernetes/client-node is heavy and only `cluster add` needs it (CLI start-up time).
        const { loadKubeConfig } = await import('../../services/kube.js');
        const { clusterCaData, installManager } = await import('../../services/cluster-add.js');
        const kc = loadKubeConfig(flags.kubeconfig, context);
        const server = flags.inCluster === true ? IN_CLUSTER_SERVER : (kc.getCurrentCluster()?.server ?? '');
        const scope = (flags.namespace ?? []).length === 0 ? 'full cluster-level privileges' : `access to namespaces ${(flags.namespace ?? []).join(', ')}`;
        if (flags.yes !== true && !(await confirm(`This creates ServiceAccount "argocd-manager" in context "${context}" with ${scope}. Continue?`, '-y'))) {
          note('cancelled\n');
          return;
        }
        const s = await sessionOf(cmd);
        const token = await installManager(kc, { systemNamespace: flags.systemNamespace, namespaces: flags.namespace ?? [], log: (line) => {
            note(`${line}\n`);
          } });
        const caData = clusterCaData(kc);
        const skipTls = kc.getCurrentCluster()?.skipTLSVerify === true;
        await clustersApi(s.client).create(
          {
            server,
            name: flags.name ?? context,
            config: { bearerToken: token, tlsClientConfig: { insecure: skipTls, ...(caData === undefined ? {} : { caData }) } },
            ...((flags.namespace ?? []).length > 0 ? { namespaces: flags.namespace, clusterResources: flags.clusterResources === true } : {}),
            ...(flags.project === undefined ? {} : { project: flags.project }),
          },
          flags.upsert,
        );
        note(`Cluster '${server}' added\n`);
      }),
    'kawa cluster add prod-admin --name prod -y',
    'kawa cluster add staging --namespace web --namespace api     # namespace-scoped',
  );
  examples(
    listVerb(cluster, { description: 'list clusters', list: async (s) => (await clustersApi(s.client).list()).items ?? [], nameOf: (c) => c.server, table: clusterTable }),
    'kawa cluster list',
  );
  examples(
    showVerb(cluster, 'get', {
      description: 'show a cluster (by server URL, or by name with --name)',
      argument: ['<server>', 'server URL or name'],
      fetch: (s, server) => clustersApi(s.client).get(server),
      text: (c) => clusterTable([c]),
    }),
    'kawa cluster get https://10.0.0.1:6443',
    'kawa cluster get prod',
  );
  examples(
    removeVerb(cluster, {
      description: 'remove clusters from kawa (the ServiceAccount in the cluster stays)',
      argument: ['<servers...>', 'server URLs or names'],
      options: (command) => command.option('-y, --yes', 'do not ask for confirmation'),
      check: (server, flags: { yes?: boolean }) => {
        if (server === IN_CLUSTER_SERVER && flags.yes !== true) {
          throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'removing the in-cluster destination breaks the apps deployed there: pass -y if you mean it');
        }
      },
      remover: (s) => clustersApi(s.client).delete,
      removed: (server) => `Cluster '${server}' removed\n`,
    }),
    'kawa cluster rm https://10.0.0.1:6443',
  );
}
