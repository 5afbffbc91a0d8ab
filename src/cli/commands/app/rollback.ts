// `kawa app rollback NAME [ID]`: re-deploys a history entry (the previous one by default) and follows it.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import type { Application } from '../../../model/index.js';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { kawaCommand } from '../../services/kawa-command.js';
import { examples, getApp, note, seconds, sessionOf } from '../common.js';
import { waitForOperation } from './wait-common.js';

interface Flags {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  async?: boolean;
  timeout?: number;
}

/** The history id to roll back to: ID, the entry of --revision, or the one before the latest. */
export function rollbackTarget(app: Application, id: string | undefined, revision: string | undefined): number {
  const history = [...(app.status?.history ?? [])].sort((a, b) => a.id - b.id);
  if (id !== undefined) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `the history ID must be a whole number, got "${id}" (see \`${kawaCommand(['app', 'history', app.metadata.name])}\`)`);
    return n;
  }
  if (revision !== undefined) {
    const entry = [...history].reverse().find((h) => (h.revision ?? '').startsWith(revision) || (h.revisions ?? []).some((r) => r.startsWith(revision)));
    if (entry === undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `no history entry of ${app.metadata.name} has revision ${revision}: see \`${kawaCommand(['app', 'history', app.metadata.name])}\``);
    return entry.id;
  }
  const previous = history[history.length - 2];
  if (previous === undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${app.metadata.name} has no earlier deployment to roll back to: see \`${kawaCommand(['app', 'history', app.metadata.name])}\``);
  return previous.id;
}

export function registerAppRollback(app: Command): void {
  const command = app
    .command('rollback')
    .description('roll back to a deployment of the history (default: the previous one)')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .argument('[id]', 'history ID (see `kawa app history`)')
    .option('--revision <sha>', 'roll back to the latest deployment of this revision')
    .option('--prune', 'delete resources that are not in that deployment')
    .option('--dry-run', 'preview: apply nothing')
    .option('--async', 'start the rollback and return')
    .option('--timeout <seconds>', 'give up waiting after this long (0: no limit)', seconds, 0)
    .action(async (qualified: string, id: string | undefined, flags: Flags, cmd: Command) => {
      if (id !== undefined && flags.revision !== undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'give an ID or --revision, not both');
      const s = await sessionOf(cmd);
      const current = await getApp(s, qualified);
      const target = rollbackTarget(current, id, flags.revision);
      const { name, appNamespace } = splitAppName(qualified);
      await applicationsApi(s.client).rollback({ name, appNamespace }, target, { prune: flags.prune, dryRun: flags.dryRun });
      note(`rollback of '${qualified}' to history entry ${target} started\n`);
      if (flags.async !== true) await waitForOperation(s, name, appNamespace, flags.timeout);
    });
  examples(command, 'kawa app rollback guestbook          # to the previous deployment', 'kawa app rollback guestbook 0', 'kawa app rollback guestbook --revision 5f2c1e0');
}
