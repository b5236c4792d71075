/**
 * The V-trace conformance checker without a default case source: no Node built-ins, so it also runs in a
 * browser. `vtrace-conformance.ts` adds the shipped golden files as the default (Node), `testing/browser.ts`
 * fetches them.
 */
import type { VTraceGoldenCase } from './vtrace-golden.js';




/**
 * Options every implementation receives (impala-rl's names; `null` = no clipping).
 * @category Testing
 */
export interface VTraceConformanceOptions {
  /** ρ̄. */
  readonly clipRhoThreshold: number | null;
  /** ρ̄ for the policy-gradient advantage. */
  readonly clipPgRhoThreshold: number | null;
  /** c̄. */
  readonly clipCThreshold: number | null;
  /** λ. */
  readonly lambda: number;
}

/**
 * What an implementation's `fromImportanceWeights` receives: flat row-major `[T, B]` arrays, bootstrap `[B]`.
 * @category Testing
 */
export interface VTraceConformanceIWArgs extends VTraceConformanceOptions {
  /** Unroll length. */
  readonly T: number;
  /** Batch size. */
  readonly B: number;
  /** `[T, B]`. */
  readonly logRhos: Float64Array | Float32Array;
  /** `[T, B]`. */
  readonly discounts: Float64Array | Float32Array;
  /** `[T, B]`. */
  readonly rewards: Float64Array | Float32Array;
  /** `[T, B]`. */
  readonly values: Float64Array | Float32Array;
  /** `[B]`. */
  readonly bootstrapValue: Float64Array | Float32Array;
}

/**
 * What an implementation's `fromLogits` receives; multi-head cases pass lists, one entry per head.
 * @category Testing
 */
export interface VTraceConformanceLogitsArgs extends VTraceConformanceOptions {
  /** Unroll length. */
  readonly T: number;
  /** Batch size. */
  readonly B: number;
  /** A, or `[A_1, A_2, ...]` for multi-head cases. */
  readonly numActions: number | readonly number[];
  /** `[T, B, A]` (a list per head in multi-head cases). */
  readonly behaviourPolicyLogits: Float64Array | Float32Array | readonly (Float64Array | Float32Array)[];
  /** `[T, B, A]` (a list per head in multi-head cases). */
  readonly targetPolicyLogits: Float64Array | Float32Array | readonly (Float64Array | Float32Array)[];
  /** `[T, B]` (a list per head in multi-head cases). */
  readonly actions: Int32Array | readonly Int32Array[];
  /** `[T, B]`. */
  readonly discounts: Float64Array | Float32Array;
  /** `[T, B]`. */
  readonly rewards: Float64Array | Float32Array;
  /** `[T, B]`. */
  readonly values: Float64Array | Float32Array;
  /** `[B]`. */
  readonly bootstrapValue: Float64Array | Float32Array;
}

/**
 * Outputs checked for `fromImportanceWeights` (flat `[T, B]`).
 * @category Testing
 */
export interface VTraceConformanceIWOutputs {
  /** V-trace targets. */
  readonly vs: ArrayLike<number>;
  /** Policy-gradient advantages. */
  readonly pgAdvantages: ArrayLike<number>;
}

/**
 * Outputs checked for `fromLogits` (flat `[T, B]`); the optional ones are checked when present.
 * @category Testing
 */
export interface VTraceConformanceLogitsOutputs extends VTraceConformanceIWOutputs {
  /** log ρ. */
  readonly logRhos?: ArrayLike<number>;
  /** log μ(a|x), summed over heads. */
  readonly behaviourActionLogProbs?: ArrayLike<number>;
  /** log π(a|x), summed over heads. */
  readonly targetActionLogProbs?: ArrayLike<number>;
}

/**
 * An implementation under test: either entry point may be omitted (its cases are then reported as
 * skipped), and either may return a promise. `vtrace.arrays` from impala-rl fits this interface as is.
 * @category Testing
 */
export interface VTraceImplementation {
  /** V-trace from log importance weights. */
  fromImportanceWeights?(args: VTraceConformanceIWArgs): VTraceConformanceIWOutputs | Promise<VTraceConformanceIWOutputs>;
  /** V-trace from behaviour and target logits. */
  fromLogits?(args: VTraceConformanceLogitsArgs): VTraceConformanceLogitsOutputs | Promise<VTraceConformanceLogitsOutputs>;
}

/**
 * Options of {@link checkVTraceConformance}.
 * @category Testing
 */
export interface CheckVTraceConformanceOptions {
  /**
   * Absolute tolerance; an element passes when `|actual − expected| ≤ atol + rtol·|expected|`.
   * @defaultValue 1e-4 (the golden set's recommendation for float32; use 1e-9 for float64)
   */
  readonly atol?: number;
  /**
   * Relative tolerance.
   * @defaultValue 1e-4
   */
  readonly rtol?: number;
  /**
   * Storage of the inputs handed to the implementation (the values are float32-exact either way).
   * @defaultValue 'float64'
   */
  readonly inputDType?: 'float32' | 'float64';
  /** Which cases to run; by default every golden case. */
  readonly filter?: (goldenCase: VTraceGoldenCase) => boolean;
  /** Cases to use instead of the shipped ones (e.g. from {@link loadVTraceGoldenCases} with another `dir`). */
  readonly cases?: readonly VTraceGoldenCase[];
}

/**
 * The worst element of one case.
 * @category Testing
 */
export interface VTraceConformanceMismatch {
  /** Output name, e.g. `'vs'`. */
  readonly output: string;
  /** Flat index into `[T, B]`. */
  readonly index: number;
  /** Value returned by the implementation. */
  readonly actual: number;
  /** Golden value. */
  readonly expected: number;
  /** `|actual − expected| / (atol + rtol·|expected|)`: above 1 fails. */
  readonly ratio: number;
}

/**
 * The verdict on one golden case.
 * @category Testing
 */
export interface VTraceConformanceResult {
  /** Golden case name. */
  readonly name: string;
  /** Golden case kind. */
  readonly kind: VTraceGoldenCase['kind'];
  /** `'passed'`, `'failed'` (a mismatch, a wrong length, or a thrown error) or `'skipped'`. */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** The element closest to (or furthest past) the tolerance; null when skipped or errored. */
  readonly worst: VTraceConformanceMismatch | null;
  /** Why the case failed or was skipped, in words. */
  readonly message?: string;
}

/**
 * The report of {@link checkVTraceConformance}.
 * @category Testing
 */
export interface VTraceConformanceReport {
  /** True when no case failed (skipped cases do not fail). */
  readonly ok: boolean;
  /** Number of cases passed. */
  readonly passed: number;
  /** Number of cases failed. */
  readonly failed: number;
  /** Number of cases skipped. */
  readonly skipped: number;
  /** One result per case. */
  readonly results: readonly VTraceConformanceResult[];
  /** A readable multi-line summary, listing every failure. */
  readonly summary: string;
}

function convert(a: Float64Array, dtype: 'float32' | 'float64'): Float64Array | Float32Array {
  return dtype === 'float32' ? Float32Array.from(a) : Float64Array.from(a);
}

function compare(
  output: string,
  actual: ArrayLike<number> | undefined,
  expected: Float64Array,
  atol: number,
  rtol: number,
): { worst: VTraceConformanceMismatch | null; message?: string } {
  if (actual === undefined) return { worst: null, message: `'${output}' is missing from the result` };
  if (actual.length !== expected.length) {
    return { worst: null, message: `'${output}' has length ${actual.length}, expected ${expected.length}` };
  }
  let worst: VTraceConformanceMismatch | null = null;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const err = Math.abs(a - e);
    const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(e));
    if (worst === null || ratio > worst.ratio) worst = { output, index: i, actual: a, expected: e, ratio };
  }
  return { worst };
}

async function runCase(
  impl: VTraceImplementation,
  c: VTraceGoldenCase,
  dtype: 'float32' | 'float64',
  atol: number,
  rtol: number,
): Promise<VTraceConformanceResult> {
  const base = { name: c.name, kind: c.kind };
  const common = {
    T: c.T,
    B: c.B,
    ...c.hyperparameters,
    discounts: convert(c.inputs.discounts, dtype),
    rewards: convert(c.inputs.rewards, dtype),
    values: convert(c.inputs.values, dtype),
    bootstrapValue: convert(c.inputs.bootstrapValue, dtype),
  };
  let outputs: VTraceConformanceLogitsOutputs;
  try {
    if (c.kind === 'from_importance_weights') {
      if (!impl.fromImportanceWeights) return { ...base, status: 'skipped', worst: null, message: 'no fromImportanceWeights' };
      outputs = await impl.fromImportanceWeights({ ...common, logRhos: convert(c.inputs.logRhos!, dtype) });
    } else {
      if (!impl.fromLogits) return { ...base, status: 'skipped', worst: null, message: 'no fromLogits' };
      const multi = c.kind === 'from_logits_multi';
      const heads = <X>(xs: readonly X[]): X | readonly X[] => (multi ? xs : xs[0]!);
      outputs = await impl.fromLogits({
        ...common,
        numActions: c.numActions!,
        behaviourPolicyLogits: heads(c.inputs.behaviourPolicyLogits!.map((a) => convert(a, dtype))),
        targetPolicyLogits: heads(c.inputs.targetPolicyLogits!.map((a) => convert(a, dtype))),
        actions: heads(c.inputs.actions!),
      });
    }
  } catch (error) {
    return { ...base, status: 'failed', worst: null, message: `threw ${error instanceof Error ? error.message : String(error)}` };
  }
  const checks: [string, ArrayLike<number> | undefined, Float64Array | undefined, boolean][] = [
    ['vs', outputs.vs, c.expected.vs, true],
    ['pgAdvantages', outputs.pgAdvantages, c.expected.pgAdvantages, true],
    ['logRhos', outputs.logRhos, c.expected.logRhos, false],
    ['behaviourActionLogProbs', outputs.behaviourActionLogProbs, c.expected.behaviourActionLogProbs, false],
    ['targetActionLogProbs', outputs.targetActionLogProbs, c.expected.targetActionLogProbs, false],
  ];
  let worst: VTraceConformanceMismatch | null = null;
  for (const [name, actual, expected, required] of checks) {
    if (expected === undefined || (!required && actual === undefined)) continue;
    const r = compare(name, actual, expected, atol, rtol);
    if (r.message !== undefined) return { ...base, status: 'failed', worst: null, message: r.message };
    if (r.worst && (worst === null || r.worst.ratio > worst.ratio)) worst = r.worst;
  }
  const failed = worst !== null && !(worst.ratio <= 1);
  return {
    ...base,
    status: failed ? 'failed' : 'passed',
    worst,
    ...(failed && worst
      ? {
          message: `'${worst.output}'[${worst.index}] = ${worst.actual}, expected ${worst.expected} (error ${(worst.ratio).toPrecision(3)}× the tolerance)`,
        }
      : {}),
  };
}

/**
 * Runs a V-trace implementation on the given golden cases and reports per case (what
 * `checkVTraceConformance` does once it has its cases).
 *
 * @param impl - the implementation under test.
 * @param cases - the golden cases (before `options.filter`).
 * @param options - tolerances, input storage, case filter (`options.cases` is ignored).
 * @returns the report.
 * @category Testing
 */
export async function runVTraceConformance(
  impl: VTraceImplementation,
  cases: readonly VTraceGoldenCase[],
  options: CheckVTraceConformanceOptions = {},
): Promise<VTraceConformanceReport> {
  const atol = options.atol ?? 1e-4;
  const rtol = options.rtol ?? 1e-4;
  const dtype = options.inputDType ?? 'float64';
  const selected = cases.filter(options.filter ?? (() => true));
  const results: VTraceConformanceResult[] = [];
  for (const c of selected) results.push(await runCase(impl, c, dtype, atol, rtol));
  const count = (s: VTraceConformanceResult['status']): number => results.filter((r) => r.status === s).length;
  const passed = count('passed');
  const failed = count('failed');
  const skipped = count('skipped');
  const lines = [`V-trace conformance: ${passed} passed, ${failed} failed, ${skipped} skipped (atol ${atol}, rtol ${rtol})`];
  for (const r of results) if (r.status === 'failed') lines.push(`  FAIL ${r.name}: ${r.message ?? ''}`);
  return { ok: failed === 0, passed, failed, skipped, results, summary: lines.join('\n') };
}
