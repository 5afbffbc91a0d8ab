// `npm run bench`: runs every benchmark and prints its figure, target and ratio.
import { controllerBenchmarks } from './controller.bench.js';
import { engineBenchmarks } from './engine.bench.js';
import { engineSyncBenchmarks } from './engine-sync.bench.js';
import { report, type BenchResult, type Benchmark } from './harness.js';
import { renderBenchmarks } from './render.js';
import { serverBenchmarks } from './server.js';
import { uiBenchmarks } from './ui.js';

const benchmarks: Benchmark[] = [engineBenchmarks, engineSyncBenchmarks, renderBenchmarks, controllerBenchmarks, serverBenchmarks, uiBenchmarks];
const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const bench of benchmarks) {
  if (only.length > 0 && !only.includes(bench.name)) continue;
  process.stderr.write(`[bench] ${bench.name}…\n`);
  results.push(...(await bench.run()));
}
process.stdout.write(`${report(results)}\n`);
