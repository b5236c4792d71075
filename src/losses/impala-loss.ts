import * as tf from '@tensorflow/tfjs-core';

/**
 * IMPALA's three loss terms, summed (not averaged) over time and batch as in the paper ("the loss is
 * summed across the batch and time dimensions", Table D.1) and in deepmind/scalable_agent.
 * Every function returns a scalar and runs inside `tf.tidy`.
 */

/**
 * Policy-gradient loss `−Σ_{t,b} log π(a_t|x_t) · A_t`.
 *
 * @param targetActionLogProbs - log π(a_t|x_t) under the learner's policy, float32 `[T, B]` (differentiable).
 * @param pgAdvantages - V-trace advantages, float32 `[T, B]`, treated as constants (V-trace returns them
 *   without a gradient path).
 * @returns the scalar loss.
 */
export function policyGradientLoss(targetActionLogProbs: tf.Tensor, pgAdvantages: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(targetActionLogProbs, pgAdvantages))) as tf.Scalar);
}

/**
 * Baseline (value) loss `0.5 · Σ_{t,b} (vs_t − V(x_t))²`; the learner multiplies it by `baselineCost`
 * (0.5 by default, so the effective factor is 0.25, as in the original code).
 *
 * @param vs - V-trace targets, float32 `[T, B]` (constants).
 * @param values - the learner's value estimates V(x_t), float32 `[T, B]` (differentiable).
 * @returns the scalar loss.
 */
export function baselineLoss(vs: tf.Tensor, values: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul<tf.Scalar>(0.5, tf.sum(tf.square(tf.sub(vs, values)))));
}

/**
 * Entropy of the policy summed over time and batch, `Σ_{t,b} H(π(·|x_t))` with
 * `H = −Σ_a π log π`, computed from logits with `softmax`/`logSoftmax` (finite for −Infinity logits).
 * Several action heads (a multi-discrete space) add their entropies.
 *
 * @param policyLogits - float32 `[T, B, A]`, or one tensor per head.
 * @returns the scalar entropy (the loss term is `−entropyCost · entropy`).
 */
export function policyEntropy(policyLogits: tf.Tensor | readonly tf.Tensor[]): tf.Scalar {
  const heads = Array.isArray(policyLogits) ? (policyLogits as readonly tf.Tensor[]) : [policyLogits as tf.Tensor];
  return tf.tidy(() =>
    tf.addN<tf.Scalar>(
      heads.map((logits) => {
        const p = tf.softmax(logits);
        const logP = tf.logSoftmax(logits);
        // log π floored at −1e30: for masked actions (−∞ logits) p = 0 and 0·(−∞) would be NaN; their
        // contribution is 0 and no gradient reaches them (maximum, unlike greater/where, is differentiable).
        return tf.neg(tf.sum<tf.Scalar>(tf.mul(p, tf.maximum(logP, -1e30))));
      }),
    ),
  );
}
