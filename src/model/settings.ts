// The `argocd-cm` keys kawa reads first, with Argo CD's defaults. A bad value never takes the rest
// down: each broken key falls back to its default and is reported as `<key>: <problem>`, so the
// controller keeps running on a typo and shows the user which key to fix.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError, errorCodes } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';
import { parseGoBool } from '../util/go-bool.js';
import { issuesToErrors } from './validation.js';

// The names every role reads settings under; Argo CD's own, so an existing installation keeps working.
export const ARGOCD_CM_NAME = 'argocd-cm';
export const ARGOCD_SECRET_NAME = 'argocd-secret';
export const ARGOCD_RBAC_CM_NAME = 'argocd-rbac-cm';
/** Secrets a `$<secret>:<key>` reference may read must carry this label with value `argocd` (Argo CD's rule). */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF_ARGOCD: Readonly<Record<string, string>> = { [PART_OF_LABEL]: 'argocd' };

/** Whether a Secret or ConfigMap carries `app.kubernetes.io/part-of: argocd`. */
export function isPartOfArgoCd(obj: { metadata?: { labels?: Record<string, string> | undefined } | undefined }): boolean {
  return obj.metadata?.labels?.[PART_OF_LABEL] === 'argocd';
}

/**
 * A Secret's `data` as text (base64-decoded). Lenient, unlike secretValues (secrets.ts): the API server
 * only ever hands out valid base64, and one odd key must not make the whole of argocd-secret unreadable.
 */
export function decodeSecretData(secret: { data?: Record<string, string> | undefined } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret?.data ?? {})) out[key] = Buffer.from(value, 'base64').toString('utf8');
  return out;
}

export const TRACKING_METHODS = ['annotation', 'label', 'annotation+label'] as const;
export type TrackingMethod = (typeof TRACKING_METHODS)[number];

export const ACCOUNT_CAPABILITIES = ['apiKey', 'login'] as const;
export type AccountCapability = (typeof ACCOUNT_CAPABILITIES)[number];

/** One entry of `resource.exclusions` / `resource.inclusions`; an empty list matches everything. */
export interface FilteredResource {
  /** Globs over API groups (`""` is the core group). */
  apiGroups: string[];
  /** Globs over kinds. */
  kinds: string[];
  /** Globs over cluster URLs. */
  clusters: string[];
}

/** A local user declared with `accounts.<name>`. */
export interface LocalAccount {
  name: string;
  capabilities: AccountCapability[];
  /** From `accounts.<name>.enabled`; true unless set to false. */
  enabled: boolean;
}

export interface ArgoCdSettings {
  /** The external URL of kawa's UI and API (needed for SSO callbacks and links). */
  url?: string;
  /** How often every app is refreshed from git; 0 turns periodic refresh off. */
  reconciliationTimeoutMs: number;
  /** Random extra delay up to this much, so apps do not all refresh at once. */
  reconciliationJitterMs: number;
  /** Hard refresh (render cache bypassed) period; 0 means never. */
  hardReconciliationTimeoutMs: number;
  resourceTrackingMethod: TrackingMethod;
  /** Label used by the `label` tracking methods. */
  instanceLabelKey: string;
  /** Distinguishes several installations managing one cluster (`argocd.argoproj.io/installation-id`). */
  installationID?: string;
  resourceExclusions: FilteredResource[];
  resourceInclusions: FilteredResource[];
  /** `admin.enabled`; the built-in admin user is on unless set to false. */
  adminEnabled: boolean;
  /** Sorted by name. */
  accounts: LocalAccount[];
  /**
   * `server.rbac.disableApplicationFineGrainedRBACInheritance` (default true since Argo CD 3.0): plain
   * `update`/`delete` on an app no longer grant `update/…`/`delete/…` on its live resources.
   */
  disableApplicationFineGrainedRBACInheritance: boolean;
  /**
   * Every `resource.customizations` and `resource.customizations.<kind>.<group_kind>` key, verbatim:
   * health Lua, actions, ignoreDifferences, knownTypeFields… Their consumers parse them.
   */
  resourceCustomizations: Record<string, string>;
  /** The whole ConfigMap data, for keys kawa reads later (dex.config, oidc.config, …). */
  raw: Record<string, string>;
}

export interface SettingsResult {
  settings: ArgoCdSettings;
  /** `<key>: <problem>`; each broken key was replaced by its default. */
  errors: string[];
}

export const DEFAULT_RECONCILIATION_TIMEOUT_MS = 120_000;
export const DEFAULT_RECONCILIATION_JITTER_MS = 60_000;
export const DEFAULT_INSTANCE_LABEL_KEY = 'app.kubernetes.io/instance';

/** The settings of an installation without an argocd-cm (or with an empty one). */
export function defaultSettings(): ArgoCdSettings {
  return {
    reconciliationTimeoutMs: DEFAULT_RECONCILIATION_TIMEOUT_MS,
    reconciliationJitterMs: DEFAULT_RECONCILIATION_JITTER_MS,
    hardReconciliationTimeoutMs: 0,
    resourceTrackingMethod: 'annotation',
    instanceLabelKey: DEFAULT_INSTANCE_LABEL_KEY,
    resourceExclusions: [],
    resourceInclusions: [],
    adminEnabled: true,
    accounts: [],
    disableApplicationFineGrainedRBACInheritance: true,
    resourceCustomizations: {},
    raw: {},
  };
}

const filteredResourceListSchema = z.array(
  z.looseObject({
    apiGroups: z.array(z.string()).optional(),
    kinds: z.array(z.string()).optional(),
    clusters: z.array(z.string()).optional(),
  }),
);

/** Read argocd-cm. `configMap` undefined (no argocd-cm) gives the defaults. */
export function parseArgoCdConfigMap(configMap: { data?: Record<string, string> | undefined } | undefined): SettingsResult {
  const data = configMap?.data ?? {};
  const settings = defaultSettings();
  settings.raw = { ...data };
  const errors: string[] = [];
  const value = (key: string): string | undefined => {
    const v = data[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const duration = (key: string, fallback: number): number => {
    const raw = value(key);
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms !== undefined) return ms;
    errors.push(`${key}: not a duration like 120s/3m: "${raw}" (using ${formatDuration(fallback)})`);
    return fallback;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const raw = value(key);
    if (raw === undefined) return fallback;
    // Go's strconv.ParseBool, which Argo CD uses for flags in argocd-cm.
    const parsed = parseGoBool(raw);
    if (parsed !== undefined) return parsed;
    errors.push(`${key}: expected "true" or "false", got "${raw}" (using ${String(fallback)})`);
    return fallback;
  };
  const filters = (key: string): FilteredResource[] => {
    const raw = value(key);
    if (raw === undefined) return [];
    let doc: unknown;
    try {
      doc = parseYaml(raw) as unknown;
    } catch (err) {
      errors.push(`${key}: not valid YAML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''} (ignored)`);
      return [];
    }
    if (doc === null || doc === undefined) return [];
    const parsed = filteredResourceListSchema.safeParse(doc);
    if (!parsed.success) {
      errors.push(...issuesToErrors(parsed.error.issues, doc, key).map((e) => `${e} (ignored)`));
      return [];
    }
    return parsed.data.map((f) => ({ apiGroups: f.apiGroups ?? [], kinds: f.kinds ?? [], clusters: f.clusters ?? [] }));
  };

  const url = value('url');
  if (url !== undefined) {
    if (URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)) settings.url = url.replace(/\/+$/, '');
    else errors.push(`url: "${url}" is not an http(s) URL (ignored)`);
  }
  settings.reconciliationTimeoutMs = duration('timeout.reconciliation', DEFAULT_RECONCILIATION_TIMEOUT_MS);
  settings.reconciliationJitterMs = duration('timeout.reconciliation.jitter', DEFAULT_RECONCILIATION_JITTER_MS);
  settings.hardReconciliationTimeoutMs = duration('timeout.hard.reconciliation', 0);

  const tracking = value('application.resourceTrackingMethod');
  if (tracking !== undefined) {
    const method = TRACKING_METHODS.find((m) => m === tracking);
    if (method !== undefined) settings.resourceTrackingMethod = method;
    else errors.push(`application.resourceTrackingMethod: must be one of ${TRACKING_METHODS.join(', ')}, got "${tracking}" (using annotation)`);
  }
  settings.instanceLabelKey = value('application.instanceLabelKey') ?? DEFAULT_INSTANCE_LABEL_KEY;
  const installationID = value('installationID');
  if (installationID !== undefined) settings.installationID = installationID;

  settings.resourceExclusions = filters('resource.exclusions');
  settings.resourceInclusions = filters('resource.inclusions');
  settings.adminEnabled = bool('admin.enabled', true);
  settings.accounts = parseAccounts(data, bool, errors);
  // A typo falls back to true, the stricter reading.
  settings.disableApplicationFineGrainedRBACInheritance = bool('server.rbac.disableApplicationFineGrainedRBACInheritance', true);

  for (const [key, v] of Object.entries(data)) {
    if (key === 'resource.customizations' || key.startsWith('resource.customizations.')) settings.resourceCustomizations[key] = v;
  }
  return { settings, errors };
}

function parseAccounts(data: Record<string, string>, bool: (key: string, fallback: boolean) => boolean, errors: string[]): LocalAccount[] {
  const accounts = new Map<string, LocalAccount>();
  const keys = Object.keys(data).filter((k) => k.startsWith('accounts.')).sort();
  for (const key of keys) {
    if (key.endsWith('.enabled')) continue;
    const name = key.slice('accounts.'.length);
    if (name === '') continue;
    const capabilities: AccountCapability[] = [];
    for (const raw of (data[key] ?? '').split(',')) {
      const capability = raw.trim();
      if (capability === '') continue;
      const known = ACCOUNT_CAPABILITIES.find((c) => c === capability);
      if (known === undefined) errors.push(`${key}: unknown capability "${capability}" (expected ${ACCOUNT_CAPABILITIES.join(', ')}; ignored)`);
      else if (!capabilities.includes(known)) capabilities.push(known);
    }
    accounts.set(name, { name, capabilities, enabled: true });
  }
  for (const key of keys) {
    if (!key.endsWith('.enabled')) continue;
    const name = key.slice('accounts.'.length, -'.enabled'.length);
    const account = accounts.get(name);
    if (account === undefined) errors.push(`${key}: no "accounts.${name}" key declares this account (ignored)`);
    else account.enabled = bool(key, true);
  }
  return [...accounts.values()];
}

/** parseArgoCdConfigMap for callers that must not start on a broken config: throws SETTINGS_INVALID. */
export function parseArgoCdConfigMapStrict(configMap: { data?: Record<string, string> | undefined } | undefined): ArgoCdSettings {
  const { settings, errors } = parseArgoCdConfigMap(configMap);
  if (errors.length > 0) throw new UserError(errorCodes.SETTINGS_INVALID, `${ARGOCD_CM_NAME}: ${errors.join('; ')}`);
  return settings;
}
