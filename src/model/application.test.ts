import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { UserError, errorCodes } from '../errors.js';
import {
  DEFAULT_RETRY_BACKOFF,
  canRetry,
  isAutomatedSync,
  parseApplication,
  resolveBackoff,
  retryDelayMs,
  revisionHistoryLimitOf,
  sourcesOf,
  targetRevisionOf,
  validateApplication,
} from './application.js';

const testdata = new URL('./testdata/', import.meta.url);

function fixture(name: string): Record<string, unknown> {
  return parseYaml(readFileSync(new URL(name, testdata), 'utf8')) as Record<string, unknown>;
}

const appFixtures = readdirSync(testdata).filter((f) => f.startsWith('app-') && f.endsWith('.yaml'));

describe('Application fixtures from the Argo CD docs', () => {
  it('has the expected fixtures', () => {
    expect(appFixtures.length).toBeGreaterThanOrEqual(8);
  });

  it.each(appFixtures)('%s validates and round-trips without losing a field', (name) => {
    const input = fixture(name);
    const result = validateApplication(input);
    expect(result.ok ? [] : result.errors).toEqual([]);
    if (!result.ok) return;
    // Deep equality with the raw YAML: nothing dropped, nothing defaulted.
    expect(result.value).toStrictEqual(input);
    expect(JSON.parse(JSON.stringify(result.value))).toStrictEqual(input);
    expect(parseYaml(stringifyYaml(result.value))).toStrictEqual(input);
  });
});

describe('unknown fields', () => {
  it('are preserved at every depth', () => {
    const input = fixture('app-helm-values-object.yaml');
    const spec = input['spec'] as Record<string, unknown>;
    const source = spec['source'] as Record<string, Record<string, unknown>>;
    input['futureTopLevel'] = { x: 1 };
    spec['futureSpecField'] = ['a', { b: 2 }];
    (source['helm'] as Record<string, unknown>)['futureHelmOption'] = true;
    (input['metadata'] as Record<string, unknown>)['annotations'] = { 'example.com/owner': 'web' };
    const value = parseApplication(input);
    expect(value).toStrictEqual(input);
    expect(value.spec['futureSpecField']).toEqual(['a', { b: 2 }]);
  });
});

/** A valid minimal app; each invalid case breaks one thing. */
function minimalApp(): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'app', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example.com/app.git', path: '.' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'app' },
    },
  };
}

type Mutation = (app: Record<string, unknown>, spec: Record<string, unknown>) => void;

const invalidCases: [string, Mutation, string][] = [
  ['spec is a string', (app) => (app['spec'] = 'oops'), 'spec: expected object, got string'],
  ['no spec', (app) => delete app['spec'], 'spec: required'],
  ['wrong kind', (app) => (app['kind'] = 'AppProject'), 'kind: must be "Application"'],
  ['no name', (app) => (app['metadata'] = { namespace: 'argocd' }), 'metadata.name: required'],
  [
    'annotation value as a number',
    (app) => (app['metadata'] = { name: 'app', annotations: { 'argocd.argoproj.io/sync-wave': 1 } }),
    'metadata.annotations["argocd.argoproj.io/sync-wave"]: expected string, got number',
  ],
  ['no destination', (_, spec) => delete spec['destination'], 'spec.destination: required'],
  ['no project', (_, spec) => delete spec['project'], 'spec.project: required'],
  [
    'destination with server and name',
    (_, spec) => (spec['destination'] = { server: 'https://kubernetes.default.svc', name: 'in-cluster' }),
    'spec.destination: exactly one of server or name',
  ],
  ['destination with neither', (_, spec) => (spec['destination'] = { namespace: 'app' }), 'spec.destination: exactly one of server or name'],
  [
    'source and sources',
    (_, spec) => (spec['sources'] = [{ repoURL: 'https://git.example.com/other.git' }]),
    'spec.source and spec.sources are mutually exclusive',
  ],
  ['no source at all', (_, spec) => delete spec['source'], 'spec: one of source, sources or sourceHydrator is required'],
  ['source without repoURL', (_, spec) => (spec['source'] = { path: '.' }), 'spec.source.repoURL: required'],
  ['empty repoURL', (_, spec) => (spec['source'] = { repoURL: '' }), 'spec.source.repoURL: must not be empty'],
  [
    'second source without repoURL',
    (_, spec) => {
      delete spec['source'];
      spec['sources'] = [{ repoURL: 'https://a.example.com/a.git' }, { path: 'x' }];
    },
    'spec.sources[1].repoURL: required',
  ],
  [
    'bad backoff duration',
    (_, spec) => (spec['syncPolicy'] = { retry: { limit: 3, backoff: { duration: 'five seconds' } } }),
    'spec.syncPolicy.retry.backoff.duration: not a duration like 5s/3m',
  ],
  [
    'bad backoff maxDuration',
    (_, spec) => (spec['syncPolicy'] = { retry: { backoff: { maxDuration: '3 minutes' } } }),
    'spec.syncPolicy.retry.backoff.maxDuration: not a duration like 5s/3m',
  ],
  [
    'fractional retry limit',
    (_, spec) => (spec['syncPolicy'] = { retry: { limit: 2.5 } }),
    'spec.syncPolicy.retry.limit: expected an integer, got 2.5',
  ],
  ['negative history limit', (_, spec) => (spec['revisionHistoryLimit'] = -1), 'spec.revisionHistoryLimit: must be at least 0'],
  ['history limit as string', (_, spec) => (spec['revisionHistoryLimit'] = 'ten'), 'spec.revisionHistoryLimit: expected number, got string'],
  [
    'two tools in one source',
    (_, spec) => (spec['source'] = { repoURL: 'https://a.example.com/a.git', helm: { releaseName: 'x' }, directory: { recurse: true } }),
    'spec.source: only one of helm, kustomize, directory or plugin may be set, found helm, directory',
  ],
  [
    'unknown $ref in value files',
    (_, spec) => {
      delete spec['source'];
      spec['sources'] = [
        { repoURL: 'https://charts.example.com', chart: 'x', helm: { valueFiles: ['$vals/values.yaml'] } },
        { repoURL: 'https://git.example.com/values.git', ref: 'values' },
      ];
    },
    'spec.sources[0].helm.valueFiles[0]: "$vals/values.yaml" refers to no source with ref "vals"',
  ],
  [
    'duplicate ref',
    (_, spec) => {
      delete spec['source'];
      spec['sources'] = [
        { repoURL: 'https://git.example.com/a.git', ref: 'values' },
        { repoURL: 'https://git.example.com/b.git', ref: 'values' },
      ];
    },
    'spec.sources[1].ref: "values" is already used by spec.sources[0]',
  ],
  [
    'ignoreDifferences without kind',
    (_, spec) => (spec['ignoreDifferences'] = [{ group: 'apps', jsonPointers: ['/spec/replicas'] }]),
    'spec.ignoreDifferences[0].kind: required',
  ],
  [
    'syncOptions not a list',
    (_, spec) => (spec['syncPolicy'] = { syncOptions: 'CreateNamespace=true' }),
    'spec.syncPolicy.syncOptions: expected array, got string',
  ],
  [
    'automated prune as string',
    (_, spec) => (spec['syncPolicy'] = { automated: { prune: 'true' } }),
    'spec.syncPolicy.automated.prune: expected boolean, got string',
  ],
  [
    'helm parameter value as number',
    (_, spec) => (spec['source'] = { repoURL: 'https://a.example.com/a.git', helm: { parameters: [{ name: 'replicas', value: 2 }] } }),
    'spec.source.helm.parameters[0].value: expected string, got number',
  ],
  ['unknown health status', (app) => (app['status'] = { health: { status: 'Fine' } }), 'status.health.status: must be one of "Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"'],
  [
    'operation resource without name',
    (app) => (app['operation'] = { sync: { resources: [{ kind: 'Deployment' }] } }),
    'operation.sync.resources[0].name: required',
  ],
  [
    'bad operation retry backoff',
    (app) => (app['operation'] = { retry: { backoff: { duration: '-5s' } } }),
    'operation.retry.backoff.duration: not a duration like 5s/3m',
  ],
];

describe('validateApplication rejects', () => {
  it('accepts the minimal app the cases start from', () => {
    expect(validateApplication(minimalApp())).toMatchObject({ ok: true });
  });

  it.each(invalidCases)('%s', (_name, mutate, expected) => {
    const app = minimalApp();
    mutate(app, app['spec'] as Record<string, unknown>);
    const result = validateApplication(app);
    expect(result.ok ? [] : result.errors).toContain(expected);
  });

  it('reports type errors and cross-field errors together', () => {
    const app = minimalApp();
    const spec = app['spec'] as Record<string, unknown>;
    spec['project'] = 7;
    spec['destination'] = { server: 'a', name: 'b' };
    const result = validateApplication(app);
    expect(result.ok ? [] : result.errors).toEqual(['spec.project: expected string, got number', 'spec.destination: exactly one of server or name']);
  });

  it('reads null metadata fields as absent, as the API server does', () => {
    const app = minimalApp();
    app['metadata'] = { name: 'app', namespace: 'argocd', labels: null, annotations: null, finalizers: null };
    const result = validateApplication(app);
    expect(result.ok ? result.value.metadata : result.errors).toEqual({ name: 'app', namespace: 'argocd' });
  });

  it('is not fooled by non-objects', () => {
    expect(validateApplication(null)).toEqual({ ok: false, errors: ['(root): expected object, got null'] });
    expect(validateApplication([])).toEqual({ ok: false, errors: ['(root): expected object, got array'] });
  });
});

describe('parseApplication', () => {
  it('throws a UserError naming the app and every problem', () => {
    const app = minimalApp();
    (app['spec'] as Record<string, unknown>)['destination'] = {};
    let caught: unknown;
    try {
      parseApplication(app);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).code).toBe(errorCodes.INVALID_SPEC);
    expect((caught as UserError).message).toBe('invalid Application argocd/app: spec.destination: exactly one of server or name');
  });
});

describe('defaults', () => {
  it('revisionHistoryLimit defaults to 10 and keeps 0', () => {
    expect(revisionHistoryLimitOf({})).toBe(10);
    expect(revisionHistoryLimitOf({ revisionHistoryLimit: 0 })).toBe(0);
    expect(revisionHistoryLimitOf({ revisionHistoryLimit: 3 })).toBe(3);
  });

  it.each<[{ targetRevision?: string; chart?: string }, string]>([
    [{}, 'HEAD'],
    [{ targetRevision: '' }, 'HEAD'],
    [{ targetRevision: 'v1.2.0' }, 'v1.2.0'],
    [{ chart: 'nginx' }, ''],
    [{ chart: 'nginx', targetRevision: '15.1.2' }, '15.1.2'],
  ])('targetRevision of %j is %j', (source, expected) => {
    expect(targetRevisionOf(source)).toBe(expected);
  });

  it('backoff defaults to 5s ×2 up to 3m', () => {
    expect(resolveBackoff(undefined)).toEqual(DEFAULT_RETRY_BACKOFF);
    expect(resolveBackoff({})).toEqual({ durationMs: 5_000, factor: 2, maxDurationMs: 180_000 });
    expect(resolveBackoff({ duration: '10', factor: 3, maxDuration: '1h' })).toEqual({ durationMs: 10_000, factor: 3, maxDurationMs: 3_600_000 });
  });

  it('retry delays grow by the factor and stop at maxDuration', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(DEFAULT_RETRY_BACKOFF, n) / 1_000);
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 180, 180]);
    expect(retryDelayMs({ durationMs: 1_000, factor: 2, maxDurationMs: 0 }, 10)).toBe(1_024_000);
  });

  it.each([
    [undefined, 0, false],
    [{ limit: 0 }, 0, false],
    [{ limit: 2 }, 1, true],
    [{ limit: 2 }, 2, false],
    [{ limit: -1 }, 1_000, true],
  ])('canRetry(%j, %d) is %s', (retry, count, expected) => {
    expect(canRetry(retry, count)).toBe(expected);
  });

  it('lists sources whichever field holds them', () => {
    const single = { repoURL: 'a' };
    expect(sourcesOf({ source: single })).toEqual([single]);
    expect(sourcesOf({ sources: [single, { repoURL: 'b' }] })).toHaveLength(2);
    expect(sourcesOf({ source: single, sources: [] })).toEqual([single]);
    expect(sourcesOf({})).toEqual([]);
  });

  it('automated sync is on unless absent or enabled: false', () => {
    expect(isAutomatedSync({})).toBe(false);
    expect(isAutomatedSync({ syncPolicy: {} })).toBe(false);
    expect(isAutomatedSync({ syncPolicy: { automated: {} } })).toBe(true);
    expect(isAutomatedSync({ syncPolicy: { automated: { enabled: false, prune: true } } })).toBe(false);
  });
});
