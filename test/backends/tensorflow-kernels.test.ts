// impala-rl's kernels for the tensorflow backend (tfjs-node) against tfjs-node's stock kernels and the
// cpu backend (tfjs's plain-JS kernels, the reference). Skipped when tfjs-node's native addon does not
// load here (see scripts/setup-tfjs-node-offline.sh). Expected values: step(x) = 1 for x > 0, NaN for
// NaN, alpha otherwise (tfjs's definition, which the cpu backend implements), so equality is exact.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { setupTestBackend, tf } from '../helpers/tf.js';
import {
  TENSORFLOW_TRAINING_KERNELS,
  registerTensorflowTrainingKernels,
  unregisterTensorflowTrainingKernels,
  useBackend,
} from '../../src/backends/index.js';
import { gradsOn, randomValues, seededRandom } from './compare.js';
import { tfjsNodeLoads } from '../helpers/tfjs-node-probe.js';

const skip = tfjsNodeLoads() ? false : 'tfjs-node is not installed or its native addon does not load here';

before(async () => {
  if (skip !== false) return;
  await setupTestBackend();
  const info = await useBackend('tensorflow');
  assert.deepEqual([...(info.trainingKernels ?? [])].sort(), [...TENSORFLOW_TRAINING_KERNELS].sort());
});

/** Special values and a random spread, to run through step(). (Denormals: see the last test.) */
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 1.5, -2, 3.4e38, -3.4e38];

async function stepOn(backend: string, values: Float32Array, alpha: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => tf.step(tf.tensor1d(values), alpha).dataSync() as Float32Array);
}

describe('Step (the ReLU gradient) on tensorflow', { skip }, () => {
  for (const alpha of [0, 0.3, -1]) {
    test(`equals the cpu backend and the stock kernel exactly, alpha ${alpha}`, async () => {
      const values = Float32Array.from([...SPECIAL, ...randomValues(seededRandom(3), 500)]);
      const ours = await stepOn('tensorflow', values, alpha);
      const cpu = await stepOn('cpu', values, alpha);
      unregisterTensorflowTrainingKernels();
      try {
        const stock = await stepOn('tensorflow', values, alpha);
        assert.deepEqual(ours, stock);
      } finally {
        registerTensorflowTrainingKernels();
        await tf.setBackend('tensorflow');
      }
      assert.deepEqual(ours, cpu);
      assert.deepEqual(Array.from(ours.slice(0, 8)), [NaN, 1, alpha, alpha, alpha, 1, alpha, 1].map((v) => Math.fround(v)));
    });
  }

  test('denormal inputs give what the stock kernel gives (libtensorflow flushes them to zero; plain JS does not)', async () => {
    const values = Float32Array.from([1e-45, -1e-45, 1e-39, -1e-39]);
    const ours = await stepOn('tensorflow', values, 0.5);
    unregisterTensorflowTrainingKernels();
    try {
      assert.deepEqual(ours, await stepOn('tensorflow', values, 0.5));
    } finally {
      registerTensorflowTrainingKernels();
    }
  });

  test('relu and fused conv2d + relu gradients equal the cpu backend\'s; no tensor leaks', async () => {
    const r = seededRandom(11);
    const x = { shape: [2, 9, 9, 3], values: randomValues(r, 2 * 9 * 9 * 3) };
    const w = { shape: [3, 3, 3, 4], values: randomValues(r, 3 * 3 * 3 * 4) };
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.relu(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 1, pad: 'same', activation: 'relu' }));
    const dy = (size: number): Float32Array => randomValues(seededRandom(12), size);
    const t = await gradsOn('tensorflow', f, [x, w], dy);
    const c = await gradsOn('cpu', f, [x, w], dy);
    await tf.setBackend('tensorflow');
    // The conv itself differs in the last bits (oneDNN vs plain JS), hence a tolerance here.
    for (const [a, b] of [[t.y, c.y], ...t.grads.map((g, i) => [g, c.grads[i]!])] as [Float32Array, Float32Array][]) {
      const scale = Math.max(...b.map(Math.abs));
      const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      assert.ok(diff <= 1e-5 * scale, `max diff ${diff} (scale ${scale})`);
    }
  });

  test('register/unregister are idempotent and restore the stock kernel', () => {
    const ours = tf.getKernel('Step', 'tensorflow');
    assert.deepEqual(registerTensorflowTrainingKernels(), []);
    assert.deepEqual(unregisterTensorflowTrainingKernels(), ['Step']);
    assert.notEqual(tf.getKernel('Step', 'tensorflow'), ours);
    assert.deepEqual(unregisterTensorflowTrainingKernels(), []);
    assert.deepEqual(registerTensorflowTrainingKernels(), ['Step']);
  });
});
