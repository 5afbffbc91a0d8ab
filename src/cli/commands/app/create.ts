// `kawa app create NAME`: an Application from flags, or from `-f app.yaml`.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { UserError, errorCodes, messageOf } from '../../../errors.js';
import type { Application } from '../../../model/index.js';
import { checkObjectMeta } from '../../../model/object-meta.js';
import { applicationsApi } from '../../services/api/applications.js';
import { applicationFromFlags, applySpecFlags, keyValue, type NewAppFlags } from '../../services/app-spec.js';
import { collect, examples, note, sessionOf } from '../common.js';
import { addSpecFlags, specFlagsOf } from './spec-flags.js';

interface CreateFlags extends NewAppFlags {
  file?: string;
  upsert?: boolean;
  helmChart?: string;
  setFinalizer?: boolean;
}

async function readApps(file: string): Promise<Application[]> {
  let text: string;
  try {
    text = file === '-' ? await new Promise<string>((resolve, reject) => {
      let data = '';
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (c: string) => (data += c));
      process.stdin.on('end', () => {
        resolve(data);
      });
      process.stdin.on('error', reject);
    }) : await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot read ${file}: ${messageOf(err)}`);
  }
  return applicationsFromYaml(text, file);
}

/**
 * The Applications of a YAML stream. Null metadata fields (`labels:` with no value) are dropped, as the
 * API server drops them; metadata it would refuse is refused here, naming the file and the field.
 */
export function applicationsFromYaml(text: string, file: string): Application[] {
  const apps: Application[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file}: not YAML: ${doc.errors[0]?.message ?? ''}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const obj = value as Record<string, unknown>;
    const meta = checkObjectMeta(obj['metadata']);
    if (obj['kind'] !== 'Application' || meta.metadata === undefined || obj['spec'] === undefined || obj['spec'] === null) {
      throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file}: every document must be an Application with metadata and spec`);
    }
    if (meta.problems.length > 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file}: ${meta.problems.join('; ')}`);
    apps.push({ ...obj, metadata: meta.metadata } as unknown as Application);
  }
  if (apps.length === 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `${file} holds no Application`);
  return apps;
}

export function registerAppCreate(app: Command): void {
  const command = addSpecFlags(
    app
      .command('create')
      .description('create an application')
      .argument('[name]', 'the application name (or metadata.name of -f)')
      .option('-f, --file <file>', 'create from an Application manifest (YAML/JSON; "-" for stdin)'),
  )
    .option('-l, --label <key=value>', 'label of the Application (repeatable)', collect)
    .option('--annotations <key=value>', 'annotation of the Application (repeatable)', collect)
    .option('-N, --app-namespace <ns>', 'namespace the Application lives in (default: the server\'s)')
    .option('--set-finalizer', 'add the resources finalizer: deleting the app deletes its resources')
    .option('--upsert', 'replace the app if it exists with another spec')
    .action(async (name: string | undefined, raw: CreateFlags, cmd: Command) => {
      const flags = specFlagsOf(raw);
      const apps: Application[] = [];
      if (raw.file !== undefined) {
        for (const obj of await readApps(raw.file)) {
          if (name !== undefined) obj.metadata.name = name;
          applySpecFlags(obj.spec, flags);
          for (const l of flags.label ?? []) {
            const [k, v] = keyValue(l, '--label');
            obj.metadata.labels = { ...obj.metadata.labels, [k]: v };
          }
          apps.push(obj);
        }
      } else {
        if (name === undefined) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'give the application NAME (or -f app.yaml)');
        apps.push(applicationFromFlags(name, { ...flags, ...(raw.setFinalizer === true ? { finalizer: true } : {}) }));
      }
      const applications = applicationsApi((await sessionOf(cmd)).client);
      for (const obj of apps) {
        const created = await applications.create(obj, raw.upsert);
        note(`application '${created.metadata.name}' created\n`);
      }
    });
  examples(
    command,
    'kawa app create guestbook --repo https://github.com/argoproj/argocd-example-apps.git --path guestbook \\',
    '    --dest-server https://kubernetes.default.svc --dest-namespace default',
    'kawa app create web --repo https://charts.example.com --helm-chart web --revision 1.2.3 --dest-name prod --dest-namespace web \\',
    '    --helm-set replicaCount=2 --sync-policy automated --auto-prune --self-heal --sync-option CreateNamespace=true',
    'kawa app create -f guestbook.yaml --upsert',
  );
}
