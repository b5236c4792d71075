/** RMSProp (TensorFlow 1 semantics) and Adam against updates computed by hand; checkpointable state. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam } from '../../src/optim/adam.js';
import { RMSProp } from '../../src/optim/rmsprop.js';
import { clipByGlobalNorm, linearDecay } from '../../src/optim/schedules.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

describe('RMSProp', () => {
  test('two steps match ms ← ρ ms + (1−ρ) g², θ ← θ − lr g / √(ms + ε), ms₀ = 1', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = new RMSProp({ decay: 0.99, epsilon: 0.1 });
    const g = tf.tensor1d([0.5, -3]);
    let ms = [1, 1];
    let theta = [1, -2];
    const gv = [0.5, -3];
    for (let step = 0; step < 2; step++) {
      opt.applyGradients({ w }, { w: g }, 0.01);
      ms = ms.map((m, i) => 0.99 * m + 0.01 * gv[i]! ** 2);
      theta = theta.map((t, i) => t - (0.01 * gv[i]!) / Math.sqrt(ms[i]! + 0.1));
    }
    assertClose(w.dataSync(), theta, 1e-6, 1e-6);
    assert.equal(opt.iterations, 2);
  });

  test('momentum accumulates the scaled step', () => {
    const w = tf.variable(tf.scalar(0));
    const opt = new RMSProp({ decay: 0.5, momentum: 0.9, epsilon: 0, initialMeanSquare: 0 });
    opt.applyGradients({ w }, { w: tf.scalar(2) }, 0.1); // ms = 2, step = 0.1·2/√2
    opt.applyGradients({ w }, { w: tf.scalar(2) }, 0.1); // ms = 3, mom = 0.9·s1 + 0.2/√3
    const s1 = 0.2 / Math.sqrt(2);
    const s2 = 0.9 * s1 + 0.2 / Math.sqrt(3);
    assert.ok(Math.abs(w.dataSync()[0]! - -(s1 + s2)) < 1e-6);
  });

  test('state round trip continues identically; mismatched state is rejected', () => {
    const make = () => tf.variable(tf.tensor1d([0.3, 0.7]));
    const a = make();
    const optA = new RMSProp({ momentum: 0.5 });
    const g = tf.tensor1d([1, -1]);
    optA.applyGradients({ a }, { a: g }, 0.1);
    const state = optA.getState();
    const b = tf.variable(a.clone());
    const optB = new RMSProp({ momentum: 0.5 });
    optB.setState(state, { a: b });
    optA.applyGradients({ a }, { a: g }, 0.1);
    optB.applyGradients({ a: b }, { a: g }, 0.1);
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    assert.equal(optB.iterations, 2);
    assert.throws(() => {
      new Adam().setState(state, { a });
    }, /belongs to a 'rmsprop' optimizer/);
    assert.throws(() => {
      new RMSProp().setState(state, { a: tf.variable(tf.zeros([3])) });
    }, /slot 'a\/ms' has shape \[2\], variable has \[3\]/);
    assert.throws(() => new RMSProp({ decay: 1 }), /'decay' must be in \[0, 1\)/);
  });

  test('no tensors leak per step', () => {
    const w = tf.variable(tf.ones([3, 3]));
    const opt = new RMSProp({ momentum: 0.9 });
    const g = tf.ones([3, 3]);
    opt.applyGradients({ w }, { w: g }, 0.1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.applyGradients({ w }, { w: g }, 0.1);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('Adam', () => {
  test('first step moves each weight by lr·sign(g) (bias correction), second matches the formula', () => {
    const w = tf.variable(tf.tensor1d([1, 1]));
    const opt = new Adam();
    opt.applyGradients({ w }, { w: tf.tensor1d([0.2, -5]) }, 0.01);
    assertClose(w.dataSync(), [0.99, 1.01], 1e-6, 0);
    opt.applyGradients({ w }, { w: tf.tensor1d([0.2, -5]) }, 0.01);
    assertClose(w.dataSync(), [0.98, 1.02], 1e-6, 0); // constant g: m̂/√v̂ = sign(g)
  });
});

describe('schedules and clipping', () => {
  test('linearDecay goes from lr to 0 over the frames and stays at 0', () => {
    assert.equal(linearDecay(0.1, 0, 100), 0.1);
    assert.ok(Math.abs(linearDecay(0.1, 25, 100) - 0.075) < 1e-15);
    assert.equal(linearDecay(0.1, 150, 100), 0);
  });

  test('clipByGlobalNorm rescales to the max norm and reports the norm before', () => {
    const { grads, norm } = clipByGlobalNorm({ a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }, 1);
    assert.ok(Math.abs(norm - 5) < 1e-6);
    assertClose([...grads.a!.dataSync(), ...grads.b!.dataSync()], [0.6, 0, 0.8], 1e-6, 0);
    const free = clipByGlobalNorm({ a: tf.tensor1d([3, 4]) }, null);
    assertClose(free.grads.a!.dataSync(), [3, 4], 0, 0);
  });
});
