// `kawa app set NAME`: changes the spec with the same flags as `app create`.
import type { Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { applySpecFlags, splitAppName, type AppSpecFlags } from '../../services/app-spec.js';
import { examples, getApp, note, sessionOf } from '../common.js';
import { addSpecFlags, specFlagsOf } from './spec-flags.js';

export function registerAppSet(app: Command): void {
  const command = addSpecFlags(app.command('set').description("change an application's settings").argument('<name>', 'NAME or APP-NAMESPACE/NAME')).action(
    async (qualified: string, raw: AppSpecFlags & { helmChart?: string }, cmd: Command) => {
      const s = await sessionOf(cmd);
      const application = await getApp(s, qualified);
      const spec = application.spec;
      applySpecFlags(spec, specFlagsOf(raw));
      await applicationsApi(s.client).updateSpec(splitAppName(qualified), spec);
      note(`application '${qualified}' updated\n`);
    },
  );
  examples(command, 'kawa app set guestbook --revision v2', 'kawa app set guestbook --sync-policy automated --self-heal', 'kawa app set guestbook --helm-set replicaCount=3');
}
