/** Bad input gets an error naming the function, the argument and the shapes or values. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { vtrace } from '../../src/index.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

const T = 3;
const B = 2;
const arraysArgs = () => ({
  T,
  B,
  logRhos: new Float64Array(T * B),
  discounts: new Float64Array(T * B).fill(0.9),
  rewards: new Float64Array(T * B),
  values: new Float64Array(T * B),
  bootstrapValue: new Float64Array(B),
});
const tensorArgs = () => ({
  logRhos: tf.zeros([T, B]),
  discounts: tf.fill([T, B], 0.9),
  rewards: tf.zeros([T, B]),
  values: tf.zeros([T, B]),
  bootstrapValue: tf.zeros([B]),
});

describe('vtrace.fromImportanceWeights (tensors) rejects bad input', () => {
  test('shape mismatch names both arguments and shapes', () => {
    const a = tensorArgs();
    assert.throws(() => vtrace.fromImportanceWeights({ ...a, rewards: tf.zeros([T, B + 1]) }), {
      name: 'VTraceArgumentError',
      message: "vtrace.fromImportanceWeights: 'rewards' has shape [3,3] but must have shape [3,2] (from 'logRhos')",
    });
  });
  test('bootstrapValue must be [B, ...]', () => {
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), bootstrapValue: tf.zeros([T, B]) }), /'bootstrapValue' has shape \[3,2\] but must have shape \[2\]/);
  });
  test('rank below 2', () => {
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), logRhos: tf.zeros([T]) }), /'logRhos' must have rank >= 2 \(\[T, B, \.\.\.\], time-major\), got shape \[3\]/);
  });
  test('T = 0', () => {
    const z = tf.zeros([0, B]);
    assert.throws(
      () => vtrace.fromImportanceWeights({ logRhos: z, discounts: z, rewards: z, values: z, bootstrapValue: tf.zeros([B]) }),
      /'logRhos' has T = 0 \(shape \[0,2\]\)/,
    );
  });
  test('wrong dtype and non-tensors', () => {
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), values: tf.zeros([T, B], 'int32') }), /'values' must have dtype float32, got int32/);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), values: [1, 2] as unknown as tf.Tensor }), /'values' must be a tf.Tensor, got object/);
  });
  test('negative, NaN thresholds and λ outside [0, 1]', () => {
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), clipRhoThreshold: -1 }), /'clipRhoThreshold' must be a number >= 0 or null \(no clipping\), got -1/);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), clipPgRhoThreshold: NaN }), /'clipPgRhoThreshold' must be a number >= 0/);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), clipCThreshold: -0.5 }), /'clipCThreshold'/);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), lambda: 1.5 }), /'lambda' must be a number in \[0, 1\], got 1.5/);
  });
  test('NaN and Infinity in inputs name the argument and index; ±Infinity log-rhos are allowed', () => {
    const rewards = tf.tensor([0, 0, 0, NaN, 0, 0], [T, B]);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), rewards }), /'rewards' contains a non-finite value \(NaN\) at \[1,1\]/);
    const values = tf.tensor([0, 0, 0, 0, Infinity, 0], [T, B]);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), values }), /'values' contains a non-finite value \(Infinity\) at \[2,0\]/);
    const bootstrapValue = tf.tensor([0, -Infinity]);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), bootstrapValue }), /'bootstrapValue' contains a non-finite value \(-Infinity\) at \[1\]/);
    const nanRho = tf.tensor([NaN, 0, 0, 0, 0, 0], [T, B]);
    assert.throws(() => vtrace.fromImportanceWeights({ ...tensorArgs(), logRhos: nanRho }), /'logRhos' contains NaN \(NaN\) at \[0,0\]/);
    // log ρ = +∞ (ρ = ∞) and −∞ (ρ = 0): finite thresholds keep the results finite.
    const logRhos = tf.tensor([Infinity, -Infinity, 0, 0, 0, 0], [T, B]);
    const out = vtrace.fromImportanceWeights({ ...tensorArgs(), logRhos, rewards: tf.ones([T, B]) });
    assert.ok(Array.from(out.vs.dataSync()).every(Number.isFinite));
    assert.ok(Array.from(out.pgAdvantages.dataSync()).every(Number.isFinite));
  });
});

describe('vtrace.fromLogits (tensors) rejects bad input', () => {
  const logits = () => ({
    behaviourPolicyLogits: tf.zeros([T, B, 4]),
    targetPolicyLogits: tf.zeros([T, B, 4]),
    discounts: tf.fill([T, B], 0.9),
    rewards: tf.zeros([T, B]),
    values: tf.zeros([T, B]),
    bootstrapValue: tf.zeros([B]),
  });
  test('out-of-range and negative actions', () => {
    assert.throws(() => vtrace.fromLogits({ ...logits(), actions: tf.tensor([[0, 1], [4, 0], [0, 0]], [T, B], 'int32') }), {
      message: "vtrace.fromLogits: 'actions' must hold integers in [0, 4) (numActions 4), got 4 at [1,0]",
    });
    assert.throws(() => vtrace.fromLogits({ ...logits(), actions: tf.tensor([[0, 1], [0, 0], [0, -1]], [T, B], 'int32') }), /got -1 at \[2,1\]/);
  });
  test('non-integer actions', () => {
    assert.throws(() => vtrace.fromLogits({ ...logits(), actions: tf.tensor([[0, 1.5], [0, 0], [0, 0]], [T, B]) }), /got 1.5 at \[0,1\]/);
  });
  test('actions/logits shape mismatch and rank-2 logits', () => {
    assert.throws(() => vtrace.fromLogits({ ...logits(), actions: tf.zeros([T, B + 1], 'int32') }), /'actions' has shape \[3,3\] but 'behaviourPolicyLogits' has shape \[3,2,4\]/);
    assert.throws(() => vtrace.fromLogits({ ...logits(), targetPolicyLogits: tf.zeros([T, B, 5]), actions: tf.zeros([T, B], 'int32') }), /'targetPolicyLogits' has shape \[3,2,5\] but 'behaviourPolicyLogits' has shape \[3,2,4\]/);
  });
  test('head counts must agree', () => {
    assert.throws(
      () => vtrace.fromLogits({ ...logits(), targetPolicyLogits: [tf.zeros([T, B, 4]), tf.zeros([T, B, 2])], actions: tf.zeros([T, B], 'int32') }),
      /head counts differ: behaviourPolicyLogits 1, targetPolicyLogits 2, actions 1/,
    );
  });
  test('NaN logits', () => {
    const behaviourPolicyLogits = tf.tensor(Array.from({ length: T * B * 4 }, (_, i) => (i === 5 ? NaN : 0)), [T, B, 4]);
    assert.throws(() => vtrace.fromLogits({ ...logits(), behaviourPolicyLogits, actions: tf.zeros([T, B], 'int32') }), /'logRhos' contains NaN \(NaN\) at \[0,1\]/);
  });
  test('actionLogProbs names its own arguments', () => {
    assert.throws(() => vtrace.actionLogProbs(tf.zeros([T, B, 3]), tf.fill([T, B], 3, 'int32')), /vtrace.actionLogProbs: 'actions' must hold integers in \[0, 3\)/);
  });
  test('errors do not leak tensors', () => {
    const inputs = { ...logits(), actions: tf.fill([T, B], 7, 'int32') };
    const before = tf.memory().numTensors;
    assert.throws(() => vtrace.fromLogits(inputs));
    assert.throws(() => vtrace.fromLogits({ ...inputs, actions: tf.zeros([T, B], 'int32'), rewards: tf.fill([T, B], NaN) }));
    assert.equal(tf.memory().numTensors, before + 2); // only the two tensors created inline above
  });
});

describe('vtrace.arrays rejects bad input', () => {
  test('non-numeric entries of a plain array are rejected, not coerced', () => {
    const rewards = [0, 0, '1', 0, 0, 0] as unknown as number[];
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), rewards }), {
      name: 'VTraceArgumentError',
      message: /vtrace\.arrays\.fromImportanceWeights: 'rewards' holds "1" \(string\) at \[2\], not a number/,
    });
    const values = [0, null, 0, 0, 0, 0] as unknown as number[];
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), values }), /'values' holds null \(object\) at \[1\], not a number/);
  });
  test('negative discounts are rejected', () => {
    const discounts = new Float64Array(T * B).fill(0.9);
    discounts[4] = -0.5;
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), discounts }), /'discounts' holds -0.5 at \[4\]; discounts must be >= 0/);
    // 0 (a terminated step) stays valid.
    discounts[4] = 0;
    assert.doesNotThrow(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), discounts }));
  });
  test('wrong lengths name the argument and the expected shape', () => {
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), values: new Float64Array(5) }), {
      message: "vtrace.arrays.fromImportanceWeights: 'values' has length 5, expected 6 (shape [3,2])",
    });
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), bootstrapValue: [1] }), /'bootstrapValue' has length 1, expected 2 \(shape \[2\]\)/);
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), logRhos: new Float64Array(7) }), /'logRhos' has length 7, which is not T·B·K for T=3, B=2/);
  });
  test('T = 0 and bad B', () => {
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), T: 0 }), /'T' must be an integer >= 1 \(V-trace needs at least one step\), got 0/);
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), B: 1.5 }), /'B' must be an integer >= 0, got 1.5/);
  });
  test('actions: out of range, non-integer, wrong head structure', () => {
    const base = { ...arraysArgs(), numActions: 3, behaviourPolicyLogits: new Float64Array(T * B * 3), targetPolicyLogits: new Float64Array(T * B * 3) };
    assert.throws(() => vtrace.arrays.fromLogits({ ...base, actions: [0, 0, 0, 3, 0, 0] }), /'actions' must hold integers in \[0, 3\) \(numActions 3\), got 3 at \[1,1\]/);
    assert.throws(() => vtrace.arrays.fromLogits({ ...base, actions: [0, 0.5, 0, 0, 0, 0] }), /got 0.5 at \[0,1\]/);
    assert.throws(() => vtrace.arrays.fromLogits({ ...base, numActions: [3, 3], actions: [0, 0, 0, 0, 0, 0] }), /'behaviourPolicyLogits' must be a list of 2 arrays \(one per head\)/);
    assert.throws(
      () => vtrace.arrays.fromLogits({ ...base, numActions: [3, 2], behaviourPolicyLogits: [base.behaviourPolicyLogits, new Float64Array(12)], targetPolicyLogits: [base.targetPolicyLogits, new Float64Array(12)], actions: [[0, 0, 0, 0, 0, 0], [0, 0, 0, 2, 0, 0]] }),
      /'actions\[1\]' must hold integers in \[0, 2\)/,
    );
  });
  test('non-finite values and bad dtype', () => {
    const rewards = new Float64Array(T * B);
    rewards[4] = Infinity;
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), rewards }), /'rewards' contains a non-finite value \(Infinity\) at \[2,0\]/);
    assert.throws(() => vtrace.arrays.fromImportanceWeights({ ...arraysArgs(), dtype: 'float16' as 'float32' }), /'dtype' must be 'float32' or 'float64', got float16/);
  });
});
