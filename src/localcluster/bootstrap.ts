// Objects a fresh control plane needs before it is useful: kwok's fake nodes, and proof that the
// controller-manager runs (it creates the `default` ServiceAccount in every namespace).
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errorCodes, messageOf } from '../errors.js';

function coreApi(kubeconfigPath: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(CoreV1Api);
}

export function fakeNodeName(index: number): string {
  return `kwok-node-${index}`;
}

export function fakeNode(index: number): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName(index),
      // kwok manages only nodes with this annotation.
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': fakeNodeName(index),
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    spec: {},
  };
}

export async function createFakeNodes(kubeconfigPath: string, count: number): Promise<void> {
  const api = coreApi(kubeconfigPath);
  for (let i = 0; i < count; i++) {
    try {
      await api.createNode({ body: fakeNode(i) });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) {
        throw new UserError(errorCodes.CLUSTER_START_FAILED, `creating node ${fakeNodeName(i)}: ${messageOf(err)}`, { cause: err });
      }
    }
  }
}

async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = messageOf(err);
    }
    await sleep(250);
  }
  throw new UserError(errorCodes.CLUSTER_START_FAILED, `${what} within ${timeoutMs / 1000}s${lastError ? `: ${lastError}` : ''}`);
}

export async function waitForNodesReady(kubeconfigPath: string, count: number, timeoutMs: number): Promise<void> {
  const api = coreApi(kubeconfigPath);
  await poll(`kwok did not make ${count} nodes Ready (see the kwok log)`, timeoutMs, async () => {
    const nodes = await api.listNode();
    const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= count;
  });
}

export async function waitForControllers(kubeconfigPath: string, timeoutMs: number): Promise<void> {
  const api = coreApi(kubeconfigPath);
  await poll('kube-controller-manager did not create the default ServiceAccount (see its log)', timeoutMs, async () => {
    await api.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    return true;
  });
}
