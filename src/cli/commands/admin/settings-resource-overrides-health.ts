// `kawa admin settings resource-overrides health FILE... [--argocd-cm-path CM] [-o json|wide]`: Argo CD's
// offline health check, extended to several files. Exit 1 if any input could not be read or parsed.
import { Command, Option } from 'commander';
import { assessHealthFiles, formatHealthJson, formatHealthTable } from '../../../engine/health/offline.js';

/** The child command `name` of `parent`, created on first use so sibling commands can share parents. */
function subcommand(parent: Command, name: string, description: string): Command {
  return parent.commands.find((command) => command.name() === name) ?? parent.command(name).description(description);
}

interface HealthFlags {
  argocdCmPath?: string;
  output?: 'json' | 'wide';
}

export function registerSettingsResourceOverridesHealth(program: Command): void {
  const admin = subcommand(program, 'admin', 'administer kawa');
  const settings = subcommand(admin, 'settings', 'check argocd-cm settings without a cluster');
  const overrides = subcommand(settings, 'resource-overrides', 'troubleshoot resource overrides (resource.customizations)');
  overrides
    .command('health')
    .description('assess the health of the objects in FILEs with the built-in checks and the Lua health scripts of a local argocd-cm')
    .argument('<file...>', 'YAML or JSON files (several documents each; Lists are expanded)')
    .option('--argocd-cm-path <path>', 'path to a local argocd-cm.yaml with resource.customizations')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'wide']))
    .action(async (files: string[], flags: HealthFlags) => {
      const report = await assessHealthFiles(files, flags.argocdCmPath === undefined ? {} : { argocdCmPath: flags.argocdCmPath });
      if (flags.output === 'json') {
        process.stdout.write(formatHealthJson(report.rows));
      } else {
        process.stdout.write(formatHealthTable(report.rows, flags.output === 'wide'));
        for (const row of report.rows) {
          if (row.output === undefined) continue;
          const what = row.name === undefined ? row.kind : `${row.kind}/${row.name}`;
          process.stderr.write(`${row.file}:${row.line} ${what}: script output:\n${row.output}`);
        }
      }
      for (const error of report.errors) process.stderr.write(`error: ${error}\n`);
      if (report.errors.length > 0) process.exitCode = 1;
    });
}
