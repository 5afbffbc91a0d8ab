// `kawa app delete NAME…`: deletes applications (and, cascading, their resources).
import { Option, type Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes } from '../../../errors.js';
import { ApiRequestError } from '../../services/api.js';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { kawaCommand } from '../../services/kawa-command.js';
import { confirm } from '../../services/prompt.js';
import { examples, note, seconds, sessionOf } from '../common.js';

interface Flags {
  cascade: boolean;
  propagationPolicy?: string;
  yes?: boolean;
  wait?: boolean;
  timeout?: number;
}

function parseBool(value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--cascade wants true or false, got "${value}"`);
}

export function registerAppDelete(app: Command): void {
  const command = app
    .command('delete')
    .alias('rm')
    .description('delete applications; with --cascade (the default) their resources too')
    .argument('<names...>', 'NAME or APP-NAMESPACE/NAME')
    .option('--cascade [bool]', 'also delete the resources the app manages (--cascade=false keeps them)', parseBool, true)
    .addOption(new Option('-p, --propagation-policy <policy>', 'how cascading deletes the resources').choices(['foreground', 'background']))
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'wait until the application is gone')
    .option('--timeout <seconds>', 'with --wait: give up after this long (0: no limit)', seconds, 0)
    .action(async (names: string[], flags: Flags, cmd: Command) => {
      if (!flags.cascade && flags.propagationPolicy !== undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, '--propagation-policy needs --cascade');
      const applications = applicationsApi((await sessionOf(cmd)).client);
      for (const qualified of names) {
        if (flags.yes !== true) {
          const what = flags.cascade ? `'${qualified}' and all its resources` : `'${qualified}' (its resources stay)`;
          if (!(await confirm(`Are you sure you want to delete ${what}?`, '-y'))) {
            note(`'${qualified}' kept\n`);
            continue;
          }
        }
        const id = splitAppName(qualified);
        await applications.delete(id, { cascade: flags.cascade, propagationPolicy: flags.propagationPolicy });
        note(`application '${qualified}' deleted${flags.cascade ? ' (its resources are being deleted)' : ''}\n`);
        if (flags.wait === true) {
          const deadline = flags.timeout === undefined || flags.timeout === 0 ? Infinity : Date.now() + flags.timeout * 1000;
          for (;;) {
            try {
              await applications.get(id);
            } catch (err) {
              // The server answers 403 for an app that does not exist (as Argo CD: not to reveal names); we could delete it, so it is gone.
              if (err instanceof ApiRequestError && (err.status === 404 || err.status === 403)) break;
              throw err;
            }
            if (Date.now() > deadline) throw new UserError(errorCodes.CLI_TIMEOUT, `'${qualified}' still exists after ${flags.timeout ?? 0}s: its finalizers wait for the controller; check \`${kawaCommand(['app', 'get', qualified])}\``);
            await sleep(1000);
          }
          note(`application '${qualified}' is gone\n`);
        }
      }
    });
  examples(command, 'kawa app delete guestbook', 'kawa app delete guestbook -y --cascade=false     # keep the resources', 'kawa app delete guestbook -y -p background --wait');
}
