// `kawa app wait NAME…`: until synced, healthy and no operation runs (or the goals given).
import type { Command } from 'commander';
import { examples, forEachApp, seconds } from '../common.js';
import { printApp, waitForGoals } from './wait-common.js';

interface Flags {
  sync?: boolean;
  health?: boolean;
  operation?: boolean;
  suspended?: boolean;
  degraded?: boolean;
  timeout?: number;
}

export function registerAppWait(app: Command): void {
  const command = app
    .command('wait')
    .description('wait for applications to be synced and healthy (or for the goals given)')
    .argument('<names...>', 'NAME or APP-NAMESPACE/NAME')
    .option('--sync', 'wait until Synced')
    .option('--health', 'wait until Healthy')
    .option('--operation', 'wait until no operation is pending or running')
    .option('--suspended', 'wait until Suspended')
    .option('--degraded', 'wait until Degraded')
    .option('--timeout <seconds>', 'give up after this long (0: no limit)', seconds, 0)
    .action((names: string[], flags: Flags, cmd: Command) =>
      forEachApp(cmd, names, async (s, { name, appNamespace }) => {
        printApp(s, await waitForGoals(s, name, appNamespace, flags, flags.timeout));
      }),
    );
  examples(command, 'kawa app wait guestbook', 'kawa app wait guestbook --health --timeout 120', 'kawa app wait guestbook --operation');
}
