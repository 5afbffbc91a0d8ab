import { describe, expect, it } from 'vitest';
import type { AppProject } from '../model/index.js';
import { impersonationEnabled, serviceAccountFor, type ImpersonationDestination } from './impersonation.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';
const REMOTE = 'https://prod.example:6443';

type Entry = { server: string; namespace?: string; defaultServiceAccount: string };
const project = (entries: Entry[] | undefined): AppProject =>
  ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'team' }, spec: entries === undefined ? {} : { destinationServiceAccounts: entries } });
const dest = (server: string, namespace: string | undefined, appNamespace = 'argocd'): ImpersonationDestination => ({ server, namespace, appNamespace });

describe('serviceAccountFor', () => {
  const cases: { name: string; entries: Entry[] | undefined; dest: ImpersonationDestination; user?: string; entry?: number; error?: string }[] = [
    { name: 'exact server and namespace; bare name lives in the destination namespace', entries: [{ server: IN_CLUSTER, namespace: 'web', defaultServiceAccount: 'deployer' }], dest: dest(IN_CLUSTER, 'web'), user: 'system:serviceaccount:web:deployer', entry: 0 },
    { name: 'namespace:name names another namespace', entries: [{ server: IN_CLUSTER, namespace: 'web', defaultServiceAccount: 'tenants:web-sync' }], dest: dest(IN_CLUSTER, 'web'), user: 'system:serviceaccount:tenants:web-sync', entry: 0 },
    { name: 'first match wins, in order', entries: [{ server: '*', namespace: 'web-*', defaultServiceAccount: 'first' }, { server: IN_CLUSTER, namespace: 'web-a', defaultServiceAccount: 'second' }], dest: dest(IN_CLUSTER, 'web-a'), user: 'system:serviceaccount:web-a:first', entry: 0 },
    { name: 'a non-matching entry is skipped', entries: [{ server: REMOTE, namespace: '*', defaultServiceAccount: 'remote' }, { server: IN_CLUSTER, namespace: '*', defaultServiceAccount: 'local' }], dest: dest(IN_CLUSTER, 'web'), user: 'system:serviceaccount:web:local', entry: 1 },
    { name: 'server glob', entries: [{ server: 'https://*.example:6443', namespace: '*', defaultServiceAccount: 'sa' }], dest: dest(REMOTE, 'web'), user: 'system:serviceaccount:web:sa', entry: 0 },
    { name: 'namespace glob with alternatives', entries: [{ server: '*', namespace: '{web,api}', defaultServiceAccount: 'sa' }], dest: dest(IN_CLUSTER, 'api'), user: 'system:serviceaccount:api:sa', entry: 0 },
    { name: 'no namespace on the destination: "*" matches, the SA is in the app namespace', entries: [{ server: '*', namespace: '*', defaultServiceAccount: 'sa' }], dest: dest(IN_CLUSTER, undefined, 'apps'), user: 'system:serviceaccount:apps:sa', entry: 0 },
    { name: 'an entry without namespace matches only a destination without one', entries: [{ server: '*', defaultServiceAccount: 'sa' }], dest: dest(IN_CLUSTER, 'web'), error: 'no matching service account found for destination server https://kubernetes.default.svc and namespace web' },
    { name: 'an entry without namespace, destination without one', entries: [{ server: '*', defaultServiceAccount: 'sa' }], dest: dest(IN_CLUSTER, ''), user: 'system:serviceaccount:argocd:sa', entry: 0 },
    { name: 'no entries at all is a refusal', entries: undefined, dest: dest(IN_CLUSTER, 'web'), error: "no matching service account found for destination server https://kubernetes.default.svc and namespace web in project team's destinationServiceAccounts" },
    { name: 'namespace mismatch is a refusal', entries: [{ server: '*', namespace: 'web', defaultServiceAccount: 'sa' }], dest: dest(IN_CLUSTER, 'other'), error: 'no matching service account found for destination server https://kubernetes.default.svc and namespace other' },
    { name: 'server mismatch is a refusal', entries: [{ server: IN_CLUSTER, namespace: '*', defaultServiceAccount: 'sa' }], dest: dest(REMOTE, 'web'), error: 'no matching service account found for destination server https://prod.example:6443 and namespace web' },
    { name: 'a malformed glob matches nothing', entries: [{ server: '[', namespace: '*', defaultServiceAccount: 'sa' }], dest: dest(IN_CLUSTER, 'web'), error: 'no matching service account found' },
    { name: 'a blank service account is refused, not the controller', entries: [{ server: '*', namespace: '*', defaultServiceAccount: '  ' }], dest: dest(IN_CLUSTER, 'web'), error: `project team's destinationServiceAccounts[0]: defaultServiceAccount "  " is not a service account name or namespace:name` },
    { name: 'a name with a space is refused', entries: [{ server: '*', namespace: '*', defaultServiceAccount: 'a b' }], dest: dest(IN_CLUSTER, 'web'), error: 'defaultServiceAccount "a b" is not a service account name' },
    { name: 'a glob as service account is refused', entries: [{ server: '*', namespace: '*', defaultServiceAccount: '*' }], dest: dest(IN_CLUSTER, 'web'), error: 'defaultServiceAccount "*" is not' },
    { name: 'too many colons are refused', entries: [{ server: '*', namespace: '*', defaultServiceAccount: 'a:b:c' }], dest: dest(IN_CLUSTER, 'web'), error: 'defaultServiceAccount "a:b:c" is not' },
    { name: 'an empty namespace part is refused', entries: [{ server: '*', namespace: '*', defaultServiceAccount: ':sa' }], dest: dest(IN_CLUSTER, 'web'), error: 'defaultServiceAccount ":sa" is not' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = serviceAccountFor(project(c.entries), c.dest);
      if (c.error === undefined) expect(got).toMatchObject({ ok: true, user: c.user, entry: c.entry });
      else expect(got.ok ? got.user : got.message).toContain(c.error);
    });
  }
});

describe('impersonationEnabled', () => {
  const cases: [Record<string, string>, boolean, boolean][] = [
    [{}, false, false],
    [{ 'application.sync.impersonation.enabled': 'true' }, true, false],
    [{ 'application.sync.impersonation.enabled': 'True' }, true, false],
    [{ 'application.sync.impersonation.enabled': '1' }, true, false],
    [{ 'application.sync.impersonation.enabled': 'false' }, false, false],
    [{ 'application.sync.impersonation.enabled': '' }, false, false],
    [{ 'application.sync.impersonation.enabled': 'yes' }, false, true],
  ];
  for (const [data, enabled, problem] of cases) {
    it(JSON.stringify(data), () => {
      const got = impersonationEnabled(data);
      expect([got.enabled, got.problem !== undefined]).toEqual([enabled, problem]);
    });
  }
});
