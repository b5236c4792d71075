import { formatIndex } from '../internal/format.js';
import { VTraceArgumentError } from './errors.js';
import type { ResolvedVTraceOptions } from './options.js';

/**
 * Any array-like of numbers the kernel reads from.
 * @category V-trace
 */
export type ReadableNumbers = ArrayLike<number>;

/**
 * The V-trace inputs flattened to `[T, N]` row-major (N = B times the trailing dims), bootstrap `[N]`.
 * @category V-trace
 */
export interface KernelInputs {
  readonly logRhos: ReadableNumbers;
  readonly discounts: ReadableNumbers;
  readonly rewards: ReadableNumbers;
  readonly values: ReadableNumbers;
  readonly bootstrapValue: ReadableNumbers;
}

/**
 * Where the kernel writes `vs` and `pgAdvantages` (`[T, N]`, row-major).
 * @category V-trace
 */
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
 * @category V-trace
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
  // When log ρ ≥ log(max threshold), every min(threshold, ρ) is its threshold: no exp needed (thresholds
  // default to 1, so this skips it for about half of typical log-rhos).
  const logMaxThreshold = Math.log(Math.max(clipRho, clipC, clipPgRho));
  const exp = new ExpTables();
  // Non-finite inputs make some output non-finite (the clips below keep NaN: `ρ > c̄ ? c̄ : ρ`), so one
  // running sum of the outputs detects them without a test per input; the inputs are then searched.
  let guard = 0;
  for (let t = T - 1; t >= 0; t--) {
    const row = t * N;
    for (let n = 0; n < N; n++) {
      const i = row + n;
      const logRho = logRhos[i]!;
      const d = discounts[i]!;
      const r = rewards[i]!;
      const v = values[i]!;
      const rho = logRho >= logMaxThreshold ? Infinity : exp.of(logRho);
      const clippedRho = rho > clipRho ? clipRho : rho;
      const c = lambda * (rho > clipC ? clipC : rho);
      const a = clippedRho * (r + d * nextValue[n]! - v) + d * c * acc[n]!;
      const vsT = v + a;
      const pgRho = rho > clipPgRho ? clipPgRho : rho;
      const pg = pgRho * (r + d * nextVs[n]! - v);
      pgAdvantages[i] = pg;
      vs[i] = vsT;
      guard += vsT + pg;
      acc[n] = a;
      nextValue[n] = v;
      nextVs[n] = vsT;
    }
  }
  if (!Number.isFinite(guard)) assertFiniteInputs(fn, shape, input);
}

const LOG2E_64 = 64 / Math.LN2;
// ln 2 / 64 split in two (Cody–Waite): the high part has trailing zero bits, so k · LN2_64_HI is exact.
const LN2_64_HI = 6.93147180369123816490e-1 / 64;
const LN2_64_LO = 1.90821492927058770002e-10 / 64;

/**
 * exp(x) without a call into the runtime (Math.exp is about half of the kernel's time otherwise):
 * x = (64m + j) ln2/64 + y with |y| ≤ ln2/128, exp(x) = 2^m · 2^(j/64) · P(y), P the degree-6 Taylor
 * polynomial (remainder < 2e-17). Relative error within a few ulps of Math.exp for |x| ≤ 40 (tested);
 * Math.exp elsewhere. The two small tables are built per kernel call (about a microsecond).
 * @category V-trace
 */
export class ExpTables {
  readonly #frac = new Float64Array(64); // 2^(j/64)
  readonly #pow2 = new Float64Array(129); // 2^m for m in [−64, 64], at index m + 64
  constructor() {
    for (let j = 0; j < 64; j++) this.#frac[j] = Math.pow(2, j / 64);
    this.#pow2[64] = 1;
    for (let m = 1; m <= 64; m++) {
      this.#pow2[64 + m] = this.#pow2[63 + m]! * 2;
      this.#pow2[64 - m] = this.#pow2[65 - m]! * 0.5;
    }
  }

  of(x: number): number {
    if (!(x > -40 && x < 40)) return Math.exp(x); // also NaN
    const k = Math.round(x * LOG2E_64);
    const y = x - k * LN2_64_HI - k * LN2_64_LO;
    const p = 1 + y * (1 + y * (1 / 2 + y * (1 / 6 + y * (1 / 24 + y * (1 / 120 + y * (1 / 720))))));
    return this.#pow2[(k >> 6) + 64]! * this.#frac[k & 63]! * p;
  }
}

/**
 * Locates and reports the first invalid input; returns normally if there is none (e.g. d + r + v overflowed).
 * @category V-trace
 */
export function assertFiniteInputs(fn: string, shape: readonly number[], input: KernelInputs): void {
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

/**
 * Throws a {@link VTraceArgumentError} naming the first finite negative discount and its index (−Infinity, like
 * NaN, is left to {@link assertFiniteInputs}). One loop per array type, so that each stays a tight typed-array
 * scan (one generic loop over every kind of array ran at ~7 ns an element).
 * @category V-trace
 */
export function assertNonNegativeDiscounts(fn: string, discounts: ArrayLike<number>): void {
  if (discounts instanceof Float32Array) scanDiscounts32(fn, discounts);
  else if (discounts instanceof Float64Array) scanDiscounts64(fn, discounts);
  else scanDiscounts(fn, discounts);
}

function scanDiscounts32(fn: string, discounts: Float32Array): void {
  const n = discounts.length;
  for (let i = 0; i < n; i++) {
    const d = discounts[i]!;
    if (d < 0 && d !== -Infinity) throw negativeDiscount(fn, d, i);
  }
}

function scanDiscounts64(fn: string, discounts: Float64Array): void {
  const n = discounts.length;
  for (let i = 0; i < n; i++) {
    const d = discounts[i]!;
    if (d < 0 && d !== -Infinity) throw negativeDiscount(fn, d, i);
  }
}

function scanDiscounts(fn: string, discounts: ArrayLike<number>): void {
  const n = discounts.length;
  for (let i = 0; i < n; i++) {
    const d = discounts[i]!;
    if (d < 0 && d !== -Infinity) throw negativeDiscount(fn, d, i);
  }
}

function negativeDiscount(fn: string, d: number, i: number): VTraceArgumentError {
  return new VTraceArgumentError(fn, 'discounts', `holds ${d} at [${i}]; discounts must be >= 0`);
}
