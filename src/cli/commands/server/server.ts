// `kawa server`: the API server role (Argo CD's `argocd-server`), running until SIGINT/SIGTERM; then it
// stops within --shutdown-timeout (open streams are ended, then cut). With --repo-server the manifests and
// diff routes render through a remote `kawa repo-server`, which gets the repository credentials of each
// app's project inside each request; without, the server renders in this process.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseRepoServerUrl } from '../../../reposerver/index.js';
import { startServer } from '../../../server/index.js';
import { waitForServerAccess } from '../../../server/permissions.js';
import { loadKubeConfig } from '../../services/kube.js';
import { roleClusterOptions, type RoleClusterFlags } from '../role-options.js';
import { httpServerPart, roleShutdown, shutdownTimeoutOption } from '../../shutdown.js';

interface ServerFlags extends RoleClusterFlags {
  address: string;
  port: number;
  installCrds: boolean;
  secureCookies: boolean;
  shutdownTimeout?: string;
  repoServer?: string;
}

function port(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!/^\d+$/.test(value) || n > 65_535) throw new InvalidArgumentError('a port from 0 to 65535');
  return n;
}

export function registerServer(program: Command): void {
  roleClusterOptions(program.command('server').description('run the API server (REST API, Swagger UI at /swagger-ui)'))
    .option('--address <ip>', 'listen address', '0.0.0.0')
    .option('--port <port>', 'listen port (0 picks a free one)', port, 8080)
    .option('--install-crds', 'apply the Application and AppProject CRDs at start', false)
    .option('--secure-cookies', 'mark the session cookie Secure (behind TLS)', false)
    .addOption(
      new Option('--repo-server <url>', 'render app manifests and check repositories with this repo server (http://host:port or host:port), sending it the repository credentials each app may use (default: in this process)').env(
        'ARGOCD_SERVER_REPO_SERVER',
      ),
    )
    .option(...shutdownTimeoutOption)
    .action(async (flags: ServerFlags) => {
      const say = (line: string): void => {
        process.stderr.write(`[kawa server] ${line}\n`);
      };
      const repoServer = flags.repoServer === undefined || flags.repoServer === '' ? undefined : parseRepoServerUrl(flags.repoServer);
      const { shutdown, timeoutMs } = roleShutdown(flags.shutdownTimeout, say);
      const kubeConfig = loadKubeConfig(flags.kubeconfig, flags.context);
      if (flags.accessCheck) {
        const log = { info: (_o: object, m: string) => { say(m); }, error: (_o: object, m: string) => { say(m); } };
        await waitForServerAccess(kubeConfig, flags.namespace, log, undefined, { listen: { host: flags.address, port: flags.port }, namespaced: flags.namespaced });
      }
      const server = await startServer({
        kubeConfig,
        namespace: flags.namespace,
        namespaced: flags.namespaced,
        host: flags.address,
        port: flags.port,
        installCrds: flags.installCrds,
        secureCookies: flags.secureCookies,
        ...(repoServer === undefined ? {} : { repoServer }),
      });
      shutdown.add(httpServerPart('API server', server.app.server, () => server.close(), timeoutMs / 2, undefined, say));
      process.stderr.write(`kawa server listening on ${server.address}\n`);
      await shutdown.wait();
    });
}
