/**
 * Gradient semantics, as measured in the reference implementations (docs/reference-facts.md §3 item 5):
 * `vs` and `pgAdvantages` are constants to autodiff; `targetActionLogProbs` (and `logRhos`) stay
 * differentiable with respect to the target logits. Expected gradients are derived by hand below.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vtrace } from '../../src/index.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

const T = 4;
const B = 3;
const A = 5;
const seeded = (seed: number, shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('vtrace gradients', () => {
  test('no gradient flows through vs or pgAdvantages to values or logRhos', () => {
    const logRhos = seeded(1, [T, B]);
    const values = seeded(2, [T, B]);
    const rest = { discounts: tf.fill([T, B], 0.9), rewards: seeded(3, [T, B]), bootstrapValue: seeded(4, [B]) };
    // f(values) = Σ vs + Σ pg + Σ values: only the last term may contribute, so ∂f/∂values = 1 exactly.
    const gValues = tf.grad((v: tf.Tensor) => {
      const r = vtrace.fromImportanceWeights({ ...rest, logRhos, values: v });
      return tf.addN([tf.sum(r.vs), tf.sum(r.pgAdvantages), tf.sum(v)]);
    })(values);
    assert.deepEqual(Array.from(gValues.dataSync()), new Array(T * B).fill(1));
    const gRhos = tf.grad((x: tf.Tensor) => {
      const r = vtrace.fromImportanceWeights({ ...rest, logRhos: x, values });
      return tf.add(tf.sum(tf.mul(r.vs, r.pgAdvantages)), tf.mul(tf.sum(x), 2));
    })(logRhos);
    assert.deepEqual(Array.from(gRhos.dataSync()), new Array(T * B).fill(2));
  });

  test('targetActionLogProbs is differentiable: ∂/∂logits of Σ w·log π(a) = w·(onehot(a) − softmax)', () => {
    const targetPolicyLogits = seeded(5, [T, B, A]);
    const behaviourPolicyLogits = seeded(6, [T, B, A]);
    const actions = tf.tensor(Array.from({ length: T * B }, (_, i) => (i * 3) % A), [T, B], 'int32');
    const weights = seeded(7, [T, B]);
    const rest = { discounts: tf.fill([T, B], 0.9), rewards: seeded(8, [T, B]), values: seeded(9, [T, B]), bootstrapValue: seeded(10, [B]) };
    const g = tf.grad((logits: tf.Tensor) => {
      const r = vtrace.fromLogits({ ...rest, behaviourPolicyLogits, targetPolicyLogits: logits, actions });
      // pgAdvantages is a constant: adding Σ log π · pg must contribute exactly pg·(onehot − softmax).
      return tf.sum(tf.mul(r.targetActionLogProbs, tf.add(weights, r.pgAdvantages)));
    })(targetPolicyLogits);
    const pg = vtrace.fromLogits({ ...rest, behaviourPolicyLogits, targetPolicyLogits, actions }).pgAdvantages;
    // Hand-derived: d log_softmax(l)[a] / dl = onehot(a) − softmax(l).
    const expected = tf.mul(tf.expandDims(tf.add(weights, pg), -1), tf.sub(tf.oneHot(actions, A), tf.softmax(targetPolicyLogits)));
    assertClose(g.dataSync(), expected.dataSync(), 1e-5, 1e-5, 'grad');
  });

  test('logRhos is differentiable with respect to the target logits only through log π', () => {
    const target = seeded(11, [T, B, A]);
    const behaviour = seeded(12, [T, B, A]);
    const actions = tf.zeros([T, B], 'int32');
    const rest = { discounts: tf.fill([T, B], 0.9), rewards: tf.zeros([T, B]), values: tf.zeros([T, B]), bootstrapValue: tf.zeros([B]) };
    const g = tf.grad((b: tf.Tensor) => tf.sum(vtrace.fromLogits({ ...rest, behaviourPolicyLogits: b, targetPolicyLogits: target, actions }).logRhos))(behaviour);
    const expected = tf.neg(tf.sub(tf.oneHot(actions, A), tf.softmax(behaviour)));
    assertClose(g.dataSync(), expected.dataSync(), 1e-5, 1e-5, 'grad wrt behaviour');
  });

  test('a learner-style loss step inside tf.tidy leaks no tensors', () => {
    const logits = tf.variable(seeded(13, [T, B, A]));
    const inputs = {
      behaviourPolicyLogits: seeded(14, [T, B, A]),
      actions: tf.zeros([T, B], 'int32'),
      discounts: tf.fill([T, B], 0.99),
      rewards: seeded(15, [T, B]),
      values: seeded(16, [T, B]),
      bootstrapValue: seeded(17, [B]),
    };
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const r = vtrace.fromLogits({ ...inputs, targetPolicyLogits: logits });
          return tf.neg(tf.sum(tf.mul(r.targetActionLogProbs, r.pgAdvantages))) as tf.Scalar;
        });
        logits.assign(tf.sub(logits, tf.mul(grads[logits.name]!, 0.01)));
        return value.dataSync()[0];
      });
    step(); // warm-up (first-use allocations)
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('vtrace tensor memory', () => {
  test('fromImportanceWeights and fromLogits allocate only their outputs', () => {
    const iw = { logRhos: seeded(20, [T, B]), discounts: tf.fill([T, B], 0.9), rewards: seeded(21, [T, B]), values: seeded(22, [T, B]), bootstrapValue: seeded(23, [B]) };
    let before = tf.memory().numTensors;
    const r1 = vtrace.fromImportanceWeights(iw);
    assert.equal(tf.memory().numTensors, before + 2);
    tf.dispose([r1.vs, r1.pgAdvantages]);
    assert.equal(tf.memory().numTensors, before);
    const lg = { ...iw, behaviourPolicyLogits: seeded(24, [T, B, A]), targetPolicyLogits: seeded(25, [T, B, A]), actions: tf.zeros([T, B], 'int32') };
    before = tf.memory().numTensors;
    const r2 = vtrace.fromLogits(lg);
    assert.equal(tf.memory().numTensors, before + 5);
    tf.dispose(Object.values(r2));
    assert.equal(tf.memory().numTensors, before);
    const lp = vtrace.actionLogProbs(lg.targetPolicyLogits, lg.actions);
    assert.equal(tf.memory().numTensors, before + 1);
    lp.dispose();
  });
});
