import { describe, expect, it } from 'vitest';
import { readSyncAnnotations } from './annotations.js';
import type { SyncObject } from './objects.js';
import type { CompareOptions, SyncOptionValues } from './options.js';

function job(annotations: Record<string, unknown>): SyncObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop', annotations } };
}

/** What a case checks; fields left out must have their default (plain resource, wave 0, no options). */
interface Expected {
  hook?: string;
  policies?: string;
  source?: 'argocd' | 'helm';
  skip?: true;
  wave?: number;
  options?: SyncOptionValues;
  compare?: CompareOptions;
  /** Substring of the single error message; the message must also name the object. */
  error?: string;
  warning?: string;
}

function summarize(annotations: Record<string, unknown>): Expected {
  const { annotations: a, errors, warnings } = readSyncAnnotations(job(annotations));
  if (errors.length > 1) throw new Error(`expected at most one error, got ${errors.map((e) => e.message).join(' | ')}`);
  const [error] = errors;
  return {
    ...(a.hook && { hook: a.hook.types.join(','), policies: a.hook.deletePolicies.join(','), source: a.hook.source }),
    ...(a.skip && { skip: true }),
    ...(a.wave !== 0 && { wave: a.wave }),
    ...(Object.keys(a.syncOptions).length > 0 && { options: a.syncOptions }),
    ...(Object.keys(a.compareOptions).length > 0 && { compare: a.compareOptions }),
    ...(error && { error: error.message }),
    ...(warnings[0] !== undefined && { warning: warnings[0] }),
  };
}

const H = 'argocd.argoproj.io/hook';
const P = 'argocd.argoproj.io/hook-delete-policy';
const W = 'argocd.argoproj.io/sync-wave';
const O = 'argocd.argoproj.io/sync-options';
const C = 'argocd.argoproj.io/compare-options';
const HH = 'helm.sh/hook';
const HW = 'helm.sh/hook-weight';
const HP = 'helm.sh/hook-delete-policy';

const argo = { source: 'argocd' as const, policies: 'BeforeHookCreation' };
const helm = { source: 'helm' as const, policies: 'BeforeHookCreation' };

const CASES: readonly (readonly [string, Record<string, unknown>, Expected])[] = [
  // Argo CD hooks
  ['no annotations: plain resource, wave 0', {}, {}],
  ['PreSync, default delete policy', { [H]: 'PreSync' }, { hook: 'PreSync', ...argo }],
  ['comma list with spaces', { [H]: 'PreSync, PostSync' }, { hook: 'PreSync,PostSync', ...argo }],
  ['list is put in lifecycle order, duplicates dropped', { [H]: 'PostSync,PreSync,PostSync' }, { hook: 'PreSync,PostSync', ...argo }],
  ['Sync with two delete policies', { [H]: 'Sync', [P]: 'HookFailed,HookSucceeded' }, { hook: 'Sync', ...argo, policies: 'HookSucceeded,HookFailed' }],
  ['SyncFail', { [H]: 'SyncFail' }, { hook: 'SyncFail', ...argo }],
  ['Skip is never applied and not a hook', { [H]: 'Skip' }, { skip: true }],
  ['Skip wins over other types', { [H]: 'PreSync,Skip' }, { skip: true }],
  ['PreDelete', { [H]: 'PreDelete' }, { hook: 'PreDelete', ...argo }],
  ['PostDelete', { [H]: 'PostDelete' }, { hook: 'PostDelete', ...argo }],
  ['BeforeHookCreation explicit', { [H]: 'PostSync', [P]: 'BeforeHookCreation' }, { hook: 'PostSync', ...argo }],
  // waves
  ['negative wave', { [W]: '-1' }, { wave: -1 }],
  ['positive wave', { [W]: '5' }, { wave: 5 }],
  ['wave with sign and spaces', { [W]: ' +2 ' }, { wave: 2 }],
  // Helm hooks, mapped as Argo CD documents
  ['helm pre-install → PreSync', { [HH]: 'pre-install' }, { hook: 'PreSync', ...helm }],
  ['helm pre-install,pre-upgrade → one PreSync', { [HH]: 'pre-install,pre-upgrade' }, { hook: 'PreSync', ...helm }],
  ['helm post-install,post-upgrade → PostSync', { [HH]: 'post-install, post-upgrade' }, { hook: 'PostSync', ...helm }],
  ['helm pre-delete → PreDelete', { [HH]: 'pre-delete' }, { hook: 'PreDelete', ...helm }],
  ['helm post-delete → PostDelete', { [HH]: 'post-delete' }, { hook: 'PostDelete', ...helm }],
  ['helm crd-install → plain resource', { [HH]: 'crd-install' }, {}],
  ['helm test → skipped', { [HH]: 'test' }, { skip: true, warning: 'Helm hook "test" has no Argo CD equivalent' }],
  ['helm test-success → skipped', { [HH]: 'test-success' }, { skip: true, warning: 'test-success' }],
  ['helm pre-rollback → skipped', { [HH]: 'pre-rollback' }, { skip: true, warning: 'pre-rollback' }],
  ['helm supported + unsupported → supported only', { [HH]: 'pre-install,test' }, { hook: 'PreSync', ...helm, warning: '"test"' }],
  ['helm hook-weight is the wave', { [HH]: 'pre-install', [HW]: '-5' }, { hook: 'PreSync', ...helm, wave: -5 }],
  ['sync-wave wins over hook-weight', { [HH]: 'pre-install', [HW]: '-5', [W]: '3' }, { hook: 'PreSync', ...helm, wave: 3 }],
  [
    'helm delete policies mapped',
    { [HH]: 'post-install', [HP]: 'before-hook-creation,hook-succeeded' },
    { hook: 'PostSync', ...helm, policies: 'HookSucceeded,BeforeHookCreation' },
  ],
  ['helm hook-failed', { [HH]: 'post-install', [HP]: 'hook-failed' }, { hook: 'PostSync', ...helm, policies: 'HookFailed' }],
  // precedence
  ['Argo CD hook silences Helm hook', { [H]: 'PostSync', [HH]: 'pre-install' }, { hook: 'PostSync', ...argo }],
  ['Argo CD Skip silences Helm hook', { [H]: 'Skip', [HH]: 'pre-install' }, { skip: true }],
  ['Argo CD delete policy wins over Helm', { [HH]: 'pre-install', [P]: 'HookFailed', [HP]: 'hook-succeeded' }, { hook: 'PreSync', ...helm, policies: 'HookFailed' }],
  ['Helm delete policy applies to an Argo CD hook', { [H]: 'PreSync', [HP]: 'hook-succeeded' }, { hook: 'PreSync', ...argo, policies: 'HookSucceeded' }],
  // options
  ['sync options', { [O]: 'Prune=false, PruneLast=true' }, { options: { prune: false, pruneLast: true } }],
  ['Helm resource-policy keep → Delete=false', { 'helm.sh/resource-policy': 'keep' }, { options: { delete: false } }],
  ['explicit Delete wins over resource-policy keep', { 'helm.sh/resource-policy': 'keep', [O]: 'Delete=confirm' }, { options: { delete: 'confirm' } }],
  ['compare options', { [C]: 'IgnoreExtraneous,ServerSideDiff=true' }, { compare: { ignoreExtraneous: true, serverSideDiff: true } }],
  ['unknown sync option is only a warning', { [O]: 'Frobnicate=true' }, { warning: 'ignoring unknown sync option "Frobnicate=true"' }],
  // invalid
  ['unknown hook type', { [H]: 'PreSnc' }, { error: 'unknown hook "PreSnc" in argocd.argoproj.io/hook' }],
  ['empty hook annotation', { [H]: '' }, { error: 'annotation argocd.argoproj.io/hook is empty' }],
  ['unknown delete policy', { [H]: 'PreSync', [P]: 'OnSuccess' }, { hook: 'PreSync', ...argo, error: 'unknown hook delete policy "OnSuccess"' }],
  ['fractional wave', { [W]: '1.5' }, { error: 'argocd.argoproj.io/sync-wave must be an integer, got "1.5"' }],
  ['word wave', { [W]: 'first' }, { error: 'must be an integer, got "first"' }],
  ['empty wave', { [W]: '' }, { error: 'must be an integer, got ""' }],
  ['bad hook-weight', { [HH]: 'pre-install', [HW]: 'heavy' }, { hook: 'PreSync', ...helm, error: 'helm.sh/hook-weight must be an integer' }],
  ['unquoted YAML number', { [W]: 5 }, { error: 'annotation argocd.argoproj.io/sync-wave must be a string, got 5' }],
  // Null is absent, as the API server reads it (`argocd.argoproj.io/hook:` with nothing after it).
  ['null hook: plain resource', { [H]: null, [P]: null }, {}],
  ['null wave: wave 0', { [W]: null, [HW]: null }, {}],
  ['null options', { [O]: null, [C]: null }, {}],
  ['null Argo CD hook does not silence Helm\'s', { [H]: null, [HH]: 'pre-install' }, { hook: 'PreSync', ...helm }],
  ['bad option value', { [O]: 'Prune=maybe' }, { error: 'Prune must be true, false or confirm' }],
  ['option in the wrong case is an error, not ignored', { [O]: 'prune=false' }, { error: 'did you mean "Prune"?' }],
  ['conflicting option values', { [O]: 'Prune=false,Prune=true' }, { options: { prune: false }, error: 'conflicting sync options' }],
  ['bad compare option value', { [C]: 'IgnoreExtraneous=yes' }, { error: 'IgnoreExtraneous must be true or false' }],
];

describe('readSyncAnnotations', () => {
  it.each(CASES)('%s', (_name, annotations, expected) => {
    const { error, warning, ...rest } = summarize(annotations);
    const { error: wantError, warning: wantWarning, ...wantRest } = expected;
    expect(rest).toEqual(wantRest);
    if (wantError === undefined) expect(error).toBeUndefined();
    else expect(error).toMatch(new RegExp(`^batch/Job shop/migrate: .*${escape(wantError)}`));
    if (wantWarning === undefined) expect(warning).toBeUndefined();
    else expect(warning).toContain(wantWarning);
  });

  it('errors carry a stable code, the annotation and the verbatim value', () => {
    expect(readSyncAnnotations(job({ [H]: 'PreSync,Bogus' })).errors).toEqual([
      expect.objectContaining({ code: 'KAWA_SYNC_ANNOTATION_INVALID', object: 'batch/Job shop/migrate', source: H, value: 'PreSync,Bogus' }),
    ]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'argocd.argoproj.io/hook: PreSync'],
    ['a list', ['argocd.argoproj.io/hook']],
  ])('reads annotations that are %s as none', (_name, annotations) => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations } } as unknown as SyncObject;
    const { annotations: read, errors } = readSyncAnnotations(obj);
    expect([read.hook, read.wave, read.syncOptions, read.compareOptions, errors]).toEqual([undefined, 0, {}, {}, []]);
  });

  it('names a generateName-only object by its prefix', () => {
    const obj: SyncObject = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'probe-', annotations: { [W]: 'x' } } };
    expect(readSyncAnnotations(obj).errors[0]?.message).toBe('Pod probe-*: annotation argocd.argoproj.io/sync-wave must be an integer, got "x"');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
