import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../errors.js';
import { applicationsFromYaml } from './create.js';

const spec = 'spec:\n  project: default\n  source: {repoURL: https://git.example.com/a.git, path: .}\n  destination: {server: https://kubernetes.default.svc, namespace: a}\n';
const app = (metadata: string): string => `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n${metadata}${spec}`;

describe('app create -f: reading Applications', () => {
  it('reads null metadata fields as absent', () => {
    const [read] = applicationsFromYaml(app('  name: a\n  labels:\n  annotations:\n  finalizers:\n'), 'a.yaml');
    expect(read?.metadata).toEqual({ name: 'a' });
    expect(read?.spec.project).toBe('default');
  });

  it.each([
    ['labels as a list', '  name: a\n  labels: [x]\n', 'a.yaml: metadata.labels: must be a map of strings, found an array'],
    ['a numeric annotation', '  name: a\n  annotations:\n    wave: 1\n', 'a.yaml: metadata.annotations.wave: must be a string, found a number (quote the value in YAML)'],
    ['metadata a string', '  a\n', 'a.yaml: every document must be an Application with metadata and spec'],
  ])('refuses %s, naming the file and field', (_name, metadata, message) => {
    expect(() => applicationsFromYaml(app(metadata), 'a.yaml')).toThrow(expect.objectContaining({ code: errorCodes.CLI_INVALID_ARGUMENT, message }));
  });

  it('refuses null metadata', () => {
    expect(() => applicationsFromYaml('apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n' + spec, 'a.yaml')).toThrow('every document must be an Application with metadata and spec');
  });
});
