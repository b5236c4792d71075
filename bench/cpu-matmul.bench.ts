/**
 * `npm run bench:cpu-matmul`: the pure-JS cpu backend's matMul with tfjs-backend-cpu's stock kernels
 * against impala-rl's (registerCpuMatMulKernels), on the shapes of dense layers of actors (batch 1 and
 * 32), of the MLP learner (T·B = 640 rows) and of their gradients (transposed operands), plus one
 * whole CartPole-sized learner-style step (fused dense layers, forward + backward). The two variants
 * alternate in rounds in one process, so that machine load affects both alike; medians of the rounds.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { registerCpuMatMulKernels, unregisterCpuMatMulKernels } from '../src/backends/index.js';
import { formatMs, printTable, summarise, type TimingStats } from './lib/timing.js';

interface Case {
  readonly name: string;
  readonly run: () => void;
}

function matMulCase(M: number, K: number, N: number, transposeA = false, transposeB = false, fused = false): Case {
  const a = tf.randomNormal<tf.Rank.R2>(transposeA ? [K, M] : [M, K], 0, 1, 'float32', 1);
  const b = tf.randomNormal<tf.Rank.R2>(transposeB ? [N, K] : [K, N], 0, 1, 'float32', 2);
  const bias = tf.randomNormal<tf.Rank.R1>([N], 0, 1, 'float32', 3);
  const label = `${transposeA ? `[${K},${M}]ᵀ` : `[${M},${K}]`}·${transposeB ? `[${N},${K}]ᵀ` : `[${K},${N}]`}${fused ? ' + bias, relu' : ''}`;
  return {
    name: label,
    run: () => {
      const y = fused ? tf.fused.matMul({ a, b, bias, activation: 'relu', transposeA, transposeB }) : tf.matMul(a, b, transposeA, transposeB);
      y.dataSync();
      y.dispose();
    },
  };
}

/** A 4→64→64→2 MLP with fused dense layers: forward + gradients of a squared loss on `rows` rows. */
function mlpStepCase(rows: number): Case {
  const sizes = [4, 64, 64, 2];
  const weights = sizes.slice(1).map((n, i) => tf.variable(tf.randomNormal([sizes[i]!, n], 0, 0.1, 'float32', 10 + i)));
  const biases = sizes.slice(1).map((n) => tf.variable(tf.zeros([n])));
  const x = tf.randomNormal<tf.Rank.R2>([rows, 4], 0, 1, 'float32', 20);
  return {
    name: `4→64→64→2 MLP forward + backward, ${rows} rows`,
    run: () => {
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          let h: tf.Tensor2D = x;
          weights.forEach((w, i) => {
            h = tf.fused.matMul({ a: h, b: w, bias: biases[i]!, activation: i < weights.length - 1 ? 'relu' : 'linear' }) as tf.Tensor2D;
          });
          return tf.mean(tf.square(h));
        }),
      );
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
  };
}

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  const cases: Case[] = [
    matMulCase(1, 4, 64, false, false, true),
    matMulCase(1, 64, 64, false, false, true),
    matMulCase(32, 4, 64, false, false, true),
    matMulCase(32, 64, 64, false, false, true),
    matMulCase(32, 256, 256, false, false, true),
    matMulCase(640, 64, 64),
    matMulCase(640, 64, 64, false, true),
    matMulCase(64, 640, 64, true, false),
    mlpStepCase(32),
    mlpStepCase(640),
  ];
  const rounds = 7;
  const samples = cases.map(() => ({ stock: [] as number[], ours: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    for (const variant of ['stock', 'ours'] as const) {
      if (variant === 'ours') registerCpuMatMulKernels();
      else unregisterCpuMatMulKernels();
      cases.forEach((c, i) => {
        c.run(); // warm-up after the kernel switch
        const start = performance.now();
        let n = 0;
        while (n < 3 || performance.now() - start < 150) {
          c.run();
          n++;
        }
        samples[i]![variant].push((performance.now() - start) / n);
      });
    }
  }
  unregisterCpuMatMulKernels();
  const stats = samples.map((s) => ({ stock: summarise(s.stock), ours: summarise(s.ours) }));
  const cell = (t: TimingStats): string => `${formatMs(t.medianMs)} (${formatMs(t.p10Ms)}–${formatMs(t.p90Ms)})`;
  console.log(`cpu backend matMul, tfjs-core ${tf.version_core}, node ${process.version}: median per call over ${rounds} rounds (p10–p90)\n`);
  printTable(
    ['operation', 'stock tfjs-backend-cpu', 'impala-rl kernels', 'speed-up'],
    cases.map((c, i) => [c.name, cell(stats[i]!.stock), cell(stats[i]!.ours), `${(stats[i]!.stock.medianMs / stats[i]!.ours.medianMs).toFixed(1)}×`]),
  );
}

await main();
