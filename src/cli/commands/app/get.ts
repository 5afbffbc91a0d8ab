// `kawa app get NAME`: argocd's key/value header and resource table; `-o tree|json|yaml|wide`.
import type { Command } from 'commander';
import { UserError, errorCodes } from '../../../errors.js';
import { applicationsApi, type TreeNode } from '../../services/api/applications.js';
import { appHeader, resourceTable, treeTable } from '../../services/app-format.js';
import { splitAppName } from '../../services/app-spec.js';
import { outPaint } from '../../services/io.js';
import { structured } from '../../services/table.js';
import { examples, getApp, out, outputFormat, outputOption, sessionOf } from '../common.js';

interface GetFlags {
  refresh?: boolean;
  hardRefresh?: boolean;
  showOperation?: boolean;
  showParams?: boolean;
  output?: string;
}

export function registerAppGet(app: Command): void {
  const command = app
    .command('get')
    .description('show an application: settings, sync and health status, resources')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .option('--refresh', 'compare with the latest git state first')
    .option('--hard-refresh', 'refresh and also regenerate the manifests (ignores the manifest cache)')
    .option('--show-operation', 'show the last (or running) operation')
    .option('--show-params', 'show the Helm parameters and Kustomize overrides')
    .addOption(outputOption(['json', 'yaml', 'wide', 'tree']))
    .action(async (qualified: string, flags: GetFlags, cmd: Command) => {
      if (flags.refresh === true && flags.hardRefresh === true) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'give --refresh or --hard-refresh, not both');
      const s = await sessionOf(cmd);
      const refresh = flags.hardRefresh === true ? 'hard' : flags.refresh === true ? 'normal' : undefined;
      const application = await getApp(s, qualified, { refresh });
      const format = outputFormat(flags.output, ['json', 'yaml', 'wide', 'tree']);
      const data = structured(format, application);
      if (data !== undefined) {
        out(data);
        return;
      }
      const paint = outPaint();
      const { name, appNamespace } = splitAppName(qualified);
      let text = appHeader(application, `${s.client.baseUrl}/applications/${appNamespace === undefined ? '' : `${appNamespace}/`}${name}`, { showOperation: flags.showOperation === true });
      if (flags.showParams === true) {
        const source = application.spec.sources?.[0] ?? application.spec.source;
        const params = [
          ...(source?.helm?.parameters ?? []).map((p) => `  ${p.name ?? ''}=${p.value ?? ''}`),
          ...(source?.kustomize?.images ?? []).map((i) => `  image ${i}`),
          ...(source?.directory?.jsonnet?.tlas ?? []).map((t) => `  tla ${t.name}=${t.value}`),
        ];
        text += `\nPARAMETERS\n${params.length === 0 ? '  <none>\n' : `${params.join('\n')}\n`}`;
      }
      if (format === 'tree') {
        const tree = await applicationsApi(s.client)
          .resourceTree({ name, appNamespace })
          .catch(() => ({ nodes: [] as TreeNode[] }));
        text += `\n${treeTable(application, tree.nodes ?? [], paint)}`;
      } else {
        text += `\n${resourceTable(application, paint)}`;
      }
      out(text);
    });
  examples(command, 'kawa app get guestbook', 'kawa app get guestbook --refresh --show-operation', 'kawa app get guestbook -o tree', 'kawa app get guestbook -o yaml');
}
