import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseVTraceGoldenFile, VTRACE_GOLDEN_FILES } from './vtrace-golden-json.js';

/**
 * The kinds of golden V-trace cases.
 * @category Testing
 */
export type VTraceGoldenKind = 'from_importance_weights' | 'from_logits' | 'from_logits_multi';

/**
 * Hyperparameters of a golden case, in impala-rl's option names (`null` = no clipping).
 * @category Testing
 */
export interface VTraceGoldenHyperparameters {
  /** ρ̄. */
  readonly clipRhoThreshold: number | null;
  /** ρ̄ for the policy-gradient advantage. */
  readonly clipPgRhoThreshold: number | null;
  /** c̄ (always 1 in the golden set, as in both reference implementations). */
  readonly clipCThreshold: number | null;
  /** λ. */
  readonly lambda: number;
}

/**
 * Inputs of a golden case as flat row-major arrays (`[T, B]`, logits `[T, B, A]`, bootstrap `[B]`).
 * @category Testing
 */
export interface VTraceGoldenInputs {
  /** `[T, B]`; importance-weight cases only. */
  readonly logRhos?: Float64Array;
  /** `[T, B, A]` per head; logits cases only. */
  readonly behaviourPolicyLogits?: readonly Float64Array[];
  /** `[T, B, A]` per head; logits cases only. */
  readonly targetPolicyLogits?: readonly Float64Array[];
  /** `[T, B]` per head; logits cases only. */
  readonly actions?: readonly Int32Array[];
  /** `[T, B]`. */
  readonly discounts: Float64Array;
  /** `[T, B]`. */
  readonly rewards: Float64Array;
  /** `[T, B]`. */
  readonly values: Float64Array;
  /** `[B]`. */
  readonly bootstrapValue: Float64Array;
}

/**
 * The float64 ground truth of a golden case, flat `[T, B]`.
 * @category Testing
 */
export interface VTraceGoldenExpected {
  /** V-trace targets. */
  readonly vs: Float64Array;
  /** Policy-gradient advantages (v_{s+1} form). */
  readonly pgAdvantages: Float64Array;
  /** Logits cases only. */
  readonly logRhos?: Float64Array;
  /** Logits cases only (summed over heads). */
  readonly behaviourActionLogProbs?: Float64Array;
  /** Logits cases only (summed over heads). */
  readonly targetActionLogProbs?: Float64Array;
}

/**
 * One golden V-trace case (float32-exact inputs, float64 truth); see the fixtures' README for provenance.
 * @category Testing
 */
export interface VTraceGoldenCase {
  /** Unique name, e.g. `iw_T20_B32_rho_3.7_pg_2.2`. */
  readonly name: string;
  /** Which entry point the case exercises. */
  readonly kind: VTraceGoldenKind;
  /** What the case covers. */
  readonly description: string;
  /** Unroll length. */
  readonly T: number;
  /** Batch size. */
  readonly B: number;
  /** Number of actions (a list for multi-head cases); `null` for importance-weight cases. */
  readonly numActions: number | readonly number[] | null;
  /** Thresholds and λ. */
  readonly hyperparameters: VTraceGoldenHyperparameters;
  /** Inputs. */
  readonly inputs: VTraceGoldenInputs;
  /** Float64 ground truth. */
  readonly expected: VTraceGoldenExpected;
}

export { VTRACE_GOLDEN_FILES } from './vtrace-golden-json.js';

/** Where the shipped golden JSON files are: resolved through the package's own `exports` map. */
function defaultGoldenDir(): string {
  const require = createRequire(import.meta.url);
  const readme = require.resolve('impala-rl/fixtures/vtrace/README.md');
  return join(readme, '..');
}

/**
 * Loads the golden V-trace cases shipped with impala-rl (35 cases: 24 importance-weight, 9 single-head
 * logits, 2 multi-head logits). Node only (reads files). Inputs are float32-exact; `expected` is the
 * float64 truth from the paper's definition, cross-checked against deepmind/scalable_agent,
 * torchbeast and rlax (provenance in `impala-rl/fixtures/vtrace/README.md`).
 *
 * @param options - `dir`: read the JSON files from another folder.
 * @returns the cases, in file order.
 * @category Testing
 */
export function loadVTraceGoldenCases(options: { readonly dir?: string } = {}): VTraceGoldenCase[] {
  const dir = options.dir ?? defaultGoldenDir();
  return VTRACE_GOLDEN_FILES.flatMap((file) => {
    return parseVTraceGoldenFile(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  });
}
