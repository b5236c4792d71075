/**
 * `npm run bench:vtrace`: times V-trace (`fromImportanceWeights`, thresholds 1/1) on
 * - `vtrace.arrays` in float32 and float64 (the WebAssembly SIMD kernel where available, copies included),
 * - `vtrace.arrays.VTraceWorkspace` (the same kernel on arrays that already live in its memory: no copies),
 * - the JavaScript kernel (the fallback) called directly, in float32 and float64,
 * - the tensor path on every installed tfjs backend (cpu, wasm, tensorflow when @tensorflow/tfjs-node loads),
 * - and, when python3 with torch is importable, a PyTorch V-trace with a Python loop over T
 *   (bench/vtrace_torch.py), on the same inputs, checking its vs against ours,
 * - and, when python3 with jax is importable, a jit-compiled JAX V-trace (lax.scan, bench/vtrace_jax.py): the
 *   compiled-speed anchor, also checked against ours.
 * Python is `$IMPALA_BENCH_PYTHON`, bench/.venv/bin/python or python3, whichever imports the modules.
 * Sizes [T=20,B=32], [T=100,B=256], [T=100,B=4096]. Prints medians with the p10–p90 spread and ratios,
 * plus a floor row: a loop that only reads the inputs and writes the outputs (no V-trace arithmetic).
 * Then, with JAX, the target comparison again in VTRACE_BENCH_ROUNDS interleaved rounds (default 3): the
 * `vtrace.arrays` float32 row and the JAX process alternately (JAX first on odd rounds), each round's ratio
 * printed with the median over rounds. The main table times every row once, JAX about a minute after the
 * JavaScript rows, and this machine's speed drifts by a third and more over minutes.
 * Options (env): VTRACE_BENCH_MIN_TIME_MS (default 400), VTRACE_BENCH_WARMUP_MS (default 1000),
 * VTRACE_BENCH_SIZES (e.g. "20x32,100x256"), VTRACE_BENCH_ROUNDS (default 3; 0: none).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as Library from '../src/index.js';
import { vtraceKernel } from '../src/vtrace/kernel.js';
import { resolveVTraceOptions } from '../src/vtrace/options.js';
import { findPython } from './lib/python.js';
import { formatMs, median, printTable, summarise, timeSync, type TimingStats } from './lib/timing.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
// The built package (dist/, what npm users run; `npm run bench:vtrace` builds it first) unless
// BENCH_FROM_SOURCE=1 (the TypeScript sources through tsx, whose keepNames wrappers add per-call costs).
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
const { vtrace } = (await import(fromSource ? '../src/index.js' : new URL('../dist/index.js', import.meta.url).href)) as typeof Library;
const minTimeMs = Number(process.env.VTRACE_BENCH_MIN_TIME_MS ?? 400);
// Each row is warmed up for a second first: V8 runs WebAssembly in its baseline compiler (Liftoff) until a function
// has run for a while, and the first row measured ~2x slower at [100, 256] than the same calls a second later.
const warmupMs = Number(process.env.VTRACE_BENCH_WARMUP_MS ?? 1000);
const timing = { warmup: 5, warmupMs, minReps: 7, maxReps: 2000, minTimeMs };
const rounds = Number(process.env.VTRACE_BENCH_ROUNDS ?? 3);
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

type Inputs = ReturnType<typeof makeInputs>;
interface PythonRun {
  stats: TimingStats[];
  maxDiff: number[];
  label: string;
}

/** Runs bench/<script> on the cases (inputs written as raw float32); null, with a message, when it cannot. */
function timePython(
  script: string,
  modules: readonly string[],
  prefix: string,
  cases: { T: number; B: number }[],
  inputs: Inputs[],
  extraArgs: string[],
  label: (line: Record<string, string | number | undefined>) => string,
): PythonRun | null {
  const { python, reason } = findPython(modules, benchDir);
  if (python === null) {
    console.log(`# ${script} skipped: python3 with ${modules.join(', ')} not importable (${reason})`);
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
    const r = spawnSync(python, [join(benchDir, script), dir, ...extraArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      console.log(`# ${script} failed: ${r.stderr}`);
      return null;
    }
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { samples: number[] } & Record<string, string | number | undefined>);
    const maxDiff = cases.map((_, i) => {
      const bytes = readFileSync(join(dir, `${prefix}_vs_${i}.bin`));
      const theirs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const ours = vtrace.arrays.fromImportanceWeights({ ...cases[i]!, ...inputs[i]! }).vs;
      return theirs.reduce((m, v, k) => Math.max(m, Math.abs(v - ours[k]!) / (1 + Math.abs(ours[k]!))), 0);
    });
    return { stats: lines.map((l) => summarise(l.samples)), maxDiff, label: label(lines[0] ?? {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timeTorch(cases: { T: number; B: number }[], inputs: Inputs[], threads: number | null): PythonRun | null {
  return timePython('vtrace_torch.py', ['torch', 'numpy'], 'torch', cases, inputs, threads === null ? [] : [String(threads)], (l) => `PyTorch ${l.torch ?? '?'} (${l.threads ?? '?'} threads), Python loop over T`);
}

function timeJax(cases: { T: number; B: number }[], inputs: Inputs[]): PythonRun | null {
  return timePython('vtrace_jax.py', ['jax', 'numpy'], 'jax', cases, inputs, [], (l) => `JAX ${l.jax ?? '?'} jit (lax.scan), CPU`);
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

const FLOOR = 'floor: read 4 inputs, write 2 outputs, no math (float32)';

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  const inputs = sizes.map(({ T, B }, i) => makeInputs(T, B, 1234 + i));
  const results = new Map<string, TimingStats[]>();

  const kernel = vtrace.arrays.kernelName();
  const timeArrays = (dtype: 'float32' | 'float64') =>
    sizes.map(({ T, B }, i) => {
      const x = inputs[i]!;
      const args = dtype === 'float32' ? x : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Float64Array.from(v)]));
      return timeSync(() => vtrace.arrays.fromImportanceWeights({ T, B, ...(args as typeof x) }), timing);
    });
  const ARRAYS_F32 = `vtrace.arrays float32 (${kernel} kernel, copies in and out)`;
  for (const dtype of ['float32', 'float64'] as const) {
    results.set(`vtrace.arrays ${dtype} (${kernel} kernel, copies in and out)`, timeArrays(dtype));
  }

  for (const dtype of ['float32', 'float64'] as const) {
    results.set(
      `vtrace.arrays.VTraceWorkspace ${dtype} (${kernel} kernel, no copies)`,
      sizes.map(({ T, B }, i) => {
        const x = inputs[i]!;
        const ws = new vtrace.arrays.VTraceWorkspace({ T, B, dtype });
        ws.logRhos.set(x.logRhos);
        ws.discounts.set(x.discounts);
        ws.rewards.set(x.rewards);
        ws.values.set(x.values);
        ws.bootstrapValue.set(x.bootstrapValue);
        return timeSync(() => ws.run(), timing);
      }),
    );
  }

  // The JavaScript kernel (the fallback where WebAssembly SIMD is unavailable), from src/ through tsx.
  const defaults = resolveVTraceOptions('bench', {});
  for (const dtype of ['float32', 'float64'] as const) {
    results.set(
      `JavaScript kernel ${dtype} (the fallback)`,
      sizes.map(({ T, B }, i) => {
        const x = inputs[i]!;
        const args = dtype === 'float32' ? x : (Object.fromEntries(Object.entries(x).map(([k, v]) => [k, Float64Array.from(v)])) as unknown as typeof x);
        const Out = dtype === 'float32' ? Float32Array : Float64Array;
        return timeSync(() => { vtraceKernel('bench', [T, B], args, defaults, { vs: new Out(T * B), pgAdvantages: new Out(T * B) }); }, timing);
      }),
    );
  }

  // What no JavaScript V-trace can beat: one pass that only reads the four [T, B] inputs and writes
  // two new [T, B] outputs, with none of the V-trace arithmetic (no exp, no recursion).
  results.set(
    FLOOR,
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
  const jax = timeJax(sizes, inputs);
  if (jax) results.set(jax.label, jax.stats);
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

  console.log(`\nV-trace fromImportanceWeights, median (p10–p90), node ${process.version}, tfjs-core ${tf.version_core}, impala-rl from ${fromSource ? 'src/ (tsx)' : 'dist/'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cpus().length} CPUs)\n`);
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
  const floor = results.get(FLOOR)!;
  console.log('\nSpeed ratio to the floor (floor median / ours; ≥ 0.5 is "within 2× of the floor"):\n');
  printTable(
    ['implementation', ...sizes.map(({ T, B }) => `T=${T}, B=${B}`)],
    [...results].map(([name, stats]) => [name, ...stats.map((s, i) => (floor[i]!.medianMs / s.medianMs).toFixed(2))]),
  );
  if (jax) {
    console.log('\nSpeed ratio to JAX jit (JAX median / ours; ≥ 1.0 is "at least as fast as JAX"):\n');
    printTable(
      ['implementation', ...sizes.map(({ T, B }) => `T=${T}, B=${B}`)],
      [...results].map(([name, stats]) => [name, ...stats.map((s, i) => (jax.stats[i]!.medianMs / s.medianMs).toFixed(2))]),
    );
    console.log(`\nJAX vs impala-rl vs: max |Δ|/(1+|vs|) = ${jax.maxDiff.map((d) => d.toExponential(1)).join(', ')}`);
    if (rounds > 0) interleavedRounds(ARRAYS_F32, () => timeArrays('float32'), () => timeJax(sizes, inputs)?.stats ?? null);
  }
  console.log(`\nuptime: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
}

/**
 * The `vtrace.arrays` float32 row and JAX, timed alternately in `rounds` rounds (JAX first on odd rounds), so
 * that a drift of the machine's speed hits both alike; prints each round's medians and ratio (JAX / ours) and
 * the median ratio over the rounds.
 */
function interleavedRounds(label: string, ours: () => TimingStats[], jax: () => TimingStats[] | null): void {
  const perRound: { ours: TimingStats[]; jax: TimingStats[] }[] = [];
  for (let r = 0; r < rounds; r++) {
    let o: TimingStats[];
    let j: TimingStats[] | null;
    if (r % 2 === 1) {
      j = jax();
      o = ours();
    } else {
      o = ours();
      j = jax();
    }
    if (j === null) return;
    perRound.push({ ours: o, jax: j });
  }
  console.log(`\n${label} vs JAX jit in ${rounds} interleaved rounds (JAX first on odd rounds); medians, ratio = JAX / ours:\n`);
  printTable(
    ['round', ...sizes.map(({ T, B }) => `T=${T}, B=${B}`)],
    [
      ...perRound.map((p, r) => [
        String(r + 1),
        ...sizes.map((_, i) => `${formatMs(p.ours[i]!.medianMs)} vs ${formatMs(p.jax[i]!.medianMs)}: ${(p.jax[i]!.medianMs / p.ours[i]!.medianMs).toFixed(2)}`),
      ]),
      ['median ratio', ...sizes.map((_, i) => median(perRound.map((p) => p.jax[i]!.medianMs / p.ours[i]!.medianMs)).toFixed(2))],
    ],
  );
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} after the rounds`);
}

await main();
