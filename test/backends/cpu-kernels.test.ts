// impala-rl's cpu matMul kernels against the stock tfjs-backend-cpu kernels they replace (the
// reference: tfjs's plain-JS kernels, which follow TensorFlow's definitions), on the same inputs in
// one process: register, compute, unregister, compute again. Tolerance 1e-6 relative to the largest
// reference value: the fast kernels accumulate each output in float64, the stock ones in blocks of
// 48 products, so only float32 rounding differs (measured ≤ 8.4e-8 on every case here).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import {
  CPU_MATMUL_KERNELS,
  registerCpuMatMulKernels,
  unregisterCpuMatMulKernels,
  useBackend,
} from '../../src/backends/index.js';
import { maxRelDiff, randomValues, seededRandom, type InputSpec } from './compare.js';

const TOL = 1e-6;

function isOurs(name: string): boolean {
  const config = tf.getKernel(name, 'cpu') as object | undefined;
  return config !== undefined && Symbol.for('impala-rl.cpuMatMulKernel') in config;
}

/**
 * Output and input gradients of `f` (with `dy` weights) on the cpu backend, as plain arrays; the output
 * only with `withGrads` false (tfjs 4.22's matMul gradient mishandles broadcast batch dims).
 */
function run(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: readonly InputSpec[], seed: number, withGrads: boolean): Float32Array[] {
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const xs = inputs.map((s) => tf.tensor(s.values, [...s.shape], 'float32'));
    const y = f(...xs);
    const dy = tf.tensor(randomValues(seededRandom(seed), y.size), y.shape, 'float32');
    const grads = withGrads ? tf.grads((...a: tf.Tensor[]) => f(...a))(xs, dy) : [];
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  return out;
}

/** Runs `f` with the fast kernels and with the stock ones; returns the largest relative difference. */
function compareWithStock(f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: readonly (readonly number[])[], seed: number, withGrads = true): number {
  const rand = seededRandom(seed);
  const inputs = shapes.map((shape) => ({ shape, values: randomValues(rand, shape.reduce((a, b) => a * b, 1)) }));
  registerCpuMatMulKernels();
  const fast = run(f, inputs, seed + 1, withGrads);
  unregisterCpuMatMulKernels();
  const stock = run(f, inputs, seed + 1, withGrads);
  registerCpuMatMulKernels();
  return Math.max(...fast.map((x, i) => maxRelDiff(x, stock[i]!)));
}

before(async () => {
  await setupTestBackend();
  await tf.setBackend('cpu');
});
after(() => {
  unregisterCpuMatMulKernels();
});

describe('cpu matMul kernels', () => {
  test('useBackend("cpu") registers them once and reports it; unregister restores the stock kernels', async () => {
    unregisterCpuMatMulKernels();
    const info = await useBackend('cpu');
    assert.deepEqual(info.trainingKernels, [...CPU_MATMUL_KERNELS]);
    for (const name of CPU_MATMUL_KERNELS) assert.ok(isOurs(name), name);
    assert.deepEqual(registerCpuMatMulKernels(), [], 'idempotent');
    assert.deepEqual((await useBackend('cpu')).trainingKernels, []);
    assert.deepEqual(unregisterCpuMatMulKernels(), [...CPU_MATMUL_KERNELS]);
    for (const name of CPU_MATMUL_KERNELS) assert.ok(!isOurs(name), name);
    const off = await useBackend('cpu', { cpuMatMulKernels: false });
    assert.deepEqual(off.trainingKernels, []);
    assert.ok(!isOurs('BatchMatMul'));
  });

  // [M, K, N] covering odd rows (the one-row tail), K not a multiple of 4, M = 1, K = 1 and K = 0.
  const sizes: [number, number, number][] = [[1, 4, 64], [32, 4, 64], [7, 13, 5], [32, 64, 64], [1, 1, 3], [3, 0, 2], [6, 9, 1]];
  for (const [M, K, N] of sizes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      test(`matMul [${M},${K}]·[${K},${N}] transposeA=${tA} transposeB=${tB}: output and both gradients`, () => {
        const aShape = tA ? [K, M] : [M, K];
        const bShape = tB ? [N, K] : [K, N];
        const d = compareWithStock((a, b) => tf.matMul(a, b, tA, tB), [aShape, bShape], M * 100 + K * 10 + N);
        assert.ok(d <= TOL, `max relative difference ${d}`);
      });
    }
  }

  for (const [aShape, bShape] of [
    [[3, 5, 6], [3, 6, 4]],
    [[5, 6], [2, 6, 4]],
    [[2, 3, 5, 6], [6, 7]],
    [[1, 5, 6], [4, 6, 3]],
  ] as const) {
    test(`batched matMul ${JSON.stringify(aShape)}·${JSON.stringify(bShape)} (batch dims, broadcast)`, () => {
      const same = aShape.length === bShape.length && aShape[0] === bShape[0];
      const d = compareWithStock((a, b) => tf.matMul(a, b), [aShape, bShape], aShape.length * 7 + bShape.length, same);
      assert.ok(d <= TOL, `max relative difference ${d}`);
    });
  }

  test('batch shapes that broadcast both ways go to the stock kernel (same result)', () => {
    const d = compareWithStock((a, b) => tf.matMul(a, b), [[2, 1, 3, 4], [1, 3, 4, 2]], 11, false);
    assert.ok(d <= TOL, `max relative difference ${d}`);
  });

  for (const activation of ['linear', 'relu', 'elu'] as const) {
    for (const biasShape of [[8], [1, 8], null] as const) {
      test(`fused matMul, activation ${activation}, bias ${JSON.stringify(biasShape)}: output and gradients`, () => {
        const shapes = biasShape === null ? [[9, 6], [6, 8]] : [[9, 6], [6, 8], biasShape];
        const f = (a?: tf.Tensor, b?: tf.Tensor, bias?: tf.Tensor): tf.Tensor =>
          tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, ...(bias === undefined ? {} : { bias }), activation });
        const d = compareWithStock(f, shapes, 3 + (biasShape?.length ?? 0));
        assert.ok(d <= TOL, `max relative difference ${d}`);
      });
    }
  }

  test('fused matMul with a [M, N] bias and with PReLU weights goes to the stock kernel (same result)', () => {
    const d1 = compareWithStock((a, b, bias) => tf.fused.matMul({ a: a, b: b, bias, activation: 'relu' }), [[4, 3], [3, 5], [4, 5]], 21);
    assert.ok(d1 <= TOL, `bias [M,N]: ${d1}`);
    const d2 = compareWithStock(
      (a, b, w) => tf.fused.matMul({ a: a, b: b, activation: 'prelu', preluActivationWeights: w }),
      [[4, 3], [3, 5], [5]],
      22,
    );
    assert.ok(d2 <= TOL, `prelu: ${d2}`);
  });

  test('relu keeps NaN and zeroes negatives; int32 matMul goes to the stock kernel', () => {
    registerCpuMatMulKernels();
    const y = tf.tidy(() =>
      tf.fused.matMul({ a: tf.tensor2d([[NaN, 1], [1, -1]]), b: tf.tensor2d([[1], [2]]), bias: tf.tensor1d([0]), activation: 'relu' }).dataSync(),
    );
    assert.ok(Number.isNaN(y[0]));
    assert.equal(y[1], 0); // 1·1 + (−1)·2 = −1 → 0
    const z = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor2d([[3], [4]], [2, 1], 'int32')));
    assert.equal(z.dtype, 'int32');
    assert.deepEqual(Array.from(z.dataSync()), [11]);
    z.dispose();
  });

  test('mismatched inner dimensions still fail with the stock error', () => {
    registerCpuMatMulKernels();
    assert.throws(() => tf.tidy(() => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 2]))), /inner shapes/);
  });
});
