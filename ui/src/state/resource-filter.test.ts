import { describe, expect, it } from 'vitest';
import { isEmptyFilter, matchesResourceFilter, parseResourceFilter } from './resource-filter';
import type { TreeResource } from './tree';

function res(kind: string, name: string, more: Partial<TreeResource> = {}): TreeResource {
  return { key: `/${kind}/default/${name}`, group: '', version: 'v1', kind, namespace: 'default', name, parents: [], managed: true, hook: false, requiresPruning: false, info: [], images: [], ...more };
}

const deploy = res('Deployment', 'guestbook-ui', { group: 'apps', sync: 'OutOfSync', health: 'Progressing' });
const service = res('Service', 'guestbook-ui', { sync: 'Synced', health: 'Healthy' });
const pod = res('Pod', 'guestbook-ui-abc12', { namespace: 'web', managed: false, health: 'Healthy' });

describe('resource filter', () => {
  // [filter, what matches of deploy, service, pod]
  const cases: [string, string[]][] = [
    ['', ['Deployment', 'Service', 'Pod']],
    ['kind:Deployment', ['Deployment']],
    ['kind:deployment', ['Deployment']],
    ['kind:Deployment,kind:Service', ['Deployment', 'Service']],
    ['kind:Deployment,kind:Service,health:Healthy', ['Service']],
    ['health:Healthy', ['Service', 'Pod']],
    ['sync:OutOfSync', ['Deployment']],
    ['namespace:web', ['Pod']],
    ['name:abc', ['Pod']],
    ['name:guestbook', ['Deployment', 'Service', 'Pod']],
    [' kind : Pod , ', ['Pod']],
    // Unknown terms are ignored (and reported), not a filter that hides everything.
    ['label:app=x', ['Deployment', 'Service', 'Pod']],
    ['kind:', ['Deployment', 'Service', 'Pod']],
  ];
  it.each(cases)('%j', (value, kinds) => {
    const filter = parseResourceFilter(value);
    expect([deploy, service, pod].filter((r) => matchesResourceFilter(r, filter)).map((r) => r.kind)).toEqual(kinds);
  });

  it('reports the terms it does not understand', () => {
    expect(parseResourceFilter('kind:Pod,label:app=x,nonsense').ignored).toEqual(['label:app=x', 'nonsense']);
    expect(isEmptyFilter(parseResourceFilter('label:x'))).toBe(true);
    expect(isEmptyFilter(parseResourceFilter('kind:Pod'))).toBe(false);
  });
});
