import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Discovery,
  collectionPath,
  isWatchable,
  parseAggregatedDiscovery,
  parseLegacyGroups,
  parseLegacyResourceList,
  type ApiResource,
  type DiscoveryResult,
} from './discovery.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8'));
}

function brief(r: ApiResource): string {
  return `${r.group}/${r.kind}@${r.version} ${r.resource} ${r.namespaced ? 'ns' : 'cluster'}`;
}

describe('parseAggregatedDiscovery', () => {
  it('reads the core group', () => {
    const { resources } = parseAggregatedDiscovery(fixture('discovery-aggregated-core.json'));
    expect(resources.map(brief)).toEqual(['/Binding@v1 bindings ns', '/ComponentStatus@v1 componentstatuses cluster', '/Namespace@v1 namespaces cluster', '/Pod@v1 pods ns']);
  });

  it('picks the preferred version and never lists subresources', () => {
    const { resources, failedGroups } = parseAggregatedDiscovery(fixture('discovery-aggregated-apis.json'));
    expect(resources.map(brief)).toEqual([
      'apps/Deployment@v1 deployments ns',
      'authorization.k8s.io/SelfSubjectAccessReview@v1 selfsubjectaccessreviews cluster',
      'autoscaling/HorizontalPodAutoscaler@v2 horizontalpodautoscalers ns',
    ]);
    expect(failedGroups).toEqual([]);
  });

  it('keeps a kind only a less preferred version serves, and reports stale groups', () => {
    const { resources, failedGroups } = parseAggregatedDiscovery(fixture('discovery-aggregated-partial.json'));
    expect(resources.map(brief)).toEqual([
      'metrics.example.io/NodeMetrics@v1beta1 nodes cluster',
      'widgets.example.io/Gadget@v1beta1 gadgets cluster',
      'widgets.example.io/Widget@v2 widgets ns',
    ]);
    expect(failedGroups).toEqual(['metrics.example.io/v1beta1']);
  });

  it('ignores malformed entries', () => {
    expect(parseAggregatedDiscovery({ items: [null, { versions: [{ resources: [{ resource: 'x' }] }] }] }).resources).toEqual([]);
    expect(parseAggregatedDiscovery('nonsense').resources).toEqual([]);
  });
});

describe('legacy discovery documents', () => {
  it('orders versions preferred first', () => {
    expect(parseLegacyGroups(fixture('discovery-legacy-apis.json'), { versions: ['v1'] })).toEqual([
      { group: '', versions: ['v1'] },
      { group: 'apps', versions: ['v1'] },
      { group: 'autoscaling', versions: ['v2', 'v1'] },
    ]);
  });

  it('skips subresources', () => {
    expect(parseLegacyResourceList('', 'v1', fixture('discovery-legacy-core-v1.json')).map(brief)).toEqual([
      '/Binding@v1 bindings ns',
      '/Namespace@v1 namespaces cluster',
      '/Pod@v1 pods ns',
    ]);
  });
});

describe('resource helpers', () => {
  const deployment: ApiResource = { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: ['list', 'watch'] };
  it('builds collection paths', () => {
    expect(collectionPath(deployment)).toBe('/apis/apps/v1/deployments');
    expect(collectionPath({ group: '', version: 'v1', resource: 'pods' })).toBe('/api/v1/pods');
  });
  it('needs list and watch', () => {
    expect(isWatchable(deployment)).toBe(true);
    expect(isWatchable({ verbs: ['get', 'list'] })).toBe(false);
    expect(isWatchable({ verbs: ['create'] })).toBe(false);
  });
});

describe('Discovery', () => {
  const widget: ApiResource = { group: 'example.io', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true, verbs: ['list', 'watch'] };

  function setup(results: DiscoveryResult[]) {
    let now = 0;
    let calls = 0;
    const discovery = new Discovery({
      fetch: () => Promise.resolve(results[Math.min(calls++, results.length - 1)] ?? { resources: [], failedGroups: [] }),
      minIntervalMs: 1000,
      now: () => now,
    });
    return { discovery, calls: () => calls, advance: (ms: number) => (now += ms) };
  }

  it('re-discovers an unknown kind at most once per interval', async () => {
    const t = setup([{ resources: [], failedGroups: [] }, { resources: [widget], failedGroups: [] }]);
    await t.discovery.refresh();
    expect(await t.discovery.resolve({ group: 'example.io', kind: 'Nope' })).toBeUndefined();
    expect(t.calls()).toBe(1);
    t.advance(1000);
    expect(await t.discovery.resolve({ group: 'example.io', kind: 'Widget' })).toEqual(widget);
    expect(t.calls()).toBe(2);
    expect(await t.discovery.resolve({ group: 'example.io', kind: 'Widget' })).toEqual(widget);
    expect(t.calls()).toBe(2);
  });

  it('shares a running refresh and chains one more after it', async () => {
    const t = setup([{ resources: [], failedGroups: [] }, { resources: [widget], failedGroups: ['x/v1'] }]);
    const first = t.discovery.refresh();
    const second = t.discovery.refresh();
    const third = t.discovery.refresh();
    expect(second).toBe(third);
    await Promise.all([first, second]);
    expect(t.calls()).toBe(2);
    expect(t.discovery.lookup(widget)).toEqual(widget);
    expect(t.discovery.failedGroups).toEqual(['x/v1']);
  });

  it('says how long until the next refresh may start', async () => {
    const t = setup([{ resources: [], failedGroups: [] }]);
    expect(t.discovery.waitBeforeRefresh()).toBe(0);
    await t.discovery.refresh();
    t.advance(300);
    expect(t.discovery.waitBeforeRefresh()).toBe(700);
  });
});
