import * as tf from '@tensorflow/tfjs-core';
import { outputArray } from './output-array.js';
import { runVTraceKernel } from './wasm-kernel.js';
import { resolveVTraceOptions, type VTraceOptions } from './options.js';
import { assertSameShape, assertTensor, assertTimeMajor } from './tensor-checks.js';

/**
 * Inputs of {@link fromImportanceWeights}: float32 tensors, time-major.
 * @category V-trace
 */
export interface FromImportanceWeightsArgs extends VTraceOptions {
  /** log ρ_t = log π(a_t|x_t) − log μ(a_t|x_t), float32 `[T, B, ...]`. */
  readonly logRhos: tf.Tensor;
  /** Per-step discounts d_t (γ, or 0 where the episode terminated at step t), float32 `[T, B, ...]`. */
  readonly discounts: tf.Tensor;
  /** Rewards r_t, float32 `[T, B, ...]`. */
  readonly rewards: tf.Tensor;
  /** Value estimates V(x_t), float32 `[T, B, ...]`. */
  readonly values: tf.Tensor;
  /** V(x_T), the value of the state after the last step, float32 `[B, ...]`. */
  readonly bootstrapValue: tf.Tensor;
}

/**
 * V-trace targets and advantages. Both are constants to autodiff (no gradient flows through them).
 * @category V-trace
 */
export interface VTraceReturns {
  /** V-trace value targets v_s, float32 `[T, B, ...]`: regress V(x_s) towards these. */
  readonly vs: tf.Tensor;
  /** Policy-gradient advantages min(ρ̄_pg, ρ_s)(r_s + d_s v_{s+1} − V(x_s)), float32 `[T, B, ...]`. */
  readonly pgAdvantages: tf.Tensor;
}

const FN = 'vtrace.fromImportanceWeights';

/**
 * Runs the V-trace kernel on tensors read back once (one `dataSync` per input, none per step):
 * the recursion over T is inherently sequential, and on the host it costs O(T·B) scalar work
 * instead of O(T) kernel launches. Returns new float32 tensors of `shape`.
 * @category V-trace
 */
export function vtraceOnTensors(
  fn: string,
  options: VTraceOptions,
  inputs: {
    readonly logRhos: tf.Tensor;
    readonly discounts: tf.Tensor;
    readonly rewards: tf.Tensor;
    readonly values: tf.Tensor;
    readonly bootstrapValue: tf.Tensor;
  },
): VTraceReturns {
  const resolved = resolveVTraceOptions(fn, options);
  const shape = inputs.logRhos.shape;
  const size = inputs.logRhos.size;
  const out = { vs: outputArray('float32', size), pgAdvantages: outputArray('float32', size) };
  runVTraceKernel(
    fn,
    shape,
    {
      logRhos: inputs.logRhos.dataSync(),
      discounts: inputs.discounts.dataSync(),
      rewards: inputs.rewards.dataSync(),
      values: inputs.values.dataSync(),
      bootstrapValue: inputs.bootstrapValue.dataSync(),
    },
    resolved,
    out,
  );
  return { vs: tf.tensor(out.vs, shape, 'float32'), pgAdvantages: tf.tensor(out.pgAdvantages, shape, 'float32') };
}

/**
 * Validates the value-side inputs shared by both tensor entry points against `ref`'s `[T, B, ...]` shape.
 * @category V-trace
 */
export function checkValueTensors(
  fn: string,
  refName: string,
  shape: readonly number[],
  args: { readonly discounts: unknown; readonly rewards: unknown; readonly values: unknown; readonly bootstrapValue: unknown },
): void {
  for (const name of ['discounts', 'rewards', 'values'] as const) {
    assertSameShape(fn, name, assertTensor(fn, name, args[name], ['float32']), refName, shape);
  }
  const bootstrap = assertTensor(fn, 'bootstrapValue', args.bootstrapValue, ['float32']);
  assertSameShape(fn, 'bootstrapValue', bootstrap, `${refName}.shape[1:]`, shape.slice(1));
}

/**
 * V-trace targets and policy-gradient advantages from log importance weights (IMPALA, Espeholt et
 * al. 2018, §4), on tfjs tensors of any backend.
 *
 * With ρ_t = exp(logRhos_t), V_T = bootstrapValue and vs_T = bootstrapValue:
 * `vs_s = V_s + Σ_{t≥s} (Π_{i=s}^{t−1} d_i c_i) δ_t`, `δ_t = min(ρ̄, ρ_t)(r_t + d_t V_{t+1} − V_t)`,
 * `c_i = λ min(c̄, ρ_i)`, and `pgAdvantages_s = min(ρ̄_pg, ρ_s)(r_s + d_s vs_{s+1} − V_s)`.
 *
 * The inputs are read back to the host once (`dataSync`) and the backward recursion runs there (on the
 * WebAssembly SIMD kernel in float32 arithmetic where available, else on the JavaScript kernel in float64; see
 * `vtrace.arrays`); the outputs are new float32 tensors on the current backend, constants to autodiff (no
 * gradient flows through them, as in every reference implementation). The caller owns and disposes them.
 *
 * @param args - the float32 tensors `logRhos`, `discounts`, `rewards`, `values` (`[T, B, ...]`),
 *   `bootstrapValue` (`[B, ...]`) and the {@link VTraceOptions}.
 * @returns `vs` and `pgAdvantages`, float32 `[T, B, ...]`.
 * @throws {@link VTraceArgumentError} on rank or shape mismatch, wrong dtype, T = 0, negative
 *   thresholds, NaN anywhere or ±Infinity outside `logRhos`.
 * @see https://arxiv.org/abs/1802.01561
 *
 * @example
 * ```ts
 * const { vs, pgAdvantages } = vtrace.fromImportanceWeights({
 *   logRhos: tf.zeros([20, 32]), discounts: tf.fill([20, 32], 0.99), rewards, values, bootstrapValue,
 * });
 * ```
 * @category V-trace
 */
export function fromImportanceWeights(args: FromImportanceWeightsArgs): VTraceReturns {
  const logRhos = assertTensor(FN, 'logRhos', args.logRhos, ['float32']);
  assertTimeMajor(FN, 'logRhos', logRhos);
  checkValueTensors(FN, 'logRhos', logRhos.shape, args);
  return vtraceOnTensors(FN, args, args);
}
