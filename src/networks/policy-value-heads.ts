import * as tf from '@tensorflow/tfjs-core';
import { addDenseWeights } from './layer-weights.js';
import type { DenseWeights } from './layer-weights.js';
import type { WeightFactory } from './torso.js';

/**
 * Built policy and baseline heads.
 * @category Networks
 */
export interface PolicyValueHeads {
  /** Number of actions of each policy head. */
  readonly actionSizes: readonly number[];
  /**
   * Applies the heads.
   *
   * @param core - `[N, H]` core outputs.
   * @returns `logits [N, ΣA]` (heads concatenated in order) and `baseline [N]`.
   */
  apply(core: tf.Tensor2D): { logits: tf.Tensor2D; baseline: tf.Tensor1D };
}

/**
 * Creates the heads: one linear policy head per action dimension (`policy/…` for a single discrete action
 * space, `policy_<i>/…` for a multi-discrete one) and a linear scalar baseline (`baseline/…`).
 *
 * @param weights - Factory at the network's root scope.
 * @param inputSize - Core output size H.
 * @param actionSizes - Actions per head.
 * @param multiDiscrete - Whether the action space was given as a list (names get a head index).
 * @returns The heads.
 * @category Networks
 */
export function buildPolicyValueHeads(
  weights: WeightFactory,
  inputSize: number,
  actionSizes: readonly number[],
  multiDiscrete: boolean,
): PolicyValueHeads {
  const policies: DenseWeights[] = actionSizes.map((a, i) => addDenseWeights(weights, multiDiscrete ? `policy_${i}` : 'policy', inputSize, a));
  const baseline = addDenseWeights(weights, 'baseline', inputSize, 1);
  return {
    actionSizes,
    apply: (core) => {
      const heads = policies.map((p) => tf.fused.matMul({ a: core, b: p.kernel, bias: p.bias }) as tf.Tensor2D);
      const logits: tf.Tensor2D = heads.length === 1 ? heads[0]! : tf.concat(heads, 1);
      const value = tf.fused.matMul({ a: core, b: baseline.kernel, bias: baseline.bias });
      return { logits, baseline: tf.reshape(value, [core.shape[0]]) };
    },
  };
}
