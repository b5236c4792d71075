/**
 * Benchmark: one training step of a shallow-IMPALA-sized conv net (conv 16@8×8/4 → conv 32@4×4/2 →
 * fc 256 → policy (18) and baseline heads, IMPALA-style loss, RMSProp) on the wasm backend, with
 * impala-rl's kernels and with the stock ones (plus only the missing Conv2DBackpropFilter, without
 * which wasm cannot train a conv net at all), and on the tensorflow backend when tfjs-node loads.
 * Prints the median step time and a tf.profile breakdown by kernel.
 *
 * Usage: npm run bench:backend-kernels -- [--frames 160] [--reps 3] [--warmup 1] [--variants stock,impala-rl,tensorflow]
 * Times are inclusive: impala-rl's kernels run other kernels inside (Conv2DBackpropFilter runs
 * Transpose, PadV2 and Conv2D), so those appear both on their own rows and within the caller's.
 * Results are also written to bench/results/backend-kernels.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'; // libtensorflow's start-up lines (read when tfjs-node loads, later)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients
import {
  describeBackend,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  useBackend,
} from '../src/backends/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const FRAMES = Number(arg('frames', '160'));
const REPS = Number(arg('reps', '3'));
const WARMUP = Number(arg('warmup', '1'));
const VARIANTS = arg('variants', 'stock,impala-rl,tensorflow').split(',');
const ACTIONS = 18;

/** Deterministic parameters: He-scaled uniform noise from a fixed LCG (no randomness between variants). */
function makeParams(): tf.Variable[] {
  let s = 12345;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) - 0.5;
  const shapes: number[][] = [[8, 8, 4, 16], [16], [4, 4, 16, 32], [32], [9 * 9 * 32, 256], [256], [256, ACTIONS], [ACTIONS], [256, 1], [1]];
  return shapes.map((shape) => tf.tidy(() => {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? size / shape[shape.length - 1]! : 1;
    const values = Float32Array.from({ length: size }, () => shape.length > 1 ? next() * Math.sqrt(6 / fanIn) : 0);
    return tf.variable(tf.tensor(values, shape));
  }));
}

/** Fixed inputs and loss targets for FRAMES frames. */
function makeBatch(): { frames: tf.Tensor4D; actions: tf.Tensor2D; advantages: tf.Tensor1D; vs: tf.Tensor1D } {
  return tf.tidy(() => ({
    frames: tf.randomUniform([FRAMES, 84, 84, 4], 0, 1, 'float32', 1),
    actions: tf.oneHot(tf.randomUniform([FRAMES], 0, ACTIONS, 'int32', 2), ACTIONS) as tf.Tensor2D,
    advantages: tf.randomNormal([FRAMES], 0, 1, 'float32', 3),
    vs: tf.randomNormal([FRAMES], 0, 1, 'float32', 4),
  }));
}

function loss(p: tf.Variable[], b: ReturnType<typeof makeBatch>): tf.Scalar {
  const [w1, b1, w2, b2, wfc, bfc, wpi, bpi, wv, bv] = p as [tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable<tf.Rank.R4>, tf.Variable, tf.Variable<tf.Rank.R2>, tf.Variable, tf.Variable<tf.Rank.R2>, tf.Variable, tf.Variable<tf.Rank.R2>, tf.Variable];
  const h1 = tf.fused.conv2d({ x: b.frames, filter: w1, bias: b1, strides: 4, pad: 'valid', activation: 'relu' });
  const h2 = tf.fused.conv2d({ x: h1, filter: w2, bias: b2, strides: 2, pad: 'valid', activation: 'relu' });
  const fc = tf.fused.matMul({ a: tf.reshape(h2, [FRAMES, -1]), b: wfc, bias: bfc, activation: 'relu' });
  const logits = tf.fused.matMul({ a: fc, b: wpi, bias: bpi });
  const values = tf.reshape(tf.fused.matMul({ a: fc, b: wv, bias: bv }), [FRAMES]);
  const logPi = tf.logSoftmax(logits);
  const pg = tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(b.actions, logPi), -1), b.advantages)));
  const baseline = tf.mul(0.25, tf.sum(tf.square(tf.sub(b.vs, values))));
  const entropy = tf.mul(0.01, tf.sum(tf.mul(tf.softmax(logits), logPi)));
  return tf.add(tf.add(pg, baseline), entropy);
}

interface VariantResult {
  readonly variant: string;
  readonly backend: string;
  readonly stepMs: number[];
  readonly medianMs: number;
  readonly kernels: { name: string; calls: number; ms: number }[];
}

async function runVariant(variant: string): Promise<VariantResult | undefined> {
  if (variant === 'tensorflow') {
    try {
      console.log(describeBackend(await useBackend('tensorflow')));
    } catch (e) {
      console.log(`tensorflow: skipped (${(e as Error).message.split('\n')[0]!.slice(0, 160)})`);
      return undefined;
    }
  } else {
    console.log(describeBackend(await useBackend('wasm', { wasmTrainingKernels: false })));
    unregisterWasmTrainingKernels();
    registerWasmTrainingKernels(variant === 'stock' ? { only: ['Conv2DBackpropFilter'] } : {});
  }
  const params = makeParams();
  const batch = makeBatch();
  const opt = tf.train.rmsprop(4.8e-4, 0.99, 0, 0.01);
  const step = (): void => {
    const cost = opt.minimize(() => loss(params, batch), true, params);
    cost?.dataSync();
    cost?.dispose();
  };
  for (let i = 0; i < WARMUP; i++) step();
  const times: number[] = [];
  const before = tf.memory().numTensors;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  if (tf.memory().numTensors !== before) throw new Error(`${variant}: ${tf.memory().numTensors - before} tensors leaked per ${REPS} steps`);
  const profile = await tf.profile(() => { step(); });
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
    byName.set(k.name, { calls: e.calls + 1, ms: e.ms + ms });
  }
  opt.dispose();
  tf.dispose([...params, batch.frames, batch.actions, batch.advantages, batch.vs]);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    variant,
    backend: tf.getBackend(),
    stepMs: times.map((t) => Math.round(t)),
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    kernels: [...byName].map(([name, v]) => ({ name, calls: v.calls, ms: Math.round(v.ms * 10) / 10 })).sort((a, b) => b.ms - a.ms),
  };
}

// IS_TEST stays off: its per-kernel leak check misfires on the stock wasm Identity kernel (see wasm-identity.ts).
console.log(`backend-kernels bench: ${FRAMES} frames of 84×84×4, ${WARMUP} warm-up + ${REPS} timed steps per variant, node ${process.version}`);
const results: VariantResult[] = [];
for (const v of VARIANTS) {
  const r = await runVariant(v);
  if (r === undefined) continue;
  results.push(r);
  console.log(`\n${v} (${r.backend}): median ${r.medianMs} ms/step (steps: ${r.stepMs.join(', ')} ms)`);
  console.log('| kernel | calls | ms (inclusive) |\n| --- | ---: | ---: |');
  for (const k of r.kernels.slice(0, 12)) console.log(`| ${k.name} | ${k.calls} | ${k.ms} |`);
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/backend-kernels.json', import.meta.url), JSON.stringify({ frames: FRAMES, reps: REPS, results }, null, 2));
