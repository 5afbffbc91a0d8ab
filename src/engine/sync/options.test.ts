import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNC_OPTIONS, parseSyncOptions, resolveSyncOptions, type ResolvedSyncOptions } from './options.js';

const where = { object: 'Application', source: 'spec.syncPolicy.syncOptions' };

function parse(entries: readonly string[]) {
  const parsed = parseSyncOptions(entries, where);
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  return parsed.values;
}

/** [case, app-level entries, operation entries, resource annotation, options that differ from the defaults] */
const MERGE_CASES: readonly (readonly [string, string[], string[], string | undefined, Partial<ResolvedSyncOptions>])[] = [
  ['nothing set: Argo CD defaults', [], [], undefined, {}],
  ['app-level options apply to every resource', ['Prune=false', 'ServerSideApply=true'], [], undefined, { prune: false, serverSideApply: true }],
  ['resource wins over the app', ['Prune=false'], [], 'Prune=true', {}],
  ['resource turns SSA off for itself', ['ServerSideApply=true'], [], 'ServerSideApply=false', {}],
  ['operation wins over the app', ['Replace=false'], ['Replace=true'], undefined, { replace: true }],
  ['resource wins over the operation', [], ['Replace=true'], 'Replace=false', {}],
  ['bare boolean key means true', ['PruneLast'], [], undefined, { pruneLast: true }],
  ['comma list inside one entry, spaces and trailing comma', ['Validate=false , Force=true,'], [], undefined, { validate: false, force: true }],
  ['confirm values', ['Prune=confirm', 'Delete=confirm'], [], undefined, { prune: 'confirm', delete: 'confirm' }],
  ['propagation policy', ['PrunePropagationPolicy=background'], [], undefined, { prunePropagationPolicy: 'background' }],
  [
    'every scope option',
    ['ApplyOutOfSyncOnly=true', 'RespectIgnoreDifferences=true', 'FailOnSharedResource=true', 'CreateNamespace=true', 'SkipDryRunOnMissingResource=true'],
    [],
    undefined,
    { applyOutOfSyncOnly: true, respectIgnoreDifferences: true, failOnSharedResource: true, createNamespace: true, skipDryRunOnMissingResource: true },
  ],
  ['client-side apply migration can be turned off', ['ClientSideApplyMigration=false'], [], undefined, { clientSideApplyMigration: false }],
];

describe('resolveSyncOptions', () => {
  it.each(MERGE_CASES)('%s', (_name, app, operation, resource, changed) => {
    const resolved = resolveSyncOptions({
      app: parse(app),
      operation: parse(operation),
      resource: resource === undefined ? undefined : parse([resource]),
    });
    expect(resolved).toEqual({ ...DEFAULT_SYNC_OPTIONS, ...changed });
  });

  it('an option present as undefined does not hide a weaker layer', () => {
    expect(resolveSyncOptions({ app: { prune: false }, resource: { prune: undefined } }).prune).toBe(false);
  });
});

describe('parseSyncOptions errors', () => {
  it.each([
    ['PrunePropagationPolicy=sideways', 'PrunePropagationPolicy must be foreground, background or orphan'],
    ['PrunePropagationPolicy', 'PrunePropagationPolicy must be foreground, background or orphan'],
    ['Replace=True', 'Replace must be true or false'],
    ['SERVERSIDEAPPLY=true', 'did you mean "ServerSideApply"?'],
  ])('%s', (entry, message) => {
    const { errors } = parseSyncOptions([entry], where);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(message)]);
    expect(errors[0]).toMatchObject({ code: 'KAWA_SYNC_OPTION_INVALID', object: 'Application', source: where.source, value: entry });
  });
});
