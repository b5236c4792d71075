/**
 * Benchmark of the batching module (`npm run bench:batching`).
 *
 * 1. Overhead per item of DynamicBatcher with a trivial batch function (`xs => xs`), at batch sizes
 *    1, 32 and 256: bursts of B concurrent `compute()` calls, and B callers each awaiting `compute()` in
 *    a loop. Target: under 2 µs per item at batch 256.
 * 2. Payoff: forward passes of a small dense model (obs 64 -> 256 -> 256 -> 18 and 4 -> 64 -> 64 -> 2, ReLU, tf.fused.matMul)
 *    for 32 concurrent callers, one call each vs batched, in frames per second (median of rounds, after
 *    a warm-up: the wasm backend's kernels take about a second of use to reach full speed). Columns:
 *    `batchFn` (default splitting), `batchFn` with `splitting: 'ops'`, a DynamicBatcher whose batch
 *    function hands out rows of the logits as Float32Array (no tensor per caller), and the model on a
 *    ready-made [32, 64] batch: the most any batcher can reach. Target: batched >= 5x unbatched at 32
 *    callers on the cpu backend. The wasm backend is measured too (the CPU fallback recommended in
 *    docs/backends.md).
 *
 *    Backends are selected with `useBackend`, as users do: `cpu` runs impala-rl's faster matMul kernels
 *    (registerCpuMatMulKernels), `cpu-stock` the stock tfjs-backend-cpu kernels.
 *
 * Options: `--backends cpu,cpu-stock,wasm` (the default), `--quick` (shorter runs); BENCH_FROM_SOURCE=1
 * measures the TypeScript sources through tsx instead of the built dist/.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as Library from '../src/index.js';
import { median } from './lib/timing.js';

// The built package (dist/, what npm users run; `npm run bench:batching` builds it first) unless
// BENCH_FROM_SOURCE=1. Under tsx the sources pay for esbuild's keepNames wrapper on every closure the
// batcher creates per call, which inflates the adapter's cost (about 5 against 2 µs per item here).
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
const library = (await import(fromSource ? '../src/index.js' : new URL('../dist/index.js', import.meta.url).href)) as typeof Library;
const { DynamicBatcher, batchFn, unregisterCpuMatMulKernels, useBackend } = library;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backendsFlag = args.indexOf('--backends');
const backends = (args.find((a) => a.startsWith('--backends='))?.slice('--backends='.length) ?? (backendsFlag >= 0 ? args[backendsFlag + 1] : undefined) ?? 'cpu,cpu-stock,wasm').split(',');

function fmt(x: number, digits = 2): string {
  return x.toFixed(digits);
}

// ---- 1. overhead per item ----------------------------------------------------------------------

async function timeIt(body: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e3; // µs
}

async function burst(batch: number, items: number, compute: (x: number) => Promise<number>): Promise<number> {
  const rounds = Math.ceil(items / batch);
  const us = await timeIt(async () => {
    for (let r = 0; r < rounds; r++) {
      const ps = new Array<Promise<number>>(batch);
      for (let i = 0; i < batch; i++) ps[i] = compute(i);
      await Promise.all(ps);
    }
  });
  return us / (rounds * batch);
}

async function closedLoop(callers: number, items: number, compute: (x: number) => Promise<number>): Promise<number> {
  const perCaller = Math.ceil(items / callers);
  const us = await timeIt(async () => {
    await Promise.all(
      Array.from({ length: callers }, async (_, c) => {
        for (let k = 0; k < perCaller; k++) await compute(c);
      }),
    );
  });
  return us / (perCaller * callers);
}

async function overhead(): Promise<{ rows: string[][]; at256: number }> {
  const items = quick ? 100_000 : 500_000;
  const rows: string[][] = [];
  let at256 = NaN;
  for (const batch of [1, 32, 256]) {
    const n = batch === 1 ? items / 10 : items;
    const batcher = new DynamicBatcher<number, number>((xs) => xs, { maximumBatchSize: batch });
    const compute = (x: number): Promise<number> => batcher.compute(x);
    await burst(batch, n / 10, compute); // warm-up
    const burstRuns: number[] = [];
    const loopRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      burstRuns.push(await burst(batch, n / 3, compute));
      loopRuns.push(await closedLoop(batch, n / 3, compute));
    }
    const [burstUs, loopUs] = [median(burstRuns), median(loopRuns)];
    batcher.close();
    if (batch === 256) at256 = burstUs;
    rows.push([String(batch), fmt(burstUs, 3), fmt(loopUs, 3)]);
  }
  return { rows, at256 };
}

// ---- 2. forward passes of a small dense model ------------------------------------------------------

/** A dense model's layer sizes: observation, hidden, actions. */
interface ModelSpec {
  readonly obs: number;
  readonly hidden: number;
  readonly actions: number;
}
/**
 * Two sizes, because the payoff depends on it. The target model is the small CartPole-sized 4→64→64→2
 * MLP (the actor network of the CartPole preset), whose per-call cost batching removes; on the pure-JS
 * cpu backend a 64→256→256→18 model is compute-bound (a batch of B costs nearly B single calls, see
 * the pre-stacked bound), so it is reported for information.
 */
const TARGET_MODEL: ModelSpec = { obs: 4, hidden: 64, actions: 2 };
const MODELS: readonly ModelSpec[] = [TARGET_MODEL, { obs: 64, hidden: 256, actions: 18 }];
const CALLERS = 32;

function makeModel({ obs: OBS, hidden: HIDDEN, actions: ACTIONS }: ModelSpec): { forward: (x: tf.Tensor2D) => tf.Tensor2D; dispose: () => void } {
  // Fixed-seed weights: the values do not matter for speed, only the shapes.
  const w1 = tf.randomNormal<tf.Rank.R2>([OBS, HIDDEN], 0, 0.1, 'float32', 1);
  const b1 = tf.zeros([HIDDEN]);
  const w2 = tf.randomNormal<tf.Rank.R2>([HIDDEN, HIDDEN], 0, 0.1, 'float32', 2);
  const b2 = tf.zeros([HIDDEN]);
  const w3 = tf.randomNormal<tf.Rank.R2>([HIDDEN, ACTIONS], 0, 0.1, 'float32', 3);
  const b3 = tf.zeros([ACTIONS]);
  // Dense layers as tfjs-layers' `dense` and impala-rl's MLP torso compute them: one fused matMul each.
  const forward = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const h1 = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' }) as tf.Tensor2D;
      const h2 = tf.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
      return tf.fused.matMul({ a: h2, b: w3, bias: b3 }) as tf.Tensor2D;
    });
  return {
    forward,
    dispose: () => {
      tf.dispose([w1, b1, w2, b2, w3, b3]);
    },
  };
}

/** One actor step: compute the logits of `obs` and read them (to sample an action). */
type ActorStep = (obs: tf.Tensor2D) => Promise<void>;

/**
 * Reads the logits with dataSync: on host-memory backends `await data()` costs about 50 µs per call in
 * tfjs 4.22 (it yields to the event loop), which would swamp the batched paths' per-frame cost.
 */
function readAndDispose(logits: tf.Tensor): void {
  logits.dataSync();
  logits.dispose();
}

/** Frames per second of CALLERS concurrent callers, each looping `step` until `ms` have passed. */
async function callersFps(observations: readonly tf.Tensor2D[], step: ActorStep, ms: number): Promise<number> {
  let frames = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    observations.map(async (obs) => {
      while (performance.now() < deadline) {
        await step(obs);
        frames++;
      }
    }),
  );
  return frames / ((performance.now() - start) / 1000);
}

/** Upper bound for any batcher: the model on a ready-made [CALLERS, OBS] batch, read back whole. */
async function preStackedFps(batch: tf.Tensor2D, forward: (x: tf.Tensor2D) => tf.Tensor2D, ms: number): Promise<number> {
  await Promise.resolve();
  let frames = 0;
  const start = performance.now();
  while (performance.now() < start + ms) {
    const logits = forward(batch);
    logits.dataSync();
    logits.dispose();
    frames += batch.shape[0];
  }
  return frames / ((performance.now() - start) / 1000);
}

async function payoff(backend: string, spec: ModelSpec): Promise<{ row: string[]; ratio: number; bound: number } | undefined> {
  const { obs: OBS, actions: ACTIONS } = spec;
  // Selected as users do, with useBackend: cpu then runs impala-rl's faster matMul kernels;
  // `cpu-stock` is the cpu backend with tfjs-backend-cpu's own kernels, for comparison.
  try {
    if (backend === 'cpu-stock') {
      await useBackend('cpu', { cpuMatMulKernels: false });
      unregisterCpuMatMulKernels();
    } else {
      await useBackend(backend as 'cpu' | 'wasm');
    }
  } catch (error) {
    console.log(`(backend ${backend} could not be initialised: ${String(error)}; skipped)`);
    return undefined;
  }
  await tf.ready();
  const before = tf.memory().numTensors;
  const model = makeModel(spec);
  const observations = Array.from({ length: CALLERS }, (_, c) => tf.randomUniform<tf.Rank.R2>([1, OBS], -1, 1, 'float32', 100 + c));
  const stackedObs = tf.concat(observations, 0);
  const auto = batchFn(model.forward, { maximumBatchSize: CALLERS });
  const ops = batchFn(model.forward, { maximumBatchSize: CALLERS, splitting: 'ops' });
  // What an actor needs is the logits' values: a DynamicBatcher whose batch function reads the batched
  // logits once and hands out rows avoids making one tensor per caller.
  const rows = new DynamicBatcher<tf.Tensor2D, Float32Array>(
    (batch) => {
      const logits = tf.tidy(() => model.forward(tf.concat(batch, 0)));
      const values = logits.dataSync<'float32'>();
      logits.dispose();
      return batch.map((_, i) => values.subarray(i * ACTIONS, (i + 1) * ACTIONS));
    },
    { maximumBatchSize: CALLERS },
  );
  const modes: Record<string, (ms: number) => Promise<number>> = {
    unbatched: (ms) =>
      callersFps(
        observations,
        async (obs) => {
          await Promise.resolve();
          readAndDispose(model.forward(obs));
        },
        ms,
      ),
    batched: (ms) =>
      callersFps(
        observations,
        async (obs) => {
          readAndDispose(await auto(obs));
        },
        ms,
      ),
    ops: (ms) =>
      callersFps(
        observations,
        async (obs) => {
          readAndDispose(await ops(obs));
        },
        ms,
      ),
    rows: (ms) =>
      callersFps(
        observations,
        async (obs) => {
          await rows.compute(obs);
        },
        ms,
      ),
    bound: (ms) => preStackedFps(stackedObs, model.forward, ms),
  };
  // Warm-up matters: the wasm backend's kernels take about a second of use to reach full speed.
  const [warmMs, rounds, roundMs] = quick ? [400, 3, 250] : [1500, 5, 600];
  for (const run of Object.values(modes)) await run(warmMs);
  const samples: Record<string, number[]> = { unbatched: [], batched: [], ops: [], rows: [], bound: [] };
  for (let r = 0; r < rounds; r++) for (const [name, run] of Object.entries(modes)) samples[name]!.push(await run(roundMs));
  auto.close();
  ops.close();
  rows.close();
  tf.dispose([...observations, stackedObs]);
  model.dispose();
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) console.log(`warning: ${leaked} tensors leaked on ${backend}`);
  const [unbatched, batched, viaOps, viaRows, bound] = ['unbatched', 'batched', 'ops', 'rows', 'bound'].map((k) => median(samples[k]!)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    row: [
      backend,
      String(CALLERS),
      fmt(unbatched, 0),
      fmt(batched, 0),
      `${fmt(batched / unbatched, 1)}x`,
      fmt(viaOps, 0),
      `${fmt(viaOps / unbatched, 1)}x`,
      fmt(viaRows, 0),
      `${fmt(viaRows / unbatched, 1)}x`,
      fmt(bound, 0),
      `${fmt(bound / unbatched, 1)}x`,
    ],
    ratio: batched / unbatched,
    bound: bound / unbatched,
  };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
  console.log(`node ${process.version}, tfjs-core ${tf.version_core}, ${quick ? 'quick' : 'full'} run, impala-rl from ${fromSource ? 'src/ (tsx)' : 'dist/'}`);
  console.log('\n1. DynamicBatcher overhead per item (trivial batch function), µs/item (median of 3)');
  const { rows, at256 } = await overhead();
  console.log(table(['batch size', `burst of B calls`, `B callers in a loop`], rows));
  console.log(`overhead at batch 256: ${fmt(at256, 3)} µs/item (target < 2 µs): ${at256 < 2 ? 'met' : 'NOT met'}`);

  let targetRatio: number | undefined;
  for (const spec of MODELS) {
    const name = `${spec.obs}->${spec.hidden}->${spec.hidden}->${spec.actions}`;
    console.log(`\n2. Dense model ${name} forward passes, ${CALLERS} concurrent callers, frames/s (median of rounds)`);
    const payoffRows: string[][] = [];
    const ratios: [string, number, number][] = [];
    for (const backend of backends) {
      const result = await payoff(backend, spec);
      if (result !== undefined) {
        payoffRows.push(result.row);
        ratios.push([backend, result.ratio, result.bound]);
        if (spec === TARGET_MODEL && backend === 'cpu') targetRatio = result.ratio;
      }
    }
    console.log(
      table(
        ['backend', 'callers', 'one call each', 'batchFn', 'ratio', "batchFn 'ops'", 'ratio', 'batcher -> rows', 'ratio', 'pre-stacked (bound)', 'ratio'],
        payoffRows,
      ),
    );
    for (const [backend, ratio, bound] of ratios) {
      console.log(`model ${name}, batchFn / one call each on ${backend}: ${fmt(ratio, 1)}x (the pre-stacked bound: ${fmt(bound, 1)}x)`);
    }
  }
  if (targetRatio !== undefined) {
    const name = `${TARGET_MODEL.obs}->${TARGET_MODEL.hidden}->${TARGET_MODEL.hidden}->${TARGET_MODEL.actions}`;
    console.log(`\ntarget: batchFn >= 5x one call each, ${CALLERS} callers, model ${name}, cpu backend: ${fmt(targetRatio, 1)}x, ${targetRatio >= 5 ? 'met' : 'NOT met'}`);
  }
}

await main();
