import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { binaryPath, findGroup, loadPins, parsePins } from './pins.js';

describe('pins', () => {
  it('loads the committed tools/cluster/versions.json with every component the cluster needs', () => {
    const pins = loadPins();
    for (const binary of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'helm', 'kustomize', 'jsonnet']) {
      expect(findGroup(pins, binary).version).toMatch(/^v\d+\.\d+\.\d+$/);
    }
    expect(findGroup(pins, 'kube-apiserver').version).toMatch(/^v1\.3\d\.\d+$/);
  });

  it.each([
    ['not json', '{', /not valid JSON/],
    ['a bad version', '{"go":"1.26.0","groups":{"x":{"module":"a/b","version":"latest","binaries":{"x":"a/b"}}}}', /groups\.x\.version: a release version/],
    ['a shell-unsafe package', '{"go":"1.26.0","groups":{"x":{"module":"a/b;rm","version":"v1.0.0","binaries":{"x":"a/b"}}}}', /groups\.x\.module/],
  ])('rejects %s with the file and field named', (_what, text, message) => {
    expect(() => parsePins(text, 'versions.json')).toThrow(UserError);
    expect(() => parsePins(text, 'versions.json')).toThrow(message);
  });

  it('caches each binary under <name>-<version>', () => {
    expect(binaryPath('etcd', 'v3.6.16')).toMatch(/\/bin\/etcd-v3\.6\.16$/);
  });
});
