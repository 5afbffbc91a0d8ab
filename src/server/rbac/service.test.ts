import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import { loadProjectRoles } from './projects.js';
import { RbacService } from './service.js';

const alice = { user: 'alice', groups: [] };
const canSync = (rbac: RbacService) => rbac.enforce(alice, 'applications', 'sync', 'team-a/web');

describe('RbacService', () => {
  it('starts with the built-in policy only', async () => {
    const rbac = await RbacService.create();
    expect(rbac.enforce({ user: 'admin', groups: [] }, 'clusters', 'delete', 'x')).toBe(true);
    expect(rbac.enforce(alice, 'applications', 'get', 'a/b')).toBe(false);
  });

  it('installs a valid policy and keeps it when the next one is invalid', async () => {
    const rbac = await RbacService.create();
    expect(await rbac.update({ 'policy.csv': 'p, alice, applications, sync, team-a/*, allow' })).toEqual({ ok: true });
    expect(canSync(rbac)).toBe(true);

    const refused = await rbac.update({ 'policy.csv': 'p, alice, applications, sync' });
    expect(refused.ok).toBe(false);
    expect(rbac.lastError?.code).toBe(errorCodes.RBAC_POLICY_INVALID);
    expect(rbac.lastError?.message).toContain('policy.csv line 1');
    expect(canSync(rbac)).toBe(true);

    expect(await rbac.update({ 'policy.csv': '' })).toEqual({ ok: true });
    expect(rbac.lastError).toBeUndefined();
    expect(canSync(rbac)).toBe(false);
  });

  it('applies project changes on top of the last valid policy while the ConfigMap is broken', async () => {
    const rbac = await RbacService.create();
    await rbac.update({ 'policy.default': 'role:readonly' });
    const withRole = loadProjectRoles([
      { metadata: { name: 'team-a' }, spec: { roles: [{ name: 'dev', policies: ['p, proj:team-a:dev, applications, sync, team-a/*, allow'], groups: ['devs'] }] } },
    ]).roles;
    await rbac.updateProjects(withRole);
    const dev = { user: 'bob', groups: ['devs'] };
    expect(rbac.enforce(dev, 'applications', 'sync', 'team-a/web')).toBe(true);

    await rbac.update({ 'policy.matchMode': 'fuzzy' });
    expect(rbac.lastError).toBeDefined();
    await rbac.updateProjects([]);
    expect(rbac.enforce(dev, 'applications', 'sync', 'team-a/web')).toBe(false);
    // Still the readonly default from the last valid ConfigMap, and still reporting the broken one.
    expect(rbac.enforce(dev, 'applications', 'get', 'team-a/web')).toBe(true);
    expect(rbac.lastError?.message).toContain('policy.matchMode');
  });

  it('lets the newest of two overlapping updates win', async () => {
    const rbac = await RbacService.create();
    const first = rbac.update({ 'policy.csv': 'p, alice, applications, sync, team-a/*, allow' });
    const second = rbac.update({ 'policy.csv': '' });
    await Promise.all([first, second]);
    expect(canSync(rbac)).toBe(false);
  });

  it('switches fine-grained inheritance with the argocd-cm setting, even while argocd-rbac-cm is broken', async () => {
    const rbac = await RbacService.create();
    const policy = { 'policy.csv': 'p, alice, applications, update, team-a/*, allow' };
    const patch = () => rbac.enforce(alice, 'applications', 'update/apps/Deployment/ns/web', 'team-a/web');
    expect(await rbac.update(policy)).toEqual({ ok: true });
    expect([rbac.enforcer.applicationFineGrainedInheritance, patch()]).toEqual([false, false]);
    await rbac.update(policy, { applicationFineGrainedInheritance: true });
    expect([rbac.enforcer.applicationFineGrainedInheritance, patch()]).toEqual([true, true]);
    // Without settings the last ones stay.
    await rbac.update(policy);
    expect(patch()).toBe(true);
    // A broken policy keeps the last valid one, but the new setting applies to it.
    expect((await rbac.update({ 'policy.csv': 'p, broken' }, { applicationFineGrainedInheritance: false })).ok).toBe(false);
    expect([rbac.enforcer.applicationFineGrainedInheritance, patch(), rbac.enforce(alice, 'applications', 'update', 'team-a/web')]).toEqual([false, false, true]);
    expect(rbac.lastError?.code).toBe(errorCodes.RBAC_POLICY_INVALID);
  });

  it('goes back to the built-in policy when the ConfigMap is deleted', async () => {
    const rbac = await RbacService.create();
    await rbac.update({ 'policy.default': 'role:admin' });
    expect(rbac.enforce(alice, 'clusters', 'delete', 'x')).toBe(true);
    await rbac.update(undefined);
    expect(rbac.enforce(alice, 'clusters', 'delete', 'x')).toBe(false);
  });
});
