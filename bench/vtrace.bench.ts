/**
 * `npm run bench:vtrace`: times V-trace (`fromImportanceWeights`, thresholds 1/1) on
 * - `vtrace.arrays` in float32 and float64,
 * - the tensor path on every installed tfjs backend (cpu, wasm, tensorflow when @tensorflow/tfjs-node loads),
 * - and, when python3 with torch is importable, a PyTorch V-trace with a Python loop over T
 *   (bench/vtrace_torch.py), on the same inputs, checking its vs against ours.
 * Sizes [T=20,B=32], [T=100,B=256], [T=100,B=4096]. Prints medians with the p10–p90 spread and ratios,
 * plus a floor row: a loop that only reads the inputs and writes the outputs (no V-trace arithmetic).
 * Options (env): VTRACE_BENCH_MIN_TIME_MS (default 400), VTRACE_BENCH_SIZES (e.g. "20x32,100x256").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as Library from '../src/index.js';
import { findPython } from './lib/python.js';
import { formatMs, printTable, summarise, timeSync, type TimingStats } from './lib/timing.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
// The built package (dist/, what npm users run; `npm run bench:vtrace` builds it first) unless
// BENCH_FROM_SOURCE=1 (the TypeScript sources through tsx, whose keepNames wrappers add per-call costs).
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
const { vtrace } = (await import(fromSource ? '../src/index.js' : new URL('../dist/index.js', import.meta.url).href)) as typeof Library;
const minTimeMs = Number(process.env.VTRACE_BENCH_MIN_TIME_MS ?? 400);
const timing = { warmup: 5, minReps: 7, maxReps: 2000, minTimeMs };
const sizes = (process.env.VTRACE_BENCH_SIZES ?? '20x32,100x256,100x4096').split(',').map((s) => {
  const [T, B] = s.split('x').map(Number);
  return { T: T!, B: B! };
});

/** Deterministic inputs (a small LCG), float32-exact; episode ends with probability 0.05. */
function makeInputs(T: number, B: number, seed: number) {
  let state = seed >>> 0;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const n = T * B;
  const fill = (len: number, f: () => number) => Float32Array.from({ length: len }, f);
  return {
    logRhos: fill(n, () => (rand() - 0.5) * 4),
    discounts: fill(n, () => (rand() < 0.05 ? 0 : 0.99)),
    rewards: fill(n, () => rand() * 2 - 1),
    values: fill(n, () => rand() * 4 - 2),
    bootstrapValue: fill(B, () => rand() * 4 - 2),
  };
}

async function installedBackends(): Promise<string[]> {
  const names = ['cpu'];
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    names.push('wasm');
  } catch {
    console.log('# wasm backend not installed: skipped');
  }
  try {
    const optional = '@tensorflow/tfjs-node'; // optional peer: not a dev dependency
    await import(optional);
    names.push('tensorflow');
  } catch {
    console.log('# @tensorflow/tfjs-node not loadable: tensorflow backend skipped (see scripts/setup-tfjs-node-offline.sh)');
  }
  return names;
}

function timeTorch(cases: { T: number; B: number }[], inputs: ReturnType<typeof makeInputs>[], threads: number | null): { stats: TimingStats[]; maxDiff: number[]; label: string } | null {
  const { python, reason } = findPython(['torch', 'numpy'], benchDir);
  if (python === null) {
    console.log(`# PyTorch comparison skipped: python3 with torch not importable (${reason})`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vtrace-bench-'));
  try {
    cases.forEach((_, i) => {
      const x = inputs[i]!;
      const all = new Float32Array([...x.logRhos, ...x.discounts, ...x.rewards, ...x.values, ...x.bootstrapValue]);
      writeFileSync(join(dir, `case_${i}.bin`), Buffer.from(all.buffer));
    });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify({ cases, ...timing }));
    const r = spawnSync(python, [join(benchDir, 'vtrace_torch.py'), dir, ...(threads === null ? [] : [String(threads)])], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      console.log(`# PyTorch comparison failed: ${r.stderr}`);
      return null;
    }
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { samples: number[]; torch: string; threads: number });
    const maxDiff = cases.map((_, i) => {
      const bytes = readFileSync(join(dir, `torch_vs_${i}.bin`));
      const theirs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const ours = vtrace.arrays.fromImportanceWeights({ ...cases[i]!, ...inputs[i]! }).vs;
      return theirs.reduce((m, v, k) => Math.max(m, Math.abs(v - ours[k]!) / (1 + Math.abs(ours[k]!))), 0);
    });
    return { stats: lines.map((l) => summarise(l.samples)), maxDiff, label: `PyTorch ${lines[0]?.torch ?? '?'} (${lines[0]?.threads ?? '?'} threads), Python loop over T` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The memory traffic of V-trace without its arithmetic: read the four inputs once, write two outputs. */
function memoryFloor(x: ReturnType<typeof makeInputs>): { vs: Float32Array; pgAdvantages: Float32Array } {
  const n = x.logRhos.length;
  const vs = new Float32Array(n);
  const pgAdvantages = new Float32Array(n);
  const { logRhos, discounts, rewards, values } = x;
  for (let i = 0; i < n; i++) {
    vs[i] = logRhos[i]! + discounts[i]!;
    pgAdvantages[i] = rewards[i]! + values[i]!;
  }
  return { vs, pgAdvantages };
}

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  const inputs = sizes.map(({ T, B }, i) => makeInputs(T, B, 1234 + i));
  const results = new Map<string, TimingStats[]>();

  for (const dtype of ['float32', 'float64'] as const) {
    results.set(
      `vtrace.arrays ${dtype}`,
      sizes.map(({ T, B }, i) => {
        const x = inputs[i]!;
        const args = dtype === 'float32' ? x : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Float64Array.from(v)]));
        return timeSync(() => vtrace.arrays.fromImportanceWeights({ T, B, ...(args as typeof x) }), timing);
      }),
    );
  }

  // What no JavaScript V-trace can beat: one pass that only reads the four [T, B] inputs and writes
  // two new [T, B] outputs, with none of the V-trace arithmetic (no exp, no recursion).
  results.set(
    'floor: read 4 inputs, write 2 outputs, no math (float32)',
    sizes.map((_, i) => {
      const x = inputs[i]!;
      return timeSync(() => memoryFloor(x), timing);
    }),
  );

  for (const backend of await installedBackends()) {
    await tf.setBackend(backend);
    await tf.ready();
    results.set(
      `tensors, ${backend} backend`,
      sizes.map(({ T, B }, i) => {
        const x = inputs[i]!;
        const t = {
          logRhos: tf.tensor(x.logRhos, [T, B]),
          discounts: tf.tensor(x.discounts, [T, B]),
          rewards: tf.tensor(x.rewards, [T, B]),
          values: tf.tensor(x.values, [T, B]),
          bootstrapValue: tf.tensor(x.bootstrapValue, [B]),
        };
        const stats = timeSync(() => {
          const r = vtrace.fromImportanceWeights(t);
          r.vs.dataSync();
          tf.dispose([r.vs, r.pgAdvantages]);
        }, timing);
        tf.dispose(Object.values(t));
        return stats;
      }),
    );
  }

  // PyTorch with its default threads and with one (the Python loop is overhead-bound; on a busy machine
  // the default thread pool can be much slower). Ratios are against the faster of the two.
  const torchRuns = [timeTorch(sizes, inputs, null), timeTorch(sizes, inputs, 1)].filter((t): t is NonNullable<typeof t> => t !== null);
  for (const t of torchRuns) results.set(t.label, t.stats);
  const torch =
    torchRuns.length === 0
      ? null
      : {
          label: 'fastest PyTorch',
          stats: sizes.map((_, i) => torchRuns.map((t) => t.stats[i]!).reduce((a, b) => (b.medianMs < a.medianMs ? b : a))),
          maxDiff: torchRuns[0]!.maxDiff,
        };

  console.log(`\nV-trace fromImportanceWeights, median (p10–p90), node ${process.version}, tfjs-core ${tf.version_core}, impala-rl from ${fromSource ? 'src/ (tsx)' : 'dist/'}\n`);
  printTable(
    ['implementation', ...sizes.map(({ T, B }) => `T=${T}, B=${B}`)],
    [...results].map(([name, stats]) => [name, ...stats.map((s) => `${formatMs(s.medianMs)} (${formatMs(s.p10Ms)}–${formatMs(s.p90Ms)})`)]),
  );
  if (torch) {
    console.log('\nSpeed-up over the PyTorch loop (faster PyTorch median / ours):\n');
    printTable(
      ['implementation', ...sizes.map(({ T, B }) => `T=${T}, B=${B}`)],
      [...results]
        .filter(([name]) => !name.startsWith('PyTorch'))
        .map(([name, stats]) => [name, ...stats.map((s, i) => `${(torch.stats[i]!.medianMs / s.medianMs).toFixed(1)}×`)]),
    );
    console.log(`\nPyTorch vs impala-rl vs: max |Δ|/(1+|vs|) = ${torch.maxDiff.map((d) => d.toExponential(1)).join(', ')}`);
  }
}

await main();
