// Vitest global setup for the e2e project: one real control plane per test run.
// Reuses the `test` cluster when it is already up (fast re-runs), or the cluster named by
// $KAWA_TEST_KUBECONFIG; otherwise starts one and stops it at the end (unless $KAWA_KEEP_CLUSTER=1).
import type { TestProject } from 'vitest/node';
import { ensureTools } from '../../src/tools/build-tools.js';
import { ensureImage, runMayNeedImage } from './image.js';
import { down, status, up } from '../../src/localcluster/cluster.js';
import { loadPins, projectRoot } from '../../src/tools/pins.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** The pinned Kubernetes release, e.g. v1.37.2 (what /version must report). */
    kubernetesVersion: string;
  }
}

export const TEST_CLUSTER = 'test';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = projectRoot();
  const pins = loadPins(root);
  project.provide('kubernetesVersion', pins.groups.find((g) => g.name === 'kubernetes')?.version ?? '');
  // Every pinned binary the e2e tests use (the control plane and the renderers): a fresh machine
  // builds them here, so `npm test` needs no separate `npm run tools:build`.
  await ensureTools(pins, { log: (line) => { process.stderr.write(`[tools] ${line}\n`); } });
  // kawa's image for the image and install tests: its build takes both cores for a minute or more (`npm run
  // build`, buildah), so it runs here, before any test, not beside timing-sensitive ones in other files.
  if (process.env['KAWA_TEST_IMAGE'] === undefined && runMayNeedImage()) await ensureImage();
  const external = process.env['KAWA_TEST_KUBECONFIG'];
  if (external) {
    project.provide('kubeconfig', external);
    return () => Promise.resolve();
  }
  const before = await status({ root, name: TEST_CLUSTER });
  const started = Date.now();
  const state = await up({ root, name: TEST_CLUSTER, pins, log: (line) => { process.stderr.write(`[cluster] ${line}\n`); } });
  if (!before.running) process.stderr.write(`[cluster] test cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  project.provide('kubeconfig', state.kubeconfig);
  return async () => {
    if (before.running || process.env['KAWA_KEEP_CLUSTER'] === '1') return;
    await down({ root, name: TEST_CLUSTER });
  };
}
