// A small benchmark harness: each benchmark reports one figure, the target it is held to, and the
// ratio between them. Benchmarks never fail a build; they print what they measured (machines here are
// shared and noisy, so figures are taken as the best of a few rounds).
import { performance } from 'node:perf_hooks';

export interface BenchResult {
  name: string;
  figure: number;
  unit: string;
  /** What the issue asks for, in the same unit. */
  target?: number;
  /** True when a higher figure is better (throughput); false for latencies and sizes. */
  higherIsBetter: boolean;
  notes?: string;
}

export interface Benchmark {
  name: string;
  run: () => Promise<BenchResult[]> | BenchResult[];
}

/** Operations per second of `fn` over `count` calls, best of `rounds` (after one warm-up round). */
export function throughput(count: number, fn: (i: number) => void, rounds = 5): number {
  let best = 0;
  for (let round = 0; round <= rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < count; i++) fn(i);
    const seconds = (performance.now() - start) / 1000;
    if (round > 0) best = Math.max(best, count / seconds);
  }
  return best;
}

function format(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

export function report(results: readonly BenchResult[]): string {
  const rows = results.map((r) => {
    const ratio = r.target === undefined ? '' : (r.higherIsBetter ? r.figure / r.target : r.target / r.figure).toFixed(2);
    return [r.name, `${format(r.figure)} ${r.unit}`, r.target === undefined ? '' : `${format(r.target)} ${r.unit}`, ratio, r.notes ?? ''];
  });
  const header = ['benchmark', 'figure', 'target', 'ratio (≥1 meets it)', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
