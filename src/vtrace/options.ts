import { VTraceArgumentError } from './errors.js';

/**
 * Clipping and trace-cutting parameters shared by every V-trace entry point.
 *
 * A threshold of `null` disables that clip; `0` is a real threshold that clips to 0 (it is *not*
 * "disabled", unlike the truthiness test in the upstream test helpers). `undefined` or an absent
 * field takes the default.
 * @category V-trace
 */
export interface VTraceOptions {
  /**
   * ρ̄ in the paper: truncation of the importance weight inside the temporal difference,
   * `ρ̄_t = min(ρ̄, ρ_t)`. `null` means no clipping. Must be ≥ 0.
   * @defaultValue 1
   */
  readonly clipRhoThreshold?: number | null | undefined;
  /**
   * c̄ in the paper: truncation of the trace coefficient, `c_t = λ · min(c̄, ρ_t)`. The reference
   * implementations (scalable_agent, torchbeast) hard-code 1. `null` means no clipping. Must be ≥ 0.
   * @defaultValue 1
   */
  readonly clipCThreshold?: number | null | undefined;
  /**
   * Truncation of the importance weight in the policy-gradient advantage,
   * `min(ρ̄_pg, ρ_s) · (r_s + γ_s v_{s+1} − V(x_s))`. `null` means no clipping. Must be ≥ 0.
   * @defaultValue 1
   */
  readonly clipPgRhoThreshold?: number | null | undefined;
  /**
   * λ of the paper's Remark 2 (as in rlax and SEED RL): multiplies the trace coefficient,
   * `c_t = λ · min(c̄, ρ_t)`. λ = 0 gives the one-step target. Must be in [0, 1].
   * @defaultValue 1
   */
  readonly lambda?: number | undefined;
}

/**
 * Options after defaults: `Infinity` stands for "no clipping".
 * @category V-trace
 */
export interface ResolvedVTraceOptions {
  readonly clipRho: number;
  readonly clipC: number;
  readonly clipPgRho: number;
  readonly lambda: number;
}

function resolveThreshold(fn: string, name: string, value: number | null | undefined): number {
  if (value === undefined) return 1;
  if (value === null) return Infinity;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new VTraceArgumentError(fn, name, `must be a number >= 0 or null (no clipping), got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates the options of `fn`.
 * @category V-trace
 */
export function resolveVTraceOptions(fn: string, options: VTraceOptions): ResolvedVTraceOptions {
  const lambda = options.lambda ?? 1;
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) {
    throw new VTraceArgumentError(fn, 'lambda', `must be a number in [0, 1], got ${String(lambda)}`);
  }
  return {
    clipRho: resolveThreshold(fn, 'clipRhoThreshold', options.clipRhoThreshold),
    clipC: resolveThreshold(fn, 'clipCThreshold', options.clipCThreshold),
    clipPgRho: resolveThreshold(fn, 'clipPgRhoThreshold', options.clipPgRhoThreshold),
    lambda,
  };
}
