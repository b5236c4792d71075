import { formatIndex } from '../internal/format.js';
import { VTraceArgumentError } from './errors.js';
import type { ResolvedVTraceOptions } from './options.js';

/** Any array-like of numbers the kernel reads from. */
export type ReadableNumbers = ArrayLike<number>;

/** The V-trace inputs flattened to `[T, N]` row-major (N = B times the trailing dims), bootstrap `[N]`. */
export interface KernelInputs {
  readonly logRhos: ReadableNumbers;
  readonly discounts: ReadableNumbers;
  readonly rewards: ReadableNumbers;
  readonly values: ReadableNumbers;
  readonly bootstrapValue: ReadableNumbers;
}

/** Where the kernel writes `vs` and `pgAdvantages` (`[T, N]`, row-major). */
export interface KernelOutputs {
  readonly vs: Float32Array | Float64Array;
  readonly pgAdvantages: Float32Array | Float64Array;
}

/**
 * The V-trace backward recursion over flat arrays, accumulated in float64 whatever the storage type:
 *
 *   acc_T = 0,  acc_t = δ_t + d_t c_t acc_{t+1},  vs_t = V_t + acc_t,
 *   δ_t = min(ρ̄, ρ_t)(r_t + d_t V_{t+1} − V_t),   c_t = λ min(c̄, ρ_t),
 *   pg_t = min(ρ̄_pg, ρ_t)(r_t + d_t vs_{t+1} − V_t),  with V_T = vs_T = bootstrapValue.
 *
 * One pass from t = T−1 down to 0, vectorised over the N columns, O(T·N) time and O(N) extra space.
 * Throws {@link VTraceArgumentError} (naming the argument and the `[t, ...]` index) when an input is NaN,
 * or when a discount, reward, value or bootstrap value is ±Infinity; `logRhos` may be ±Infinity
 * (ρ = 0 or ρ = ∞, which the thresholds then clip).
 */
export function vtraceKernel(
  fn: string,
  shape: readonly number[],
  input: KernelInputs,
  options: ResolvedVTraceOptions,
  out: KernelOutputs,
): void {
  const T = shape[0]!;
  const N = T === 0 ? 0 : input.logRhos.length / T;
  const { logRhos, discounts, rewards, values, bootstrapValue } = input;
  const { clipRho, clipC, clipPgRho, lambda } = options;
  const { vs, pgAdvantages } = out;
  // Per-column carries: V_{t+1}, vs_{t+1} and the trace accumulator.
  const nextValue = Float64Array.from(bootstrapValue);
  const nextVs = Float64Array.from(bootstrapValue);
  const acc = new Float64Array(N);
  // When log ρ ≥ log(max threshold), every min(threshold, ρ) is its threshold: skip Math.exp, the
  // dominant cost (thresholds default to 1, so this skips it for about half of typical log-rhos).
  const logMaxThreshold = Math.log(Math.max(clipRho, clipC, clipPgRho));
  let finite = true;
  for (let n = 0; n < N; n++) finite &&= Number.isFinite(nextValue[n]!);
  for (let t = T - 1; t >= 0; t--) {
    const row = t * N;
    for (let n = 0; n < N; n++) {
      const i = row + n;
      const logRho = logRhos[i]!;
      const d = discounts[i]!;
      const r = rewards[i]!;
      const v = values[i]!;
      finite &&= Number.isFinite(d + r + v) && logRho === logRho;
      const rho = logRho >= logMaxThreshold ? Infinity : Math.exp(logRho);
      const clippedRho = rho < clipRho ? rho : clipRho;
      const c = lambda * (rho < clipC ? rho : clipC);
      const a = clippedRho * (r + d * nextValue[n]! - v) + d * c * acc[n]!;
      const vsT = v + a;
      const pgRho = rho < clipPgRho ? rho : clipPgRho;
      pgAdvantages[i] = pgRho * (r + d * nextVs[n]! - v);
      vs[i] = vsT;
      acc[n] = a;
      nextValue[n] = v;
      nextVs[n] = vsT;
    }
  }
  if (!finite) assertFiniteInputs(fn, shape, input);
}

/** Locates and reports the first invalid input; returns normally if there is none (e.g. d + r + v overflowed). */
function assertFiniteInputs(fn: string, shape: readonly number[], input: KernelInputs): void {
  const checks: [keyof KernelInputs, (x: number) => boolean, string][] = [
    ['logRhos', (x) => !Number.isNaN(x), 'NaN'],
    ['discounts', Number.isFinite, 'a non-finite value'],
    ['rewards', Number.isFinite, 'a non-finite value'],
    ['values', Number.isFinite, 'a non-finite value'],
    ['bootstrapValue', Number.isFinite, 'a non-finite value'],
  ];
  for (const [name, ok, what] of checks) {
    const data = input[name];
    const argShape = name === 'bootstrapValue' ? shape.slice(1) : shape;
    for (let i = 0; i < data.length; i++) {
      if (!ok(data[i]!)) {
        throw new VTraceArgumentError(fn, name, `contains ${what} (${data[i]}) at ${formatIndex(i, argShape)}`);
      }
    }
  }
}
