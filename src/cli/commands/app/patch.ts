// `kawa app patch NAME --patch …`: a JSON (RFC 6902) or merge (RFC 7386) patch of the Application.
import { Option, type Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { structured } from '../../services/table.js';
import { examples, note, out, outputFormat, outputOption, sessionOf } from '../common.js';

export function registerAppPatch(app: Command): void {
  const command = app
    .command('patch')
    .description('patch an application')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .requiredOption('--patch <json>', 'the patch document (JSON)')
    .addOption(new Option('--type <type>', 'json (RFC 6902) or merge (RFC 7386)').choices(['json', 'merge']).default('json'))
    .addOption(outputOption(['json', 'yaml']))
    .action(async (qualified: string, flags: { patch: string; type: 'json' | 'merge'; output?: string }, cmd: Command) => {
      try {
        JSON.parse(flags.patch);
      } catch {
        throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, '--patch is not JSON: quote it, e.g. --patch \'{"spec":{"project":"team"}}\'');
      }
      const patched = await applicationsApi((await sessionOf(cmd)).client).patch(splitAppName(qualified), flags.patch, flags.type);
      const data = structured(outputFormat(flags.output, ['json', 'yaml']), patched);
      if (data !== undefined) out(data);
      else note(`application '${qualified}' patched\n`);
    });
  examples(
    command,
    `kawa app patch guestbook --patch '[{"op":"replace","path":"/spec/source/targetRevision","value":"v2"}]'`,
    `kawa app patch guestbook --type merge --patch '{"spec":{"syncPolicy":{"automated":{}}}}'`,
  );
}
