// `kawa admin export` / `kawa admin import`: backup and restore as YAML.
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import type { KubeDoc } from '../../services/backup.js';
import { toYamlStream } from '../../services/table.js';
import { examples, group, note, out } from '../common.js';
import { kubeAccessOptions, kubeConfigOf, type KubeAccessFlags } from './kube-access.js';

interface Flags extends KubeAccessFlags {
  outFile?: string;
  dryRun?: boolean;
}

async function readStdin(): Promise<string> {
  let data = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) data += chunk as string;
  return data;
}

export function registerAdminBackup(program: Command): void {
  const admin = group(program, 'admin', 'administer kawa');
  examples(
    kubeAccessOptions(admin.command('export').description('export Applications, AppProjects, settings and repository/cluster Secrets as YAML (contains secrets: keep it safe)'), 'kubeconfig')
      .option('--out-file <file>', 'write to this file (mode 0600) instead of stdout')
      .action(async (flags: Flags) => {
        const { exportAll } = await import('../../services/backup.js');
        const docs = await exportAll(await kubeConfigOf(flags), flags.namespace);
        const text = toYamlStream(docs);
        if (flags.outFile === undefined) out(text);
        else await writeFile(flags.outFile, text, { mode: 0o600 });
        note(`exported ${docs.length} objects from namespace ${flags.namespace}\n`);
      }),
    'kawa admin export -n argocd > backup.yaml',
    'kawa admin export --out-file backup.yaml',
  );
  examples(
    kubeAccessOptions(
      admin.command('import').description('restore objects written by `kawa admin export` (creates what is missing, replaces what exists)').argument('<file>', 'the export, or - for stdin'),
      'kubeconfig',
    )
      .option('--dry-run', 'check with the API server, change nothing')
      .action(async (file: string, flags: Flags) => {
        let text: string;
        try {
          text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
        } catch (err) {
          throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot read ${file}: ${messageOf(err)}`);
        }
        const docs: KubeDoc[] = [];
        for (const doc of parseAllDocuments(text)) {
          if (doc.errors.length > 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file}: not YAML: ${doc.errors[0]?.message ?? ''}; nothing was imported`);
          const value = doc.toJS() as unknown;
          if (value !== null && typeof value === 'object') docs.push(value as KubeDoc);
        }
        // Loaded on use: @kubernetes/client-node is heavy (CLI start-up time).
        const { importAll } = await import('../../services/backup.js');
        const result = await importAll(await kubeConfigOf(flags), flags.namespace, docs, { dryRun: flags.dryRun === true });
        for (const what of result.created) note(`created ${what}\n`);
        for (const what of result.updated) note(`updated ${what}\n`);
        note(`imported ${docs.length} objects into namespace ${flags.namespace}${flags.dryRun === true ? ' (dry run)' : ''}\n`);
      }),
    'kawa admin import backup.yaml -n argocd',
    'kawa admin export -n old | kawa admin import - -n new',
  );
}
