// `kawa app manifests NAME`: the target manifests (from git) or the live objects, as YAML.
import { Option, type Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { cleanObject, parseState } from '../../services/diff.js';
import { toYamlStream } from '../../services/table.js';
import { examples, out, sessionOf } from '../common.js';

export function registerAppManifests(app: Command): void {
  const command = app
    .command('manifests')
    .description("print an application's manifests: the target state from git, or the live objects")
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .addOption(new Option('--source <source>', 'git (target) or live').choices(['git', 'live']).default('git'))
    .option('--revision <rev>', 'with --source git: the manifests of this revision')
    .action(async (qualified: string, flags: { source: 'git' | 'live'; revision?: string }, cmd: Command) => {
      const applications = applicationsApi((await sessionOf(cmd)).client);
      const id = splitAppName(qualified);
      let objects: unknown[];
      if (flags.source === 'live') {
        const managed = await applications.managedResources(id);
        objects = (managed.items ?? []).map((i) => parseState(i.liveState)).filter((o) => o !== null).map(cleanObject);
      } else {
        const answer = await applications.manifests(id, flags.revision);
        objects = (answer.manifests ?? []).map((m) => JSON.parse(m) as unknown);
      }
      out(toYamlStream(objects));
    });
  examples(command, 'kawa app manifests guestbook', 'kawa app manifests guestbook --source live', 'kawa app manifests guestbook --revision v2 > v2.yaml');
}
