import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../internal/format.js';
import { findTensorProblem } from '../internal/tensor-checks.js';
import { LossArgumentError } from './errors.js';

/**
 * IMPALA's three loss terms, summed (not averaged) over time and batch as in the paper ("the loss is
 * summed across the batch and time dimensions", Table D.1) and in deepmind/scalable_agent.
 * Every function returns a scalar and runs inside `tf.tidy`. Each checks its arguments (float32 tensors; the
 * pairs must have the same shape, so a `[T, B]`×`[B]` mix is an error instead of a silent broadcast) and stops
 * the gradient through its targets itself (`pgAdvantages`, `vs`), whoever computed them.
 */

/** Throws a {@link LossArgumentError} unless `x` is a live float32 tensor (of `shape`, when given). */
function checkFloatTensor(fn: string, name: string, x: unknown, shape?: readonly number[], shapeFrom?: string): tf.Tensor {
  const problem = findTensorProblem(x, ['float32'], shape);
  if (problem === null) return x as tf.Tensor;
  switch (problem.kind) {
    case 'not-a-tensor':
      throw new LossArgumentError(fn, name, `must be a tf.Tensor, got ${problem.got}`);
    case 'disposed':
      throw new LossArgumentError(fn, name, 'is a disposed tensor');
    case 'shape':
      throw new LossArgumentError(fn, name, `has shape ${formatShape(problem.shape)} but must have shape ${formatShape(shape!)} (from '${shapeFrom!}')`);
    case 'dtype':
      throw new LossArgumentError(fn, name, `must have dtype float32, got ${problem.dtype}`);
  }
}

/** `x` with a zero gradient (TensorFlow's `stop_gradient`): the targets of a loss are constants. */
const stopGradientOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));
const stopGradient = (x: tf.Tensor): tf.Tensor => stopGradientOp(x);

/**
 * Policy-gradient loss `−Σ_{t,b} log π(a_t|x_t) · A_t`.
 *
 * @param targetActionLogProbs - log π(a_t|x_t) under the learner's policy, float32 `[T, B]` (differentiable).
 * @param pgAdvantages - V-trace advantages, float32 `[T, B]` (same shape), treated as constants: no gradient
 *   flows through them.
 * @returns the scalar loss.
 * @throws {@link LossArgumentError} when an argument is not a float32 tensor or the shapes differ.
 * @category Losses
 */
export function policyGradientLoss(targetActionLogProbs: tf.Tensor, pgAdvantages: tf.Tensor): tf.Scalar {
  const fn = 'policyGradientLoss';
  const logProbs = checkFloatTensor(fn, 'targetActionLogProbs', targetActionLogProbs);
  const advantages = checkFloatTensor(fn, 'pgAdvantages', pgAdvantages, logProbs.shape, 'targetActionLogProbs');
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(logProbs, stopGradient(advantages)))) as tf.Scalar);
}

/**
 * Baseline (value) loss `0.5 · Σ_{t,b} (vs_t − V(x_t))²`; the learner multiplies it by `baselineCost`
 * (0.5 by default, so the effective factor is 0.25, as in the original code).
 *
 * @param vs - V-trace targets, float32 `[T, B]`, treated as constants: no gradient flows through them.
 * @param values - the learner's value estimates V(x_t), float32 `[T, B]` (same shape; differentiable).
 * @returns the scalar loss.
 * @throws {@link LossArgumentError} when an argument is not a float32 tensor or the shapes differ.
 * @category Losses
 */
export function baselineLoss(vs: tf.Tensor, values: tf.Tensor): tf.Scalar {
  const fn = 'baselineLoss';
  const targets = checkFloatTensor(fn, 'vs', vs);
  const estimates = checkFloatTensor(fn, 'values', values, targets.shape, 'vs');
  return tf.tidy(() => tf.mul<tf.Scalar>(0.5, tf.sum(tf.square(tf.sub(stopGradient(targets), estimates)))));
}

/**
 * Entropy of the policy summed over time and batch, `Σ_{t,b} H(π(·|x_t))` with
 * `H = −Σ_a π log π`, computed from logits with `softmax`/`logSoftmax` (finite for −Infinity logits).
 * Several action heads (a multi-discrete space) add their entropies.
 *
 * @param policyLogits - float32 `[T, B, A]`, or one tensor per head.
 * @returns the scalar entropy (the loss term is `−entropyCost · entropy`).
 * @throws {@link LossArgumentError} when a head is not a float32 tensor of rank >= 1, or there is no head.
 * @category Losses
 */
export function policyEntropy(policyLogits: tf.Tensor | readonly tf.Tensor[]): tf.Scalar {
  const fn = 'policyEntropy';
  const list = Array.isArray(policyLogits) ? (policyLogits as readonly tf.Tensor[]) : [policyLogits as tf.Tensor];
  if (list.length === 0) throw new LossArgumentError(fn, 'policyLogits', 'must hold at least one head');
  const heads = list.map((x, i) => {
    const t = checkFloatTensor(fn, list.length === 1 && !Array.isArray(policyLogits) ? 'policyLogits' : `policyLogits[${i}]`, x);
    if (t.rank < 1) throw new LossArgumentError(fn, 'policyLogits', `must have rank >= 1 ([..., A]), got shape ${formatShape(t.shape)}`);
    return t;
  });
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
