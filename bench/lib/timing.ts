/** Small timing helpers shared by the benchmarks: warm-up, repetitions, median and spread. */
import { performance } from 'node:perf_hooks';

/** Summary of repeated timings, in milliseconds. */
export interface TimingStats {
  readonly medianMs: number;
  /** 10th and 90th percentiles. */
  readonly p10Ms: number;
  readonly p90Ms: number;
  readonly reps: number;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

/** Summarises raw samples (ms). */
export function summarise(samples: readonly number[]): TimingStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: quantile(sorted, 0.5), p10Ms: quantile(sorted, 0.1), p90Ms: quantile(sorted, 0.9), reps: sorted.length };
}

/**
 * Times `fn` after `warmup` calls: at least `minReps` repetitions and until `minTimeMs` has passed
 * (at most `maxReps`).
 */
export function timeSync(
  fn: () => void,
  { warmup = 3, warmupMs = 0, minReps = 5, maxReps = 200, minTimeMs = 300 }: { warmup?: number; warmupMs?: number; minReps?: number; maxReps?: number; minTimeMs?: number } = {},
): TimingStats {
  // At least `warmup` calls and `warmupMs` of them (V8 first runs WebAssembly and hot JavaScript in its baseline
  // tiers, and optimises them after a while).
  const warmupStart = performance.now();
  for (let i = 0; i < warmup || performance.now() - warmupStart < warmupMs; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minReps || (performance.now() - start < minTimeMs && samples.length < maxReps)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return summarise(samples);
}

/** Async variant of {@link timeSync}. */
export async function timeAsync(
  fn: () => Promise<unknown>,
  { warmup = 3, minReps = 5, maxReps = 200, minTimeMs = 300 }: { warmup?: number; minReps?: number; maxReps?: number; minTimeMs?: number } = {},
): Promise<TimingStats> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minReps || (performance.now() - start < minTimeMs && samples.length < maxReps)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarise(samples);
}

/** Formats a duration in ms with 3 significant digits and a unit that fits. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

/** Prints rows as a Markdown table (so it can be pasted into docs and notes as is). */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}
