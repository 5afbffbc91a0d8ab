// `kawa app logs NAME`: logs of the app's Pods, through the server (RBAC `logs, get`).
import type { Command } from 'commander';
import { applicationsApi } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { examples, out, sessionOf } from '../common.js';

interface Flags {
  pod?: string;
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  container?: string;
  follow?: boolean;
  tail?: string;
  sinceSeconds?: string;
  previous?: boolean;
  filter?: string;
}

export function registerAppLogs(app: Command): void {
  const command = app
    .command('logs')
    .description("print the logs of an application's Pods")
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .option('--pod <name>', 'only this Pod')
    .option('--group <group>', 'group of the resource whose Pods to show')
    .option('--kind <kind>', 'kind of the resource (e.g. Deployment)')
    .option('--name <name>', 'name of the resource')
    .option('--namespace <ns>', 'namespace of the resource')
    .option('-c, --container <name>', 'container')
    .option('-f, --follow', 'stream new lines')
    .option('--tail <n>', 'only the last N lines')
    .option('--since-seconds <n>', 'only lines newer than this')
    .option('-p, --previous', 'the previous container instance')
    .option('--filter <text>', 'only lines containing this text')
    .action(async (qualified: string, flags: Flags, cmd: Command) => {
      const s = await sessionOf(cmd);
      await applicationsApi(s.client).logs(
        splitAppName(qualified),
        {
          podName: flags.pod,
          group: flags.group,
          kind: flags.kind,
          resourceName: flags.name,
          namespace: flags.namespace,
          container: flags.container,
          follow: flags.follow,
          tailLines: flags.tail,
          sinceSeconds: flags.sinceSeconds,
          previous: flags.previous,
          filter: flags.filter,
        },
        (line) => {
          if (line.trim() === '') return;
          const text = line.startsWith('data:') ? line.slice(5) : line;
          try {
            const entry = JSON.parse(text) as { result?: { content?: string; last?: boolean }; content?: string };
            const content = entry.result?.content ?? entry.content;
            if (content !== undefined && entry.result?.last !== true) out(`${content}\n`);
          } catch {
            out(`${text}\n`);
          }
        },
      );
    });
  examples(command, 'kawa app logs guestbook', 'kawa app logs guestbook --kind Deployment --name guestbook-ui -f --tail 100');
}
