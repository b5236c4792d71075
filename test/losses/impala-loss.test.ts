/** IMPALA loss terms against values and gradients derived by hand on tiny inputs. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineLoss, policyEntropy, policyGradientLoss } from '../../src/losses/impala-loss.js';
import { clipReward, clipRewards } from '../../src/losses/reward-clipping.js';
import { LossArgumentError } from '../../src/losses/errors.js';
import { assertClose } from '../helpers/close.js';
import { setupTestBackend, tf } from '../helpers/tf.js';

await setupTestBackend();

describe('IMPALA loss terms', () => {
  test('policy gradient: −Σ log π · A, gradient −A w.r.t. log π', () => {
    const logp = tf.tensor2d([[-0.5, -1.0], [-2.0, -0.1]]);
    const adv = tf.tensor2d([[1, -2], [0.5, 3]]);
    // −(−0.5·1 + −1·−2 + −2·0.5 + −0.1·3) = −(−0.5 + 2 − 1 − 0.3) = −0.2
    assert.ok(Math.abs(policyGradientLoss(logp, adv).dataSync()[0]! - -0.2) < 1e-6);
    const g = tf.grad((x: tf.Tensor) => policyGradientLoss(x, adv))(logp);
    assertClose(g.dataSync(), [-1, 2, -0.5, -3], 1e-6, 0);
  });

  test('baseline: 0.5 Σ (vs − V)², gradient V − vs (the "0.5·d(x²)/dx == x" check)', () => {
    const vs = tf.tensor2d([[1, 2], [3, 4]]);
    const v = tf.tensor2d([[0.5, 2.5], [3, 2]]);
    // 0.5 · (0.25 + 0.25 + 0 + 4) = 2.25
    assert.ok(Math.abs(baselineLoss(vs, v).dataSync()[0]! - 2.25) < 1e-6);
    const g = tf.grad((x: tf.Tensor) => baselineLoss(vs, x))(v);
    assertClose(g.dataSync(), [-0.5, 0.5, 0, -2], 1e-6, 0);
  });

  test('entropy: uniform over A actions gives T·B·log A; sums heads; finite with −∞ logits', () => {
    const uniform = tf.zeros([2, 3, 4]);
    assert.ok(Math.abs(policyEntropy(uniform).dataSync()[0]! - 6 * Math.log(4)) < 1e-5);
    const twoHeads = policyEntropy([tf.zeros([1, 1, 2]), tf.zeros([1, 1, 3])]).dataSync()[0]!;
    assert.ok(Math.abs(twoHeads - (Math.log(2) + Math.log(3))) < 1e-6);
    const masked = policyEntropy(tf.tensor3d([[[0, -Infinity, 0]]])).dataSync()[0]!;
    assert.ok(Math.abs(masked - Math.log(2)) < 1e-6, `masked entropy ${masked}`);
    // d H / d logits for p = softmax(l): −p_i (log p_i + H); at l = [0, log 3]: p = [1/4, 3/4].
    const l = tf.tensor3d([[[0, Math.log(3)]]]);
    const H = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
    const g = tf.grad((x: tf.Tensor) => policyEntropy(x))(l);
    assertClose(g.dataSync(), [-0.25 * (Math.log(0.25) + H), -0.75 * (Math.log(0.75) + H)], 1e-6, 1e-6);
  });

  test('no tensors leak from the loss terms', () => {
    const a = tf.ones([2, 2]);
    const before = tf.memory().numTensors;
    tf.dispose([policyGradientLoss(a, a), baselineLoss(a, a), policyEntropy(tf.ones([2, 2, 3]))]);
    assert.equal(tf.memory().numTensors, before + 1); // the tf.ones input of policyEntropy
  });
});

describe('reward clipping', () => {
  test('abs_one, soft_asymmetric (the original code: 5·tanh(r/5), negatives ×0.3), none', () => {
    assert.deepEqual([clipReward(3, 'abs_one'), clipReward(-0.5, 'abs_one'), clipReward(-7, 'abs_one')], [1, -0.5, -1]);
    assert.ok(Math.abs(clipReward(10, 'soft_asymmetric') - 5 * Math.tanh(2)) < 1e-12);
    assert.ok(Math.abs(clipReward(-10, 'soft_asymmetric') - 1.5 * Math.tanh(-2)) < 1e-12);
    assert.equal(clipReward(-10, 'none'), -10);
    assert.deepEqual(Array.from(clipRewards([2, -2], 'abs_one')), [1, -1]);
  });
});

describe('loss argument checks and stopped gradients', () => {
  test('a [T,B]×[B] pair is rejected instead of broadcast, naming the function and the argument', () => {
    const logProbs = tf.zeros([3, 2]);
    const b = tf.zeros([2]);
    assert.throws(() => policyGradientLoss(logProbs, b), (e: unknown) => e instanceof LossArgumentError && e.message.includes('policyGradientLoss: \'pgAdvantages\' has shape [2] but must have shape [3,2]'));
    assert.throws(() => baselineLoss(logProbs, b), /baselineLoss: 'values' has shape \[2\] but must have shape \[3,2\] \(from 'vs'\)/);
    assert.throws(() => baselineLoss(tf.zeros([3, 2], 'int32'), logProbs), /baselineLoss: 'vs' must have dtype float32, got int32/);
    assert.throws(() => policyEntropy([]), /policyEntropy: 'policyLogits' must hold at least one head/);
    tf.dispose([logProbs, b]);
  });

  test('no gradient flows into the targets (pgAdvantages, vs), whoever computed them', () => {
    // Expected values by hand: d/dA of −Σ logπ·A would be −logπ; with the stop it is 0. d/dvs of 0.5Σ(vs−V)² would be vs−V.
    const logProbs = tf.tensor2d([[-0.5, -1]]);
    const adv = tf.tensor2d([[2, 3]]);
    const gAdv = tf.grad((a: tf.Tensor) => policyGradientLoss(logProbs, a))(adv);
    assert.deepEqual(Array.from(gAdv.dataSync()), [0, 0]);
    const gLogProbs = tf.grad((l: tf.Tensor) => policyGradientLoss(l, adv))(logProbs);
    assert.deepEqual(Array.from(gLogProbs.dataSync()), [-2, -3]);
    const vs = tf.tensor2d([[1, 2]]);
    const values = tf.tensor2d([[0.5, 0.5]]);
    assert.deepEqual(Array.from(tf.grad((v: tf.Tensor) => baselineLoss(v, values))(vs).dataSync()), [0, 0]);
    assert.deepEqual(Array.from(tf.grad((v: tf.Tensor) => baselineLoss(vs, v))(values).dataSync()), [-0.5, -1.5]);
    tf.dispose([logProbs, adv, gAdv, gLogProbs, vs, values]);
  });
});
