import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../internal/format.js';
import { VTraceArgumentError } from './errors.js';
import { assertActionsInRange } from './log-probs.js';
import { assertTensor } from './tensor-checks.js';

const FN = 'vtrace.actionLogProbs';

/**
 * Validates one head (`logits` `[..., A]`, `actions` `[...]`, integer-valued) and returns the actions as
 * int32. Reads the actions back once to check their range.
 * @category V-trace
 */
export function checkedActions(
  fn: string,
  logitsName: string,
  logits: unknown,
  actionsName: string,
  actions: unknown,
): { logits: tf.Tensor; actions: tf.Tensor } {
  const l = assertTensor(fn, logitsName, logits, ['float32']);
  const a = assertTensor(fn, actionsName, actions, ['int32', 'float32']);
  if (l.rank < 1 || l.rank !== a.rank + 1 || a.shape.some((d, i) => d !== l.shape[i])) {
    throw new VTraceArgumentError(
      fn,
      actionsName,
      `has shape ${formatShape(a.shape)} but '${logitsName}' has shape ${formatShape(l.shape)}; expected actions [T, B, ...] and logits [T, B, ..., A]`,
    );
  }
  const numActions = l.shape[l.rank - 1]!;
  assertActionsInRange(fn, actionsName, a.dataSync(), numActions, a.shape);
  return { logits: l, actions: a };
}

/**
 * log_softmax(logits)[action] via a one-hot mask (the `gather` gradient is missing on WASM).
 * @category V-trace
 */
export function pickLogProbs(logits: tf.Tensor, actions: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const numActions = logits.shape[logits.rank - 1]!;
    // equal(a, range(A)) is oneHot(a) as a bool mask, and also works for A = 1 (tf.oneHot needs A ≥ 2).
    const mask = tf.equal(tf.expandDims(tf.cast(actions, 'int32'), -1), tf.range(0, numActions, 1, 'int32'));
    // where() rather than mask·logSoftmax so that −Infinity logits of masked actions do not give NaN.
    return tf.sum(tf.where(mask, tf.logSoftmax(logits), tf.zerosLike(logits)), -1);
  });
}

/**
 * log π(a_t | x_t) = log_softmax(policyLogits)[a_t] for the actions taken. Differentiable with respect
 * to `policyLogits` (built from `logSoftmax` and a one-hot mask, so it also trains on WASM, where
 * `gather` has no gradient kernel).
 *
 * @param policyLogits - unnormalised log-probabilities, float32 `[T, B, ..., A]`.
 * @param actions - actions taken, int32 (or integer-valued float32) `[T, B, ...]`, in `[0, A)`.
 * @returns float32 `[T, B, ...]`.
 * @throws {@link VTraceArgumentError} on shape mismatch, wrong dtype, non-integer or out-of-range actions.
 *
 * @example
 * ```ts
 * const logProbs = vtrace.actionLogProbs(tf.zeros([20, 32, 4]), tf.zeros([20, 32], 'int32')); // all log(1/4)
 * ```
 * @category V-trace
 */
export function actionLogProbs(policyLogits: tf.Tensor, actions: tf.Tensor): tf.Tensor {
  const head = checkedActions(FN, 'policyLogits', policyLogits, 'actions', actions);
  return pickLogProbs(head.logits, head.actions);
}
