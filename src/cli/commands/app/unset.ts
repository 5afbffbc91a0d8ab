// `kawa app unset NAME`: removes parameters and overrides from the spec.
import type { Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName, unsetSpecFlags, type UnsetFlags } from '../../services/app-spec.js';
import { collect, examples, getApp, note, sessionOf } from '../common.js';

/** What `app unset` removes, in the order `--help` lists it. */
const REMOVABLE: readonly (readonly [flag: string, description: string])[] = [
  ['--values <file>', 'Helm values file to remove (repeatable)'],
  ['--helm-set <name>', 'Helm parameter to remove (repeatable)'],
  ['--release-name', 'remove the Helm release name'],
  ['--kustomize-image <name>', 'Kustomize image override to remove (repeatable)'],
  ['--nameprefix', 'remove the Kustomize name prefix'],
  ['--namesuffix', 'remove the Kustomize name suffix'],
  ['--jsonnet-tla <name>', 'Jsonnet top-level argument to remove (repeatable)'],
  ['--sync-option <name>', 'sync option to remove (repeatable)'],
];

export function registerAppUnset(app: Command): void {
  const command = app.command('unset').description('remove parameters and overrides from an application').argument('<name>', 'NAME or APP-NAMESPACE/NAME');
  // A flag with a value names entries of a list (repeatable); one without removes a single setting.
  for (const [flag, description] of REMOVABLE) {
    if (flag.includes('<')) command.option(flag, description, collect);
    else command.option(flag, description);
  }
  command.action(async (qualified: string, flags: UnsetFlags, cmd: Command) => {
    const s = await sessionOf(cmd);
    const application = await getApp(s, qualified);
    if (!unsetSpecFlags(application.spec, flags)) {
      note(`application '${qualified}': nothing to unset\n`);
      return;
    }
    await applicationsApi(s.client).updateSpec(splitAppName(qualified), application.spec);
    note(`application '${qualified}' updated\n`);
  });
  examples(command, 'kawa app unset guestbook --helm-set replicaCount', 'kawa app unset guestbook --values values-prod.yaml --sync-option CreateNamespace');
}
