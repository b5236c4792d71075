import { formatIndex, formatShape } from '../internal/format.js';
import { VTraceArgumentError } from './errors.js';

/**
 * log π(a | x) = log_softmax(logits)[a] over flat arrays, accumulated in float64 and added into `out`
 * (so several heads sum up). `logits` is `[M, A]` row-major, `actions` `[M]`.
 * `-Infinity` logits (masked actions) are allowed; NaN or `+Infinity` logits throw.
 * @category V-trace
 */
export function addActionLogProbs(
  fn: string,
  logitsName: string,
  logits: ArrayLike<number>,
  actions: ArrayLike<number>,
  numActions: number,
  leadingShape: readonly number[],
  out: Float32Array | Float64Array,
): void {
  const M = actions.length;
  for (let m = 0; m < M; m++) {
    const base = m * numActions;
    let max = -Infinity;
    for (let k = 0; k < numActions; k++) {
      const l = logits[base + k]!;
      if (l > max || l !== l) max = l;
    }
    if (!(max < Infinity)) {
      throw new VTraceArgumentError(
        fn,
        logitsName,
        `contains ${max !== max ? 'NaN' : 'a +Infinity logit'} at ${formatIndex(m, leadingShape)} (logits shape ${formatShape([...leadingShape, numActions])})`,
      );
    }
    let sum = 0;
    for (let k = 0; k < numActions; k++) sum += Math.exp(logits[base + k]! - max);
    out[m] = out[m]! + (logits[base + actions[m]!]! - max - Math.log(sum));
  }
}

/**
 * Checks that every action is an integer in `[0, numActions)`; names the first bad one.
 * @category V-trace
 */
export function assertActionsInRange(
  fn: string,
  name: string,
  actions: ArrayLike<number>,
  numActions: number,
  shape: readonly number[],
): void {
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (!Number.isInteger(a) || a < 0 || a >= numActions) {
      throw new VTraceArgumentError(
        fn,
        name,
        `must hold integers in [0, ${numActions}) (numActions ${numActions}), got ${a} at ${formatIndex(i, shape)}`,
      );
    }
  }
}
