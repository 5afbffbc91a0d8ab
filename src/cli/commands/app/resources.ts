// `kawa app resources NAME`: the resources an application manages.
import type { Command } from 'commander';
import { resourcesTable } from '../../services/app-format.js';
import { examples, getApp } from '../common.js';
import { showVerb } from '../verbs.js';

export function registerAppResources(app: Command): void {
  examples(
    showVerb(app, 'resources', {
      description: 'list the resources of an application',
      argument: ['<name>', 'NAME or APP-NAMESPACE/NAME'],
      fetch: getApp,
      data: (application) => application.status?.resources ?? [],
      text: resourcesTable,
    }),
    'kawa app resources guestbook',
  );
}
