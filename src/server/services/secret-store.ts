// Argo CD's declarative Secrets (`argocd.argoproj.io/secret-type: repository|repo-creds|cluster`) in the
// control-plane namespace, read and written the way Argo CD does: one Secret per repository, credential
// template or cluster, named `repo-<fnv32a(url)>`, `creds-<…>`, `cluster-<host>-<…>` when kawa creates it,
// found by its URL whatever its name (users create these Secrets with kubectl too).
//
// Values go out base64 in `data` only: never in a log, an error or an answer (the services map Secrets
// to redacted API objects).
import type { V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { SECRET_TYPE_LABEL, secretValues, type SecretType } from '../../model/index.js';
import { aborted } from '../http-errors.js';
import { kubeFailure, kubeStatusOf, type CoreClient } from '../store.js';

/** Argo CD marks the Secrets its API created with this annotation. */
export const MANAGED_BY_ANNOTATION = 'managed-by';
export const MANAGED_BY_ARGOCD = 'argocd.argoproj.io';

/** Go's hash/fnv 32a, which Argo CD names repository Secrets with. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** `repo-1234567890`, `creds-…`; for clusters `cluster-<host>-<hash>` (the host made a valid name). */
export function secretNameFor(type: SecretType, url: string): string {
  const hash = String(fnv32a(url));
  if (type === 'repository') return `repo-${hash}`;
  if (type === 'repo-creds') return `creds-${hash}`;
  let host = 'cluster';
  try {
    host = new URL(url).hostname.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'cluster';
  } catch {
    // Not a URL: the hash alone names it.
  }
  return `cluster-${host.slice(0, 200)}-${hash}`;
}

export interface StoredSecret {
  readonly secret: V1Secret;
  readonly name: string;
  /** Decoded values (`data` and `stringData`); undefined when the Secret is malformed. */
  readonly values: Record<string, string> | undefined;
}

function encode(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

/**
 * A core/v1 Secret to create or replace, its values base64-encoded in `data` only (`stringData` of an object
 * read back would be merged over `data` again, so it is never written).
 */
export function secretBody(metadata: V1ObjectMeta, values: Readonly<Record<string, string>>, type = 'Opaque'): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', type, metadata, data: encode(values) };
}

export class SecretStore {
  constructor(
    private readonly core: CoreClient,
    readonly namespace: string,
  ) {}

  async list(type: SecretType): Promise<StoredSecret[]> {
    let list;
    try {
      list = await this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector: `${SECRET_TYPE_LABEL}=${type}` });
    } catch (err) {
      throw kubeFailure(err, `listing ${type} Secrets in ${this.namespace}`);
    }
    return list.items.map((secret) => {
      let values: Record<string, string> | undefined;
      try {
        values = secretValues(secret);
      } catch {
        values = undefined;
      }
      return { secret, name: secret.metadata?.name ?? '', values };
    });
  }

  /** The Secrets of one type that parse, each with its parsed value; a malformed one is skipped (the controller reports it). */
  async listParsed<T>(type: SecretType, parse: (secret: V1Secret) => T): Promise<{ stored: StoredSecret; value: T }[]> {
    const out: { stored: StoredSecret; value: T }[] = [];
    for (const stored of await this.list(type)) {
      try {
        out.push({ stored, value: parse(stored.secret) });
      } catch {
        // Skipped: one bad Secret must not hide the others.
      }
    }
    return out;
  }

  async create(type: SecretType, name: string, values: Readonly<Record<string, string>>, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Promise<V1Secret> {
    try {
      return await this.core.createNamespacedSecret({
        namespace: this.namespace,
        body: secretBody(
          {
            name,
            namespace: this.namespace,
            labels: { ...meta.labels, [SECRET_TYPE_LABEL]: type },
            annotations: { ...meta.annotations, [MANAGED_BY_ANNOTATION]: MANAGED_BY_ARGOCD },
          },
          values,
        ),
      });
    } catch (err) {
      throw kubeFailure(err, `creating Secret ${this.namespace}/${name}`);
    }
  }

  /** Replace the values (and optionally labels/annotations) of a Secret as read; 409 when it changed meanwhile. */
  async replace(
    current: V1Secret,
    values: Readonly<Record<string, string>>,
    meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
  ): Promise<V1Secret> {
    const name = current.metadata?.name ?? '';
    const type = current.metadata?.labels?.[SECRET_TYPE_LABEL] ?? '';
    try {
      return await this.core.replaceNamespacedSecret({
        name,
        namespace: this.namespace,
        body: secretBody(
          {
            name,
            namespace: this.namespace,
            resourceVersion: current.metadata?.resourceVersion,
            uid: current.metadata?.uid,
            labels: { ...(meta.labels ?? current.metadata?.labels), [SECRET_TYPE_LABEL]: type },
            annotations: { ...(meta.annotations ?? current.metadata?.annotations) },
          },
          values,
          current.type ?? 'Opaque',
        ),
      });
    } catch (err) {
      if (kubeStatusOf(err) === 409) throw aborted(`Secret ${this.namespace}/${name} changed while it was being updated; retry`);
      throw kubeFailure(err, `updating Secret ${this.namespace}/${name}`);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ name, namespace: this.namespace });
    } catch (err) {
      if (kubeStatusOf(err) === 404) return;
      throw kubeFailure(err, `deleting Secret ${this.namespace}/${name}`);
    }
  }
}
