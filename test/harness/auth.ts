// Helpers for the account-store tests on the real API server.
import { CoreV1Api } from '@kubernetes/client-node';
import { AccountStore, type SecretsApi } from '../../src/server/auth/index.js';
import { testKubeConfig } from './kube.js';

/** The HTTP status a client-node error carries. */
export const codeOf = (err: unknown): number | undefined => (err as { code?: number } | null)?.code;

/**
 * `count` account stores, each with its own real client, whose first read of a Secret is held until all
 * of them have read: they then race on the same state, and the API server itself refuses the losers
 * (409). Every refused write's status is pushed to `conflicts`.
 */
export function racingStores(count: number, namespace: string, conflicts: number[]): AccountStore[] {
  let reads = 0;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => (release = resolve));
  return Array.from({ length: count }, () => {
    const client = testKubeConfig().makeApiClient(CoreV1Api);
    let first = true;
    const countConflict = (err: unknown): never => {
      conflicts.push(codeOf(err) ?? -1);
      throw err;
    };
    const racing: SecretsApi = {
      readNamespacedConfigMap: (param) => client.readNamespacedConfigMap(param),
      readNamespacedSecret: async (param) => {
        const result = await client.readNamespacedSecret(param).then(
          (secret) => ({ secret, err: undefined }),
          (err: unknown) => ({ secret: undefined, err }),
        );
        if (first) {
          first = false;
          if (++reads === count) release();
          await allRead;
        }
        if (result.secret !== undefined) return result.secret;
        throw result.err;
      },
      createNamespacedSecret: (param) => client.createNamespacedSecret(param).catch(countConflict),
      replaceNamespacedSecret: (param) => client.replaceNamespacedSecret(param).catch(countConflict),
    };
    return new AccountStore({ core: racing, namespace });
  });
}

/** A Secret's data, decoded, or undefined when it does not exist. */
export async function readSecretData(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const secret = await core.readNamespacedSecret({ name, namespace }).catch((err: unknown) => {
    if (codeOf(err) === 404) return undefined;
    throw err;
  });
  if (secret === undefined) return undefined;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
