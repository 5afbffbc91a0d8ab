import { describe, expect, it } from 'vitest';
import { isKawaError } from '../errors.js';
import { ResourceFilter, parseResourceFilterSettings } from './resource-filter.js';

describe('ResourceFilter defaults', () => {
  const filter = new ResourceFilter();
  it.each([
    ['', 'Event', 'always-excluded'],
    ['events.k8s.io', 'Event', 'always-excluded'],
    ['metrics.k8s.io', 'PodMetrics', 'always-excluded'],
    ['coordination.k8s.io', 'Lease', 'always-excluded'],
    ['', 'Endpoints', 'excluded'],
    ['discovery.k8s.io', 'EndpointSlice', 'excluded'],
    ['authentication.k8s.io', 'TokenReview', 'excluded'],
    ['authentication.k8s.io', 'SelfSubjectReview', 'excluded'],
    ['authorization.k8s.io', 'SelfSubjectAccessReview', 'excluded'],
    ['authorization.k8s.io', 'SelfSubjectRulesReview', 'excluded'],
    ['authorization.k8s.io', 'LocalSubjectAccessReview', 'excluded'],
    ['authorization.k8s.io', 'SubjectAccessReview', 'excluded'],
    ['', 'Binding', 'excluded'],
    ['', 'ComponentStatus', 'excluded'],
    ['certificates.k8s.io', 'CertificateSigningRequest', 'excluded'],
    ['apps', 'Deployment', undefined],
    ['', 'Pod', undefined],
    ['', 'ConfigMap', undefined],
    ['example.io', 'Widget', undefined],
  ])('%s/%s → %s', (group, kind, reason) => {
    expect(filter.exclusionReason(group, kind)).toBe(reason);
  });
});

describe('parseResourceFilterSettings', () => {
  it('keeps the defaults when argocd-cm has no exclusions', () => {
    const filter = new ResourceFilter(parseResourceFilterSettings({}));
    expect(filter.isExcluded('', 'Endpoints')).toBe(true);
  });

  it('replaces the defaults when exclusions are set, but never the core exclusions', () => {
    const filter = new ResourceFilter(parseResourceFilterSettings({ 'resource.exclusions': '[]' }));
    expect(filter.isExcluded('', 'Endpoints')).toBe(false);
    expect(filter.isExcluded('', 'Event')).toBe(true);
    expect(filter.isExcluded('coordination.k8s.io', 'Lease')).toBe(true);
  });

  it('applies globbed exclusions per cluster', () => {
    const settings = parseResourceFilterSettings({
      'resource.exclusions': `
- apiGroups: ["*.example.io"]
  kinds: ["*Report"]
  clusters: ["https://prod-*"]
- apiGroups: [tekton.dev]
`,
    });
    const filter = new ResourceFilter(settings);
    expect(filter.exclusionReason('policy.example.io', 'PolicyReport', 'https://prod-1')).toBe('excluded');
    expect(filter.exclusionReason('policy.example.io', 'PolicyReport', 'https://staging')).toBeUndefined();
    expect(filter.exclusionReason('policy.example.io', 'Policy', 'https://prod-1')).toBeUndefined();
    expect(filter.exclusionReason('tekton.dev', 'TaskRun', 'https://anything')).toBe('excluded');
  });

  it('watches only inclusions when they are set', () => {
    const filter = new ResourceFilter(
      parseResourceFilterSettings({ 'resource.inclusions': '- apiGroups: ["", apps]\n  kinds: [Deployment, ReplicaSet, Pod]\n' }),
    );
    expect(filter.exclusionReason('apps', 'Deployment')).toBeUndefined();
    expect(filter.exclusionReason('', 'Pod')).toBeUndefined();
    expect(filter.exclusionReason('', 'Secret')).toBe('not-included');
    expect(filter.exclusionReason('batch', 'Job')).toBe('not-included');
    // Exclusions still win over inclusions.
    expect(filter.exclusionReason('', 'Event')).toBe('always-excluded');
  });

  it('treats an empty key as an empty list', () => {
    expect(parseResourceFilterSettings({ 'resource.exclusions': '' })).toEqual({ exclusions: [] });
  });

  it('names the key of a malformed setting', () => {
    const bad = (data: Record<string, string>): unknown => {
      try {
        parseResourceFilterSettings(data);
      } catch (err) {
        return isKawaError(err) ? `${err.code}: ${err.message}` : err;
      }
      return 'no error';
    };
    expect(bad({ 'resource.exclusions': '- apiGroups: [unclosed' })).toMatch(/^KAWA_SETTINGS_INVALID: argocd-cm resource.exclusions: not valid YAML/);
    expect(bad({ 'resource.inclusions': '- kinds: Deployment' })).toMatch(/^KAWA_SETTINGS_INVALID: argocd-cm resource.inclusions: expected a list .* at 0.kinds/);
    expect(bad({ 'resource.exclusions': 'apiGroups: [x]' })).toMatch(/resource.exclusions: expected a list/);
  });
});
