/**
 * V-trace from logits with every step on the backend (no read to the host), for the compiled learner
 * update. `vtrace.fromLogits` reads its inputs back once and runs the backward recursion on the host in
 * float64, which a graph cannot contain; this version unrolls the same recursion over T as tensor ops
 * (float32), so it computes the same targets to float32 rounding. Inputs are trusted: the compiled
 * learner checks the actions' range on the host before each run, and it checks the losses for NaN after.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pickLogProbs } from '../vtrace/action-log-probs.js';
import type { FromLogitsArgs, VTraceFromLogitsReturns } from '../vtrace/from-logits.js';
import { resolveVTraceOptions } from '../vtrace/options.js';

const FN = 'vtrace.fromLogits (graph)';

function heads(x: tf.Tensor | readonly tf.Tensor[]): readonly tf.Tensor[] {
  return Array.isArray(x) ? (x as readonly tf.Tensor[]) : [x as tf.Tensor];
}

/**
 * Same contract as `vtrace.fromLogits` (shapes `[T, B]`, one or more heads), with `vs` and `pgAdvantages`
 * constants to autodiff (their gradient is zero, as in the host version, where they are new tensors).
 *
 * @param args - as for `vtrace.fromLogits`.
 * @returns `vs`, `pgAdvantages`, `logRhos` and the action log-probabilities.
 * @category Compile
 */
export function fromLogitsTensor(args: FromLogitsArgs): VTraceFromLogitsReturns {
  const { clipRho, clipC, clipPgRho, lambda } = resolveVTraceOptions(FN, args);
  const behaviour = heads(args.behaviourPolicyLogits);
  const target = heads(args.targetPolicyLogits);
  const actions = heads(args.actions);
  const sum = (logits: readonly tf.Tensor[]): tf.Tensor => logits.map((l, h) => pickLogProbs(l, actions[h]!)).reduce((a, b) => tf.add(a, b));
  const behaviourActionLogProbs = sum(behaviour);
  const targetActionLogProbs = sum(target);
  const logRhos = tf.sub(targetActionLogProbs, behaviourActionLogProbs);
  const recursion = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [lr, discounts, rewards, values, bootstrap] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const shapes = [lr, discounts, rewards, values, bootstrap].map((x) => x.shape);
    const T = lr.shape[0];
    const rho = tf.exp(lr);
    const clip = (threshold: number): tf.Tensor => (Number.isFinite(threshold) ? tf.minimum(rho, threshold) : rho);
    const boot = tf.expandDims(bootstrap, 0);
    const nextValues = T > 1 ? tf.concat([tf.slice(values, [1], [T - 1]), boot], 0) : boot;
    const deltas = tf.mul(clip(clipRho), tf.sub(tf.add(rewards, tf.mul(discounts, nextValues)), values));
    const decay = tf.mul(discounts, tf.mul(clip(clipC), lambda));
    const d = tf.unstack(deltas);
    const k = tf.unstack(decay);
    const acc: tf.Tensor[] = new Array<tf.Tensor>(T);
    let carry: tf.Tensor | null = null;
    for (let t = T - 1; t >= 0; t--) {
      carry = carry === null ? d[t]! : tf.add(d[t]!, tf.mul(k[t]!, carry));
      acc[t] = carry;
    }
    const vs = tf.add(values, tf.stack(acc));
    const nextVs = T > 1 ? tf.concat([tf.slice(vs, [1], [T - 1]), boot], 0) : boot;
    const pg = tf.mul(clip(clipPgRho), tf.sub(tf.add(rewards, tf.mul(discounts, nextVs)), values));
    return { value: tf.stack([vs, pg]), gradFunc: () => shapes.map((shape) => tf.zeros(shape)) };
  });
  const both = recursion(logRhos, args.discounts, args.rewards, args.values, args.bootstrapValue);
  const [vs, pgAdvantages] = tf.unstack(both) as [tf.Tensor, tf.Tensor];
  return { vs, pgAdvantages, logRhos, behaviourActionLogProbs, targetActionLogProbs };
}
