// The body of `POST /api/v1/applications/{name}/sync` from `app sync` flags.
import { UserError, errorCodes } from '../../errors.js';

export interface SyncFlags {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  force?: boolean;
  replace?: boolean;
  serverSide?: boolean;
  applyOutOfSyncOnly?: boolean;
  strategy?: string;
  resource?: string[];
  syncOption?: string[];
  appNamespace?: string;
}

export interface SyncResource {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** `GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME` (group empty for the core group: `:Service:web`). */
export function parseResource(text: string): SyncResource {
  const parts = text.split(':');
  if (parts.length !== 3 || parts[1] === '' || parts[2] === '') {
    throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--resource wants GROUP:KIND:NAME (or GROUP:KIND:NAMESPACE/NAME; empty GROUP for core kinds, e.g. :Service:web), got "${text}"`);
  }
  const [group = '', kind = '', rest = ''] = parts;
  const slash = rest.indexOf('/');
  return slash < 0 ? { group, kind, name: rest } : { group, kind, namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

export function syncRequest(name: string, flags: SyncFlags): Record<string, unknown> {
  const options = [...(flags.syncOption ?? [])];
  if (flags.replace === true) options.push('Replace=true');
  if (flags.serverSide === true) options.push('ServerSideApply=true');
  if (flags.applyOutOfSyncOnly === true) options.push('ApplyOutOfSyncOnly=true');
  const strategy = flags.strategy ?? (flags.force === true ? 'hook' : undefined);
  if (strategy !== undefined && strategy !== 'apply' && strategy !== 'hook') throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--strategy wants apply or hook, got "${strategy}"`);
  const force = flags.force === true ? { force: true } : {};
  return {
    name,
    ...(flags.revision === undefined ? {} : { revision: flags.revision }),
    ...(flags.prune === true ? { prune: true } : {}),
    ...(flags.dryRun === true ? { dryRun: true } : {}),
    ...(strategy === undefined ? {} : { strategy: strategy === 'apply' ? { apply: force } : { hook: force } }),
    ...((flags.resource ?? []).length > 0 ? { resources: (flags.resource ?? []).map(parseResource) } : {}),
    ...(options.length > 0 ? { syncOptions: { items: options } } : {}),
    ...(flags.appNamespace === undefined ? {} : { appNamespace: flags.appNamespace }),
  };
}
