// `kawa app sync NAME…`: starts a sync and follows it (phases, waves, per-resource results on stderr).
import { Option, type Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { syncRequest, type SyncFlags } from '../../services/sync-request.js';
import { collect, examples, forEachApp, note, seconds } from '../common.js';
import { waitForOperation } from './wait-common.js';

interface Flags extends SyncFlags {
  async?: boolean;
  timeout?: number;
}

export function registerAppSync(app: Command): void {
  const command = app
    .command('sync')
    .description('sync applications to their target state, following the operation until it ends')
    .argument('<names...>', 'NAME or APP-NAMESPACE/NAME (several allowed)')
    .option('--revision <rev>', 'sync to this revision instead of the target revision')
    .option('--prune', 'delete resources that are no longer in git')
    .option('--dry-run', 'preview: apply nothing')
    .option('--force', 'delete and re-create resources that cannot be patched')
    .option('--replace', 'kubectl replace/create instead of apply (Replace=true)')
    .option('--server-side', 'server-side apply (ServerSideApply=true)')
    .option('--apply-out-of-sync-only', 'apply only resources that are out of sync')
    .addOption(new Option('--strategy <strategy>', 'apply (no hooks) or hook').choices(['apply', 'hook']))
    .option('--resource <GROUP:KIND:NAME>', 'sync only this resource (repeatable; empty GROUP for core kinds)', collect)
    .option('--sync-option <opt>', 'extra sync option NAME=VALUE (repeatable)', collect)
    .option('--async', 'start the sync and return without waiting')
    .option('--timeout <seconds>', 'give up waiting after this long (0: wait until done)', seconds, 0)
    .action((names: string[], flags: Flags, cmd: Command) =>
      forEachApp(cmd, names, async (s, id, qualified) => {
        await applicationsApi(s.client).sync(id, syncRequest(id.name, { ...flags, ...(id.appNamespace === undefined ? {} : { appNamespace: id.appNamespace }) }));
        note(`sync of '${qualified}' started${flags.dryRun === true ? ' (dry run)' : ''}\n`);
        if (flags.async !== true) await waitForOperation(s, id.name, id.appNamespace, flags.timeout);
      }),
    );
  examples(
    command,
    'kawa app sync guestbook',
    'kawa app sync guestbook --prune --timeout 300',
    'kawa app sync guestbook --resource apps:Deployment:guestbook-ui --resource :Service:guestbook-ui',
    'kawa app sync guestbook --dry-run --revision 5f2c1e0',
    'kawa app sync guestbook --async && kawa app wait guestbook --health',
  );
}
