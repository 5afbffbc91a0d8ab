// `kawa proj windows add PROJECT`: a sync window.
import { Option, type Command } from 'commander';
import type { SyncWindow } from '../../../model/index.js';
import { addWindow } from '../../services/projects.js';
import { examples, group } from '../common.js';
import { editProject } from './edit.js';

interface Flags {
  kind: 'allow' | 'deny';
  schedule?: string;
  duration?: string;
  applications?: string;
  namespaces?: string;
  clusters?: string;
  manualSync?: boolean;
  timeZone?: string;
  description?: string;
}

const list = (text: string | undefined): string[] | undefined => (text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter((s) => s !== ''));

export function registerProjWindows(proj: Command): void {
  const windows = group(proj, 'windows', 'manage sync windows');
  examples(
    windows
      .command('add')
      .description('add a sync window')
      .argument('<project>')
      .addOption(new Option('-k, --kind <kind>', 'allow or deny').choices(['allow', 'deny']).makeOptionMandatory())
      .requiredOption('--schedule <cron>', 'when the window opens, cron (5 fields)')
      .requiredOption('--duration <duration>', 'how long it stays open, e.g. 1h')
      .option('--applications <list>', 'comma-separated app names or globs')
      .option('--namespaces <list>', 'comma-separated namespaces or globs')
      .option('--clusters <list>', 'comma-separated cluster servers or globs')
      .option('--manual-sync', 'allow manual syncs while the window denies')
      .option('--time-zone <tz>', 'time zone of the schedule (default UTC)')
      .option('--description <text>', 'description')
      .action((project: string, flags: Flags, cmd: Command) => {
        const window: SyncWindow = {
          kind: flags.kind,
          schedule: flags.schedule,
          duration: flags.duration,
          ...(list(flags.applications) === undefined ? {} : { applications: list(flags.applications) }),
          ...(list(flags.namespaces) === undefined ? {} : { namespaces: list(flags.namespaces) }),
          ...(list(flags.clusters) === undefined ? {} : { clusters: list(flags.clusters) }),
          ...(flags.manualSync === true ? { manualSync: true } : {}),
          ...(flags.timeZone === undefined ? {} : { timeZone: flags.timeZone }),
          ...(flags.description === undefined ? {} : { description: flags.description }),
        };
        return editProject(cmd, project, (spec) => {
          addWindow(spec, window);
          return true;
        }, `${flags.kind} window added`);
      }),
    "kawa proj windows add team --kind deny --schedule '0 22 * * *' --duration 8h --applications '*' --manual-sync",
  );
}
