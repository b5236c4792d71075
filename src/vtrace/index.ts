/**
 * V-trace (Espeholt et al. 2018, "IMPALA", arXiv:1802.01561, §4): off-policy n-step value targets and
 * policy-gradient advantages, on tfjs tensors and on plain typed arrays (`vtrace.arrays`).
 *
 * **Notation.** Every input is time-major: `T` is the unroll length (time), `B` the batch size, `A`
 * the number of actions. Per-step inputs are `[T, B]` (extra trailing dims are allowed when every
 * input shares them), `bootstrapValue` is `[B]`, logits are `[T, B, A]`. Paper symbols:
 * - ρ_t = π(a_t|x_t) / μ(a_t|x_t), the importance weight (π target, μ behaviour policy); inputs give log ρ;
 * - ρ̄ = `clipRhoThreshold`, the truncation in the temporal difference (default 1);
 * - c̄ = `clipCThreshold`, the truncation of the trace coefficient c_t = λ·min(c̄, ρ_t) (default 1,
 *   fixed at 1 in scalable_agent and torchbeast);
 * - ρ̄_pg = `clipPgRhoThreshold`, the truncation in the policy-gradient advantage (default 1);
 * - λ = `lambda`, the trace mixing of the paper's Remark 2 (default 1);
 * - d_t = `discounts`: γ, or 0 where the episode terminated at step t (so γ^{t−s} becomes Π d_i).
 *
 * A threshold of `null` means no clipping; `0` clips to 0.
 *
 * **Non-finite inputs.** NaN in any input, or ±Infinity in `discounts`, `rewards`, `values` or
 * `bootstrapValue`, throws a {@link VTraceArgumentError} naming the argument and the `[t, b]` index.
 * `logRhos` of ±Infinity are allowed (ρ = 0 or ∞); with finite thresholds the results stay finite.
 * With a `null` threshold and very large log ρ (> 88.7 in float32) the results overflow to ±Infinity,
 * as in the reference implementations.
 *
 * @module
 */
import * as arrays from './arrays.js';

export { actionLogProbs } from './action-log-probs.js';
export { VTraceArgumentError } from './errors.js';
export { fromImportanceWeights, type FromImportanceWeightsArgs, type VTraceReturns } from './from-importance-weights.js';
export { fromLogits, type FromLogitsArgs, type VTraceFromLogitsReturns } from './from-logits.js';
export type { VTraceOptions } from './options.js';
export { arrays };
