// `app sync` flags → the sync request body.
import { describe, expect, it } from 'vitest';
import { parseResource, syncRequest } from './sync-request.js';

describe('syncRequest', () => {
  it.each([
    ['plain', {}, { name: 'a' }],
    ['prune and dry run', { prune: true, dryRun: true }, { name: 'a', prune: true, dryRun: true }],
    ['force uses the hook strategy', { force: true }, { name: 'a', strategy: { hook: { force: true } } }],
    ['apply strategy', { strategy: 'apply' }, { name: 'a', strategy: { apply: {} } }],
    [
      'options from flags',
      { replace: true, serverSide: true, applyOutOfSyncOnly: true, syncOption: ['Validate=false'] },
      { name: 'a', syncOptions: { items: ['Validate=false', 'Replace=true', 'ServerSideApply=true', 'ApplyOutOfSyncOnly=true'] } },
    ],
    ['resources and revision', { resource: [':Service:web', 'apps:Deployment:ns/web'], revision: 'v1' }, {
      name: 'a',
      revision: 'v1',
      resources: [
        { group: '', kind: 'Service', name: 'web' },
        { group: 'apps', kind: 'Deployment', namespace: 'ns', name: 'web' },
      ],
    }],
  ])('%s', (_name, flags, expected) => {
    expect(syncRequest('a', flags)).toEqual(expected);
  });

  it.each(['Deployment', 'apps:Deployment', 'apps::x', 'a:b:c:d'])('refuses --resource %s', (text) => {
    expect(() => parseResource(text)).toThrow(/GROUP:KIND:NAME/);
  });
  it('refuses an unknown strategy', () => {
    expect(() => syncRequest('a', { strategy: 'both' })).toThrow(/apply or hook/);
  });
});
