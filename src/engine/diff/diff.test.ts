// Table-driven: each testdata/<case>.yaml holds a desired object (as rendered from Git) and the live one
// (as the API server returns it, with defaults, status and managedFields), or derives from another case
// through `base` plus RFC 6902 style patches. One line per case: the expected status and differences.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { diff, type DiffOptions, type DiffResult, type KubeObject } from './index.js';
import { decodePointer } from './pointer.js';
import { isRecord } from './values.js';

const patchOp = z.object({
  op: z.enum(['add', 'replace', 'remove']),
  path: z.string(),
  value: z.unknown().optional(),
});
type PatchOp = z.infer<typeof patchOp>;

const kubeObject = z.looseObject({ apiVersion: z.string(), kind: z.string() });

const fixture = z.strictObject({
  base: z.string().optional(),
  options: z
    .strictObject({
      manager: z.string().optional(),
      ignoreAggregatedRoles: z.boolean().optional(),
      clientSideApplyMigration: z.boolean().optional(),
      ignoreDifferences: z
        .array(
          z.strictObject({
            group: z.string().optional(),
            kind: z.string().optional(),
            name: z.string().optional(),
            namespace: z.string().optional(),
            jsonPointers: z.array(z.string()).optional(),
            jqPathExpressions: z.array(z.string()).optional(),
            managedFieldsManagers: z.array(z.string()).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  desired: kubeObject.optional(),
  live: kubeObject.nullable().optional(),
  desiredPatch: z.array(patchOp).optional(),
  livePatch: z.array(patchOp).optional(),
});

interface Case {
  desired: KubeObject;
  live: KubeObject | null;
  options: DiffOptions;
}

function applyPatch(target: unknown, ops: readonly PatchOp[], file: string): void {
  for (const { op, path, value } of ops) {
    const segments = decodePointer(path);
    const last = segments?.pop();
    if (segments === undefined || last === undefined) throw new Error(`${file}: bad patch path ${path}`);
    let parent = target;
    for (const segment of segments) {
      parent = Array.isArray(parent) ? (parent[Number(segment)] as unknown) : isRecord(parent) ? parent[segment] : undefined;
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (op === 'add') parent.splice(index, 0, value);
      else if (op === 'replace') parent[index] = value;
      else parent.splice(index, 1);
    } else if (isRecord(parent)) {
      if (op === 'remove') Reflect.deleteProperty(parent, last);
      else parent[last] = value;
    } else {
      throw new Error(`${file}: patch path ${path} has no parent`);
    }
  }
}

const parsed = new Map<string, z.infer<typeof fixture>>();

function readFixture(file: string): z.infer<typeof fixture> {
  let raw = parsed.get(file);
  if (!raw) {
    raw = fixture.parse(parse(readFileSync(new URL(`testdata/${file}`, import.meta.url), 'utf8')));
    parsed.set(file, raw);
  }
  return raw;
}

function loadCase(name: string): Case {
  const file = `${name}.yaml`;
  const raw = readFixture(file);
  const base = raw.base === undefined ? undefined : loadCase(raw.base);
  const desired = structuredClone(raw.desired ?? base?.desired);
  const live = structuredClone(raw.live === undefined ? base?.live : raw.live);
  if (desired === undefined || live === undefined) throw new Error(`${file}: needs desired and live (or a base)`);
  applyPatch(desired, raw.desiredPatch ?? [], file);
  if (raw.livePatch) applyPatch(live, raw.livePatch, file);
  return { desired, live, options: raw.options ?? base?.options ?? {} };
}

/** `Synced`, `Missing`, or `OutOfSync: <kind> <path>, …` — enough to pin a case on one line. */
function summary(result: DiffResult): string {
  if (result.differences.length === 0) return result.status;
  return `${result.status}: ${result.differences.map((d) => `${d.kind} ${d.path}`).join(', ')}`;
}

function run(name: string): DiffResult {
  const { desired, live, options } = loadCase(name);
  return diff(desired, live, options);
}

const C = '/spec/template/spec/containers';

const cases: ReadonlyArray<readonly [file: string, expected: string]> = [
  // Deployment
  ['deployment-synced', 'Synced'],
  ['deployment-missing', 'Missing'],
  ['deployment-image-changed', `OutOfSync: changed ${C}/0/image`],
  ['deployment-env-removed-from-git', `OutOfSync: removed-from-desired ${C}/0/env/1`],
  ['deployment-env-removed-other-manager', 'Synced'],
  ['deployment-env-added-in-git', `OutOfSync: missing-in-live ${C}/0/env/2`],
  ['deployment-env-added-by-webhook', 'Synced'],
  ['deployment-env-edited-in-live', `OutOfSync: changed ${C}/0/env/0/value`],
  ['deployment-created-by-argocd-csa', 'Synced'],
  ['deployment-env-removed-argocd-csa', `OutOfSync: removed-from-desired ${C}/0/env/1`],
  ['deployment-replicas-removed-argocd-ssa', 'OutOfSync: removed-from-desired /spec/replicas'],
  ['deployment-label-removed-from-git', 'OutOfSync: removed-from-desired /metadata/labels/app.kubernetes.io~1part-of'],
  ['deployment-label-added-in-live', 'Synced'],
  ['deployment-hpa-scaled', 'OutOfSync: changed /spec/replicas'],
  ['deployment-hpa-scaled-ignored', 'Synced'],
  ['deployment-hpa-scaled-wildcard-rule', 'Synced'],
  ['deployment-hpa-no-replicas-in-git', 'Synced'],
  ['deployment-replicas-json-pointer', 'Synced'],
  ['deployment-ignore-rule-other-kind', 'OutOfSync: changed /spec/replicas'],
  ['deployment-ignore-rule-other-name', 'OutOfSync: changed /spec/replicas'],
  ['deployment-annotation-pointer-escaped', 'Synced'],
  ['deployment-quantity-spellings', 'Synced'],
  ['deployment-quantity-changed', `OutOfSync: changed ${C}/0/resources/limits/memory`],
  ['deployment-int-or-string', 'Synced'],
  ['deployment-empty-values', 'Synced'],
  ['deployment-last-applied-annotation', 'Synced'],
  ['deployment-status-in-git', 'Synced'],
  ['deployment-udp-port-added', `OutOfSync: missing-in-live ${C}/0/ports/1`],
  ['deployment-args-reordered', `OutOfSync: changed ${C}/0/args/0, changed ${C}/0/args/1`],
  ['deployment-args-shorter-in-live', `OutOfSync: changed ${C}/0/args`],
  ['deployment-two-containers-reordered', 'Synced'],
  ['deployment-sidecar-injected', 'Synced'],
  ['deployment-sidecar-removed-from-git', `OutOfSync: removed-from-desired ${C}/1`],
  // Service
  ['service-synced', 'Synced'],
  ['service-target-port-string', 'Synced'],
  ['service-port-changed', 'OutOfSync: missing-in-live /spec/ports/0, removed-from-desired /spec/ports/0'],
  ['service-type-changed', 'OutOfSync: changed /spec/type'],
  // Secret and ConfigMap
  ['secret-string-data-synced', 'Synced'],
  ['secret-string-data-changed', 'OutOfSync: changed /data/password'],
  ['secret-key-removed-from-git', 'OutOfSync: removed-from-desired /data/token'],
  ['secret-base64-wrapped', 'Synced'],
  ['configmap-synced', 'Synced'],
  ['configmap-value-changed', 'OutOfSync: changed /data/log.level'],
  ['configmap-key-removed-from-git', 'OutOfSync: removed-from-desired /data/feature.x'],
  ['configmap-key-removed-argocd-csa', 'OutOfSync: removed-from-desired /data/feature.x'],
  ['configmap-key-removed-argocd-csa-no-migration', 'Synced'],
  ['configmap-key-removed-other-csa-manager', 'Synced'],
  // Null is absent, on either side
  ['deployment-null-fields', 'Synced'],
  ['configmap-null-data', 'Synced'],
  ['configmap-null-data-label-removed', 'OutOfSync: removed-from-desired /metadata/labels/app.kubernetes.io~1instance'],
  ['deployment-null-annotations-restarted', 'Synced'],
  ['deployment-null-replicas-defaulted', 'Synced'],
  ['deployment-null-env-not-applied-yet', `OutOfSync: removed-from-desired ${C}/0/env/1, removed-from-desired ${C}/0/env/0`],
  ['configmap-null-metadata-in-live', 'Synced'],
  // RBAC
  ['clusterrole-aggregated', 'Synced'],
  ['clusterrole-aggregated-compared', 'OutOfSync: changed /rules'],
  ['clusterrole-verbs-changed', 'OutOfSync: changed /rules/0/verbs'],
  // Quantities outside pods
  ['resourcequota-synced', 'Synced'],
  ['resourcequota-changed', 'OutOfSync: changed /spec/hard/pods'],
  ['limitrange-synced', 'Synced'],
  ['pvc-synced', 'Synced'],
  ['pvc-expanded-in-git', 'OutOfSync: changed /spec/resources/requests/storage'],
  ['hpa-synced', 'Synced'],
  ['pdb-synced', 'Synced'],
  // Workloads with API-server additions
  ['statefulset-synced', 'Synced'],
  ['pod-synced', 'Synced'],
  ['pod-created-by-argocd-csa', 'Synced'],
  ['pod-toleration-changed', 'OutOfSync: missing-in-live /spec/tolerations/0'],
  // Custom resources: list semantics learnt from managedFields
  ['cr-synced', 'Synced'],
  ['cr-atomic-list-grown', 'OutOfSync: changed /spec/users'],
  ['cr-finalizer-removed-from-git', 'OutOfSync: missing-in-live /metadata/finalizers/0, removed-from-desired /metadata/finalizers/0'],
  ['cr-field-removed-from-git', 'OutOfSync: removed-from-desired /spec/backup'],
];

describe('diff fixtures', () => {
  it.each(cases)('%s', (file, expected) => {
    expect(summary(run(file))).toBe(expected);
  });
});

describe('secret redaction', () => {
  it('reports a changed Secret value without the value', () => {
    const result = run('secret-string-data-changed');
    // Masks go by first sight, keys sorted: desired password, desired username, then live's old password.
    expect(result.differences).toEqual([{ path: '/data/password', kind: 'changed', desired: '++++++++', live: '++++++++++' }]);
  });

  it('leaks neither plain text nor base64 of any case', () => {
    const secrets = ['s3cr3t-old', 's3cr3t-new', 'czNjcjN0LW9sZA==', 'czNjcjN0LW5ldw==', 'ghp_0123456789', 'Z2hwXzAxMjM0NTY3ODk='];
    const text = JSON.stringify(['secret-string-data-changed', 'secret-key-removed-from-git', 'secret-string-data-synced'].map(run));
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
  });
});

describe('jqPathExpressions', () => {
  it('is skipped with a warning until an evaluator is supplied', () => {
    const { desired, live } = loadCase('deployment-hpa-scaled');
    const result = diff(desired, live, { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] }] });
    expect([result.status, result.warnings.length]).toEqual(['OutOfSync', 1]);
  });

  it('removes the paths a supplied evaluator selects', () => {
    const { desired, live } = loadCase('deployment-hpa-scaled');
    const jq = { paths: (expression: string) => (expression === '.spec.replicas' ? [['spec', 'replicas']] : []) };
    const result = diff(desired, live, { jq, ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] }] });
    expect([result.status, result.warnings]).toEqual(['Synced', []]);
  });

  it('turns an evaluator failure into a warning', () => {
    const { desired, live } = loadCase('deployment-hpa-scaled');
    const jq = {
      paths: (): never => {
        throw new Error('timed out after 1s');
      },
    };
    const result = diff(desired, live, { jq, ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.x'] }] });
    expect(result.warnings).toEqual(['ignoreDifferences: jq ".x" failed: timed out after 1s']);
  });
});

describe('purity', () => {
  it('does not modify its inputs', () => {
    const { desired, live, options } = loadCase('deployment-hpa-scaled-ignored');
    const before = JSON.stringify([desired, live]);
    diff(desired, live, options);
    expect(JSON.stringify([desired, live])).toBe(before);
  });
});
