// Pure engine throughput: diff of unchanged objects and health assessment (issue: the GitOps engine).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { diff, type KubeObject } from '../src/engine/diff/index.js';
import { assessHealth, toKubeObject } from '../src/engine/health/index.js';
import { throughput, type Benchmark } from './harness.js';

function fixture(path: string): unknown {
  return parse(readFileSync(new URL(`../src/engine/${path}`, import.meta.url), 'utf8'));
}

export const engineBenchmarks: Benchmark = {
  name: 'engine',
  run: () => {
    const pair = fixture('diff/testdata/deployment-synced.yaml') as { desired: KubeObject; live: KubeObject };
    // Distinct live copies, as a cache of 2,000 Deployments would hold, so no comparison reuses another's work.
    const lives = Array.from({ length: 2000 }, () => structuredClone(pair.live));
    const desireds = Array.from({ length: 2000 }, () => structuredClone(pair.desired));
    if (!diff(pair.desired, pair.live).synced) throw new Error('benchmark fixture is not Synced');
    const diffRate = throughput(lives.length, (i) => {
      diff(desireds[i] as KubeObject, lives[i]);
    });

    const healthObjects = ['deployment-healthy', 'deployment-progressing-updated', 'pod-running-healthy', 'replicaset-healthy', 'job-complete', 'statefulset-healthy']
      .map((name) => toKubeObject(fixture(`health/testdata/${name}.yaml`)))
      .filter((o) => o !== undefined);
    if (healthObjects.length === 0) throw new Error('no health fixtures found');
    const healthRate = throughput(100_000, (i) => {
      const obj = healthObjects[i % healthObjects.length];
      if (obj) assessHealth(obj);
    });

    return [
      { name: 'diff: unchanged Deployment (SSA-applied, defaulted live)', figure: diffRate, unit: 'objects/s', target: 10_000, higherIsBetter: true, notes: 'one core' },
      { name: `health: mix of ${healthObjects.length} kinds`, figure: healthRate, unit: 'objects/s', target: 100_000, higherIsBetter: true, notes: 'one core' },
    ];
  },
};
