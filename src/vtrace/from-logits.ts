import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../internal/format.js';
import { checkedActions, pickLogProbs } from './action-log-probs.js';
import { VTraceArgumentError } from './errors.js';
import { checkValueTensors, vtraceOnTensors, type VTraceReturns } from './from-importance-weights.js';
import type { VTraceOptions } from './options.js';
import { assertTimeMajor } from './tensor-checks.js';

/**
 * Inputs of {@link fromLogits}: float32 tensors, time-major. Pass arrays (one entry per head) for a multi-discrete action space.
 * @category V-trace
 */
export interface FromLogitsArgs extends VTraceOptions {
  /** Unnormalised log-probabilities of the behaviour policy μ, float32 `[T, B, A]` (or one tensor per head). */
  readonly behaviourPolicyLogits: tf.Tensor | readonly tf.Tensor[];
  /** Unnormalised log-probabilities of the target policy π, float32 `[T, B, A]` (or one tensor per head). */
  readonly targetPolicyLogits: tf.Tensor | readonly tf.Tensor[];
  /** Actions taken by the behaviour policy, int32 `[T, B]` in `[0, A)` (or one tensor per head). */
  readonly actions: tf.Tensor | readonly tf.Tensor[];
  /** Per-step discounts d_t, float32 `[T, B]`. */
  readonly discounts: tf.Tensor;
  /** Rewards r_t, float32 `[T, B]`. */
  readonly rewards: tf.Tensor;
  /** Value estimates V(x_t), float32 `[T, B]`. */
  readonly values: tf.Tensor;
  /** V(x_T), float32 `[B]`. */
  readonly bootstrapValue: tf.Tensor;
}

/**
 * Results of {@link fromLogits}.
 * @category V-trace
 */
export interface VTraceFromLogitsReturns extends VTraceReturns {
  /** log ρ_t = log π(a_t|x_t) − log μ(a_t|x_t), float32 `[T, B]`; differentiable with respect to the target logits. */
  readonly logRhos: tf.Tensor;
  /** log μ(a_t|x_t) (summed over heads), float32 `[T, B]`. */
  readonly behaviourActionLogProbs: tf.Tensor;
  /** log π(a_t|x_t) (summed over heads), float32 `[T, B]`; differentiable, for the policy-gradient loss. */
  readonly targetActionLogProbs: tf.Tensor;
}

const FN = 'vtrace.fromLogits';

function asHeads(x: tf.Tensor | readonly tf.Tensor[]): readonly tf.Tensor[] {
  return Array.isArray(x) ? (x as readonly tf.Tensor[]) : [x as tf.Tensor];
}

/**
 * V-trace from behaviour and target policy logits (IMPALA, Espeholt et al. 2018): computes the action
 * log-probabilities, log ρ = log π − log μ, then {@link fromImportanceWeights}. With several action
 * heads (arrays of tensors), the heads are independent softmaxes and the joint log-probability is
 * the sum over heads.
 *
 * Gradients: `targetActionLogProbs` and `logRhos` stay differentiable with respect to
 * `targetPolicyLogits`, so a learner can build `−Σ targetActionLogProbs · pgAdvantages` from them;
 * `vs` and `pgAdvantages` are constants. The caller owns and disposes every returned tensor.
 *
 * @param args - logits `[T, B, A]` per head, actions `[T, B]` per head, `discounts`, `rewards`,
 *   `values` `[T, B]`, `bootstrapValue` `[B]` and the {@link VTraceOptions}.
 * @returns `vs`, `pgAdvantages`, `logRhos`, `behaviourActionLogProbs`, `targetActionLogProbs`, all `[T, B]`.
 * @throws {@link VTraceArgumentError} on shape or dtype mismatch, T = 0, non-integer or
 *   out-of-range actions, NaN logits, bad thresholds or non-finite inputs.
 * @see https://arxiv.org/abs/1802.01561
 *
 * @example
 * ```ts
 * const r = vtrace.fromLogits({ behaviourPolicyLogits, targetPolicyLogits, actions, discounts, rewards, values, bootstrapValue });
 * const pgLoss = tf.neg(tf.sum(tf.mul(r.targetActionLogProbs, r.pgAdvantages)));
 * ```
 * @category V-trace
 */
export function fromLogits(args: FromLogitsArgs): VTraceFromLogitsReturns {
  const behaviour = asHeads(args.behaviourPolicyLogits);
  const target = asHeads(args.targetPolicyLogits);
  const actions = asHeads(args.actions);
  if (behaviour.length === 0) throw new VTraceArgumentError(FN, 'behaviourPolicyLogits', 'must hold at least one head');
  if (target.length !== behaviour.length || actions.length !== behaviour.length) {
    throw new VTraceArgumentError(
      FN,
      'actions',
      `head counts differ: behaviourPolicyLogits ${behaviour.length}, targetPolicyLogits ${target.length}, actions ${actions.length}`,
    );
  }
  const multi = behaviour.length > 1 || Array.isArray(args.actions);
  const heads = behaviour.map((b, h) => {
    const suffix = multi ? `[${h}]` : '';
    const hb = checkedActions(FN, `behaviourPolicyLogits${suffix}`, b, `actions${suffix}`, actions[h]);
    const ht = checkedActions(FN, `targetPolicyLogits${suffix}`, target[h], `actions${suffix}`, actions[h]);
    if (hb.logits.shape.some((d, i) => d !== ht.logits.shape[i])) {
      throw new VTraceArgumentError(
        FN,
        `targetPolicyLogits${suffix}`,
        `has shape ${formatShape(ht.logits.shape)} but 'behaviourPolicyLogits${suffix}' has shape ${formatShape(hb.logits.shape)}`,
      );
    }
    return { behaviour: hb.logits, target: ht.logits, actions: hb.actions };
  });
  const first = heads[0]!.actions;
  assertTimeMajor(FN, multi ? 'actions[0]' : 'actions', first);
  heads.forEach((h, i) => {
    if (h.actions.shape.some((d, k) => d !== first.shape[k]) || h.actions.rank !== first.rank) {
      throw new VTraceArgumentError(FN, `actions[${i}]`, `has shape ${formatShape(h.actions.shape)} but 'actions[0]' has shape ${formatShape(first.shape)}`);
    }
  });
  checkValueTensors(FN, multi ? 'actions[0]' : 'actions', first.shape, args);

  const logProbs = tf.tidy(() => {
    const sumHeads = (pick: (h: (typeof heads)[number]) => tf.Tensor): tf.Tensor =>
      heads.map((h) => pickLogProbs(pick(h), h.actions)).reduce((a, b) => tf.add(a, b));
    const behaviourActionLogProbs = sumHeads((h) => h.behaviour);
    const targetActionLogProbs = sumHeads((h) => h.target);
    return { behaviourActionLogProbs, targetActionLogProbs, logRhos: tf.sub(targetActionLogProbs, behaviourActionLogProbs) };
  });
  try {
    const returns = vtraceOnTensors(FN, args, { ...args, logRhos: logProbs.logRhos });
    return { ...returns, ...logProbs };
  } catch (error) {
    tf.dispose(logProbs);
    throw error;
  }
}
