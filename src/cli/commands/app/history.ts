// `kawa app history NAME`: the deployments, for `app rollback`.
import type { Command } from 'commander';
import { historyTable } from '../../services/app-format.js';
import { examples, getApp } from '../common.js';
import { showVerb } from '../verbs.js';

export function registerAppHistory(app: Command): void {
  const command = showVerb(app, 'history', {
    description: 'show the deployment history of an application',
    argument: ['<name>', 'NAME or APP-NAMESPACE/NAME'],
    fetch: getApp,
    data: (application) => application.status?.history ?? [],
    text: historyTable,
  });
  examples(command, 'kawa app history guestbook', 'kawa app history guestbook -o json');
}
