// `kawa version`: the client's version and the server's (`GET /api/version`).
import type { Command } from 'commander';
import { KAWA_VERSION } from '../../../version.js';
import { versionApi } from '../../services/api/version.js';
import { toJson, toYaml } from '../../services/table.js';
import { examples, out, outputOption, sessionOf } from '../common.js';

export function registerVersion(program: Command): void {
  const command = program
    .command('version')
    .description('print the client and server versions')
    .option('--client', 'client version only (no server needed)')
    .addOption(outputOption(['json', 'yaml', 'wide']))
    .action(async (flags: { client?: boolean; output?: string }, cmd: Command) => {
      const client = { Version: `v${KAWA_VERSION}`, Platform: `${process.platform}/${process.arch}`, NodeVersion: process.version };
      const structuredOutput = flags.output === 'json' || flags.output === 'yaml';
      // The client's part first, so it shows even when the server cannot be reached.
      if (!structuredOutput) out(`kawa: ${client.Version}\n  Platform: ${client.Platform}\n  Node.js: ${client.NodeVersion}\n`);
      let server: Record<string, string> | undefined;
      if (flags.client !== true) {
        server = await versionApi((await sessionOf(cmd)).client).get();
      }
      if (structuredOutput) {
        const doc = { client, ...(server === undefined ? {} : { server }) };
        out(flags.output === 'json' ? toJson(doc) : toYaml(doc));
        return;
      }
      if (server !== undefined) {
        out(`kawa-server: ${server['Version'] ?? 'unknown'}\n`);
        for (const [key, value] of Object.entries(server)) if (key !== 'Version' && value !== '') out(`  ${key}: ${value}\n`);
      }
    });
  examples(command, 'kawa version', 'kawa version --client', 'kawa version -o json');
}
