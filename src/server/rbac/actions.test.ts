import { describe, expect, it } from 'vitest';
import { customAction, parseApplicationAction, resourceAction, type ApplicationAction } from './actions.js';

describe('resourceAction', () => {
  it.each([
    ['update', { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'web' }, 'update/apps/Deployment/prod/web'],
    ['delete', { group: '', kind: 'Pod', namespace: 'prod', name: 'web-1' }, 'delete//Pod/prod/web-1'],
    ['delete', { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespace: '', name: 'view' }, 'delete/rbac.authorization.k8s.io/ClusterRole//view'],
  ] as const)('%s %j is %s', (verb, resource, action) => {
    expect(resourceAction(verb, resource)).toBe(action);
  });

  it.each([
    [{ group: 'apps', kind: 'Deployment/x', namespace: 'ns', name: 'web' }, 'the kind "Deployment/x" contains "/"'],
    [{ group: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' }, 'the group "apps/v1" contains "/"'],
    [{ group: 'apps', kind: 'Deployment', namespace: 'a/b', name: 'web' }, 'the namespace "a/b" contains "/"'],
    [{ group: 'apps', kind: 'Deployment', namespace: 'ns', name: '../web' }, 'the name "../web" contains "/"'],
    [{ group: 'apps', kind: '', namespace: 'ns', name: 'web' }, 'the kind is empty'],
    [{ group: 'apps', kind: 'Deployment', namespace: 'ns', name: '' }, 'the name is empty'],
  ])('refuses %j', (resource, message) => {
    expect(() => resourceAction('update', resource)).toThrow(message);
  });
});

describe('customAction', () => {
  it('names the group, kind and action', () => {
    expect(customAction({ group: 'apps', kind: 'Deployment' }, 'restart')).toBe('action/apps/Deployment/restart');
    expect(customAction({ group: '', kind: 'Pod' }, 'maintenance-off')).toBe('action//Pod/maintenance-off');
  });

  it('refuses an action name with "/"', () => {
    expect(() => customAction({ group: 'apps', kind: 'Deployment' }, 'restart/../x')).toThrow('the action name "restart/../x" contains "/"');
  });
});

describe('parseApplicationAction', () => {
  it.each<[string, ApplicationAction]>([
    ['get', { type: 'app', verb: 'get' }],
    ['update', { type: 'app', verb: 'update' }],
    ['update/apps/Deployment/prod/web', { type: 'resource', verb: 'update', resource: { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'web' } }],
    ['delete//Pod//web', { type: 'resource', verb: 'delete', resource: { group: '', kind: 'Pod', namespace: '', name: 'web' } }],
    ['action/apps/Deployment/restart', { type: 'action', group: 'apps', kind: 'Deployment', name: 'restart' }],
    ['update/apps/Deployment', { type: 'malformed' }],
    ['update/apps/Deployment/ns/web/extra', { type: 'malformed' }],
    ['update/apps//ns/web', { type: 'malformed' }],
    ['delete/apps/Deployment/ns/', { type: 'malformed' }],
    ['action/apps/Deployment', { type: 'malformed' }],
    ['action/apps/Deployment/', { type: 'malformed' }],
    ['sync/x', { type: 'malformed' }],
  ])('%s', (action, parsed) => {
    expect(parseApplicationAction(action)).toEqual(parsed);
  });

  it('reads back what resourceAction and customAction write', () => {
    const resource = { group: 'batch', kind: 'Job', namespace: 'ns', name: 'migrate' };
    expect(parseApplicationAction(resourceAction('delete', resource))).toEqual({ type: 'resource', verb: 'delete', resource });
    expect(parseApplicationAction(customAction({ group: 'batch', kind: 'CronJob' }, 'create-job'))).toEqual({ type: 'action', group: 'batch', kind: 'CronJob', name: 'create-job' });
  });
});
