// `npm run cluster:up|down|status` and `npm run tools:build`: the local control plane for development and tests.
import { Command, InvalidArgumentError } from 'commander';
import { isKawaError, messageOf } from '../../src/errors.js';
import { ensureTools } from '../../src/tools/build-tools.js';
import { DEFAULT_CLUSTER, down, status, up } from '../../src/localcluster/cluster.js';
import { loadPins, projectRoot } from '../../src/tools/pins.js';

const log = (line: string): void => {
  process.stderr.write(`[cluster] ${line}\n`);
};

function positiveInt(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new InvalidArgumentError('a number from 1 to 20');
  return n;
}

const program = new Command('cluster').description('kawa local control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)');

program
  .command('build')
  .description('build the pinned binaries into ~/.cache/kawa/bin (nothing is rebuilt when cached)')
  .option('--only <binaries...>', 'build only the groups providing these binaries')
  .action(async (opts: { only?: string[] }) => {
    const paths = await ensureTools(loadPins(), { ...(opts.only ? { only: opts.only } : {}), log });
    for (const [binary, file] of Object.entries(paths)) process.stdout.write(`${binary}\t${file}\n`);
  });

program
  .command('up')
  .description('start a control plane on loopback and write its admin kubeconfig under .kawa/')
  .option('--name <name>', 'cluster name (writes .kawa/<name>.kubeconfig)', DEFAULT_CLUSTER)
  .option('--nodes <n>', 'number of kwok nodes', positiveInt, 2)
  .action(async (opts: { name: string; nodes: number }) => {
    const started = Date.now();
    const state = await up({ root: projectRoot(), name: opts.name, nodes: opts.nodes, log });
    log(`cluster "${state.name}" up at ${state.server} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    process.stdout.write(`export KUBECONFIG=${state.kubeconfig}\n`);
  });

program
  .command('down')
  .description('stop every process of the named cluster and remove its data')
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER)
  .action(async (opts: { name: string }) => {
    const stopped = await down({ root: projectRoot(), name: opts.name });
    log(stopped.length ? `stopped ${stopped.join(', ')}` : `cluster "${opts.name}" was not running`);
  });

program
  .command('status')
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER)
  .action(async (opts: { name: string }) => {
    const s = await status({ root: projectRoot(), name: opts.name });
    process.stdout.write(s.running && s.state ? `running ${s.state.server} kubeconfig=${s.state.kubeconfig}\n` : 'not running\n');
    process.exitCode = s.running ? 0 : 1;
  });

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`error: ${messageOf(err)}\n`);
  if (isKawaError(err)) process.stderr.write(`(${err.code})\n`);
  process.exitCode = 1;
}
