import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { UserError, errorCodes } from '../errors.js';
import { defaultSettings, parseArgoCdConfigMap, parseArgoCdConfigMapStrict } from './settings.js';

const fixture = parseYaml(readFileSync(new URL('./testdata/argocd-cm.yaml', import.meta.url), 'utf8')) as { data: Record<string, string> };

describe('argocd-cm', () => {
  it('no ConfigMap means Argo CD defaults', () => {
    const { settings, errors } = parseArgoCdConfigMap(undefined);
    expect(errors).toEqual([]);
    expect(settings).toStrictEqual(defaultSettings());
    expect(settings).toMatchObject({
      reconciliationTimeoutMs: 120_000,
      reconciliationJitterMs: 60_000,
      resourceTrackingMethod: 'annotation',
      instanceLabelKey: 'app.kubernetes.io/instance',
      adminEnabled: true,
    });
  });

  it('reads the documented keys', () => {
    const { settings, errors } = parseArgoCdConfigMap(fixture);
    expect(errors).toEqual([]);
    expect(settings).toMatchObject({
      url: 'https://argo-cd-demo.argoproj.io',
      reconciliationTimeoutMs: 180_000,
      reconciliationJitterMs: 0,
      hardReconciliationTimeoutMs: 0,
      resourceTrackingMethod: 'annotation+label',
      instanceLabelKey: 'mycompany.com/appname',
      adminEnabled: false,
      accounts: [
        { name: 'alice', capabilities: ['apiKey', 'login'], enabled: false },
        { name: 'ci', capabilities: ['apiKey'], enabled: true },
      ],
      resourceExclusions: [{ apiGroups: ['repositories.stash.appscode.com'], kinds: ['Snapshot'], clusters: ['*.local'] }],
      resourceInclusions: [{ apiGroups: ['*'], kinds: ['*'], clusters: [] }],
    });
    expect(Object.keys(settings.resourceCustomizations).sort()).toEqual([
      'resource.customizations.health.cert-manager.io_Certificate',
      'resource.customizations.ignoreDifferences.admissionregistration.k8s.io_MutatingWebhookConfiguration',
    ]);
    expect(settings.resourceCustomizations['resource.customizations.health.cert-manager.io_Certificate']).toContain('hs.status = "Progressing"');
    expect(settings.raw['dex.config']).toBe('connectors: []\n');
  });

  it.each<[string, Record<string, string>, string]>([
    ['timeout.reconciliation', { 'timeout.reconciliation': '3 minutes' }, 'timeout.reconciliation: not a duration like 120s/3m: "3 minutes" (using 2m0s)'],
    ['timeout.reconciliation.jitter', { 'timeout.reconciliation.jitter': '-1s' }, 'timeout.reconciliation.jitter: not a duration like 120s/3m: "-1s" (using 1m0s)'],
    [
      'application.resourceTrackingMethod',
      { 'application.resourceTrackingMethod': 'labels' },
      'application.resourceTrackingMethod: must be one of annotation, label, annotation+label, got "labels" (using annotation)',
    ],
    ['admin.enabled', { 'admin.enabled': 'no' }, 'admin.enabled: expected "true" or "false", got "no" (using true)'],
    [
      'server.rbac.disableApplicationFineGrainedRBACInheritance',
      { 'server.rbac.disableApplicationFineGrainedRBACInheritance': 'off' },
      'server.rbac.disableApplicationFineGrainedRBACInheritance: expected "true" or "false", got "off" (using true)',
    ],
    ['url', { url: 'argocd.example.com' }, 'url: "argocd.example.com" is not an http(s) URL (ignored)'],
    ['resource.exclusions YAML', { 'resource.exclusions': '- apiGroups: [unclosed' }, 'resource.exclusions: not valid YAML'],
    ['resource.exclusions shape', { 'resource.exclusions': '- kinds: Snapshot' }, 'resource.exclusions[0].kinds: expected array, got string (ignored)'],
    ['resource.inclusions shape', { 'resource.inclusions': 'apiGroups: ["*"]' }, 'resource.inclusions: expected array, got object (ignored)'],
    ['account capability', { 'accounts.bob': 'apiKey, admin' }, 'accounts.bob: unknown capability "admin" (expected apiKey, login; ignored)'],
    ['orphan .enabled', { 'accounts.carol.enabled': 'true' }, 'accounts.carol.enabled: no "accounts.carol" key declares this account (ignored)'],
    ['account .enabled value', { 'accounts.dan': 'login', 'accounts.dan.enabled': 'nope' }, 'accounts.dan.enabled: expected "true" or "false", got "nope" (using true)'],
  ])('reports a bad %s and keeps the default', (_key, data, message) => {
    const { settings, errors } = parseArgoCdConfigMap({ data });
    expect(errors.length).toBe(1);
    expect(errors[0]).toContain(message);
    const { raw: _raw, accounts: _accounts, ...rest } = settings;
    const { raw: _r, accounts: _a, ...defaults } = defaultSettings();
    expect(rest).toStrictEqual(defaults);
  });

  it('a broken key does not hide the good ones', () => {
    const { settings, errors } = parseArgoCdConfigMap({ data: { 'timeout.reconciliation': 'soon', 'timeout.reconciliation.jitter': '10s' } });
    expect(errors).toHaveLength(1);
    expect(settings.reconciliationTimeoutMs).toBe(120_000);
    expect(settings.reconciliationJitterMs).toBe(10_000);
  });

  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['true', true],
    ['false', false],
    ['False', false],
    ['0', false],
    [' ', true],
  ])('server.rbac.disableApplicationFineGrainedRBACInheritance %j reads as %s', (value, disabled) => {
    const data: Record<string, string> = value === undefined ? {} : { 'server.rbac.disableApplicationFineGrainedRBACInheritance': value };
    expect(parseArgoCdConfigMap({ data }).settings.disableApplicationFineGrainedRBACInheritance).toBe(disabled);
  });

  it('"0" turns periodic refresh off', () => {
    expect(parseArgoCdConfigMap({ data: { 'timeout.reconciliation': '0' } }).settings.reconciliationTimeoutMs).toBe(0);
  });

  it('the strict form throws SETTINGS_INVALID naming the ConfigMap and key', () => {
    expect(() => parseArgoCdConfigMapStrict({ data: { 'application.resourceTrackingMethod': 'x' } })).toThrow(UserError);
    try {
      parseArgoCdConfigMapStrict({ data: { 'timeout.reconciliation': 'x' } });
    } catch (err) {
      expect((err as UserError).code).toBe(errorCodes.SETTINGS_INVALID);
      expect((err as UserError).message).toMatch(/^argocd-cm: timeout\.reconciliation: /);
    }
    expect(parseArgoCdConfigMapStrict(fixture).resourceTrackingMethod).toBe('annotation+label');
  });
});
