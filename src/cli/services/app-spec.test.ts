// Application specs from `app create` / `app set` / `app unset` flags.
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import type { ApplicationSpec } from '../../model/index.js';
import { applicationFromFlags, applySpecFlags, splitAppName, unsetSpecFlags, type AppSpecFlags } from './app-spec.js';

const base = (): ApplicationSpec => ({ project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'a' }, source: { repoURL: 'https://r', path: 'p' } });

describe('applySpecFlags', () => {
  it.each<[string, AppSpecFlags, Partial<ApplicationSpec>]>([
    ['revision and path', { revision: 'v2', path: 'q' }, { source: { repoURL: 'https://r', path: 'q', targetRevision: 'v2' } }],
    ['dest name replaces server', { destName: 'prod' }, { destination: { name: 'prod', namespace: 'a' } }],
    ['automated with prune and self-heal', { syncPolicy: 'automated', autoPrune: true, selfHeal: true }, { syncPolicy: { automated: { prune: true, selfHeal: true } } }],
    ['sync options replace by name', { syncOption: ['CreateNamespace=true', 'CreateNamespace=false'] }, { syncPolicy: { syncOptions: ['CreateNamespace=false'] } }],
    [
      'helm parameters, values, release',
      { helmSet: ['a=1', 'a=2'], helmSetString: ['b=true'], values: ['v.yaml'], releaseName: 'rel' },
      { source: { repoURL: 'https://r', path: 'p', helm: { parameters: [{ name: 'a', value: '2' }, { name: 'b', value: 'true', forceString: true }], valueFiles: ['v.yaml'], releaseName: 'rel' } } },
    ],
    ['kustomize images by name', { kustomizeImage: ['nginx:1', 'nginx=nginx:2'], nameprefix: 'x-' }, { source: { repoURL: 'https://r', path: 'p', kustomize: { images: ['nginx=nginx:2'], namePrefix: 'x-' } } }],
    ['jsonnet and recurse', { jsonnetTla: ['n=v'], directoryRecurse: true }, { source: { repoURL: 'https://r', path: 'p', directory: { recurse: true, jsonnet: { tlas: [{ name: 'n', value: 'v' }] } } } }],
    ['history limit', { revisionHistoryLimit: '3' }, { revisionHistoryLimit: 3 }],
  ])('%s', (_name, flags, expected) => {
    const spec = base();
    applySpecFlags(spec, flags);
    expect(spec).toMatchObject(expected);
    if (expected.destination !== undefined) expect(spec.destination).toEqual(expected.destination);
  });

  it.each<[string, AppSpecFlags, RegExp]>([
    ['prune without automated', { autoPrune: true }, /needs an automated sync policy/],
    ['both destinations', { destServer: 'a', destName: 'b' }, /not both/],
    ['bad parameter', { helmSet: ['novalue'] }, /--helm-set wants NAME=VALUE/],
    ['bad policy', { syncPolicy: 'sometimes' }, /automated or none/],
    ['bad limit', { revisionHistoryLimit: '-1' }, /whole number/],
  ])('refuses %s', (_name, flags, message) => {
    expect(() => {
      applySpecFlags(base(), flags);
    }).toThrow(expect.objectContaining({ code: errorCodes.CLI_INVALID_ARGUMENT, message: expect.stringMatching(message) as string }));
  });

  it('sync-policy none drops automated', () => {
    const spec = { ...base(), syncPolicy: { automated: { prune: true }, syncOptions: ['X=1'] } };
    applySpecFlags(spec, { syncPolicy: 'none' });
    expect(spec.syncPolicy).toEqual({ syncOptions: ['X=1'] });
  });
});

describe('applicationFromFlags', () => {
  it('builds a full Application with defaults', () => {
    expect(applicationFromFlags('guestbook', { repo: 'https://r', path: 'g', destServer: 'https://k', destNamespace: 'ns', label: ['a=b'], finalizer: true })).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'guestbook', labels: { a: 'b' }, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
      spec: { project: 'default', destination: { server: 'https://k', namespace: 'ns' }, source: { repoURL: 'https://r', path: 'g' } },
    });
  });
  it.each<[AppSpecFlags, RegExp]>([
    [{ destServer: 'x' }, /--repo is required/],
    [{ repo: 'x' }, /--dest-server or --dest-name is required/],
  ])('requires %j', (flags, message) => {
    expect(() => applicationFromFlags('a', flags)).toThrow(message);
  });
});

describe('unsetSpecFlags', () => {
  it('removes what is named and reports whether anything changed', () => {
    const spec: ApplicationSpec = {
      ...base(),
      source: { repoURL: 'https://r', helm: { parameters: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }], valueFiles: ['v.yaml'] }, kustomize: { images: ['nginx:1'], namePrefix: 'p-' } },
      syncPolicy: { syncOptions: ['CreateNamespace=true', 'Prune=false'] },
    };
    expect(unsetSpecFlags(spec, { helmSet: ['a'], values: ['v.yaml'], kustomizeImage: ['nginx'], nameprefix: true, syncOption: ['Prune'] })).toBe(true);
    expect(spec.source?.helm).toEqual({ parameters: [{ name: 'b', value: '2' }], valueFiles: undefined });
    expect(spec.source?.kustomize).toEqual({ images: undefined, namePrefix: undefined });
    expect(spec.syncPolicy?.syncOptions).toEqual(['CreateNamespace=true']);
    expect(unsetSpecFlags(spec, { helmSet: ['zzz'] })).toBe(false);
  });
});

describe('splitAppName', () => {
  it.each([
    ['guestbook', { name: 'guestbook' }],
    ['argocd/guestbook', { name: 'guestbook', appNamespace: 'argocd' }],
  ])('%s', (input, expected) => {
    expect(splitAppName(input)).toEqual(expected);
  });
});
