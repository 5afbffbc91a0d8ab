import { describe, expect, it } from 'vitest';
import { goModFor, linkerFlags, stagingReplaces } from './build-tools.js';
import type { ToolGroup } from './pins.js';

const kubernetesGoMod = `module k8s.io/kubernetes

go 1.26.0

require (
\tk8s.io/api v0.0.0
\tgithub.com/spf13/cobra v1.10.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/example/fork => github.com/example/fork v1.2.3
)
`;

const group: ToolGroup = {
  name: 'kubernetes',
  module: 'k8s.io/kubernetes',
  version: 'v1.37.2',
  binaries: { 'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver' },
  linkVariables: { 'k8s.io/component-base/version.gitVersion': '{version}' },
};

describe('stagingReplaces', () => {
  it('points every staging module at its published v0.X.Y release', () => {
    expect(stagingReplaces(kubernetesGoMod, 'v1.37.2')).toEqual([
      'k8s.io/api => k8s.io/api v0.37.2',
      'k8s.io/client-go => k8s.io/client-go v0.37.2',
    ]);
  });
  it('refuses a version that is not v1.X.Y', () => {
    expect(() => stagingReplaces(kubernetesGoMod, 'v2.0.0')).toThrow(/not v1\.X\.Y/);
  });
});

describe('goModFor', () => {
  it('requires the pinned module and carries the replaces', () => {
    const mod = goModFor(group, '1.26.0', ['k8s.io/api => k8s.io/api v0.37.2']);
    expect(mod).toContain('require k8s.io/kubernetes v1.37.2\n');
    expect(mod).toContain('replace (\n\tk8s.io/api => k8s.io/api v0.37.2\n)');
    expect(mod.startsWith('module kawa.local/toolbuild/kubernetes\n\ngo 1.26.0\n')).toBe(true);
  });
  it('has no replace block without replaces', () => {
    expect(goModFor(group, '1.26.0', [])).not.toContain('replace');
  });
});

describe('linkerFlags', () => {
  it('strips symbols and stamps the version', () => {
    expect(linkerFlags(group)).toBe('-s -w -X k8s.io/component-base/version.gitVersion=v1.37.2');
  });
});
