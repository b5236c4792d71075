/**
 * V-trace on plain typed arrays: no tfjs needed. Every array is flat and row-major in the time-major
 * layout `[T, B, ...]` (extra trailing dims are allowed when every input shares them; their size K is
 * inferred from the lengths), `bootstrapValue` is `[B, ...]`.
 *
 * Precision: results are `Float64Array` when any float input is a `Float64Array` or a `number[]`, and
 * `Float32Array` when all of them are `Float32Array`s (override with `dtype`).
 *
 * Kernel: a WebAssembly SIMD kernel where WebAssembly SIMD is available ({@link kernelName} says which), the
 * JavaScript kernel otherwise. Both accumulate in float64, and give identical results, except that the
 * WebAssembly kernel computes float32 results from all-`Float32Array` inputs in float32 arithmetic (four
 * lanes at a time, like JAX or PyTorch in float32): within a few float32 roundings per time step of the
 * float64-accumulated results (the golden float32 tolerance, `1e-5 + 1e-5·|e|`). Pass `dtype: 'float64'`
 * for float64 accumulation. {@link VTraceWorkspace} skips the copies into and out of the kernel's memory.
 *
 * @module
 */
import { formatShape } from '../internal/format.js';
import { VTraceArgumentError } from './errors.js';
import { assertNonNegativeDiscounts } from './kernel.js';
import { outputArray } from './output-array.js';
import { runVTraceKernel } from './wasm-kernel.js';

export { VTraceWorkspace, type VTraceWorkspaceArgs, type VTraceWorkspaceDType } from './workspace.js';
export { vtraceKernelName as kernelName, type VTraceKernelName } from './wasm-kernel.js';
import { addActionLogProbs, assertActionsInRange } from './log-probs.js';
import { resolveVTraceOptions, type VTraceOptions } from './options.js';

/**
 * A flat array of floats: `Float32Array`, `Float64Array` or `number[]`.
 * @category V-trace
 */
export type NumberArray = Float32Array | Float64Array | readonly number[];

/**
 * A flat array of action indices (any integer typed array, or floats holding integers).
 * @category V-trace
 */
export type IntegerArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | readonly number[];

/**
 * The float storage of results.
 * @category V-trace
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * Result precision: `'float32'` gives `Float32Array`s, `'float64'` gives `Float64Array`s. With `'float32'`
 * results are rounded to float32 and overflow to ±Infinity beyond about 3.4e38 (e.g. huge rewards summed over a
 * long unroll with discounts near 1); ask for `'float64'` (or pass a non-`Float32Array` input) when values can
 * be that large.
 * @category V-trace
 */
export type ArrayDType = 'float32' | 'float64';

/**
 * Inputs of {@link fromImportanceWeights} (arrays).
 * @category V-trace
 */
export interface ArraysFromImportanceWeightsArgs extends VTraceOptions {
  /** Unroll length T (≥ 1). */
  readonly T: number;
  /** Batch size B (≥ 0). */
  readonly B: number;
  /** log ρ_t = log π(a_t|x_t) − log μ(a_t|x_t), `[T, B, ...]`. */
  readonly logRhos: NumberArray;
  /** Per-step discounts d_t (γ, or 0 where the episode terminated at step t), `[T, B, ...]`. */
  readonly discounts: NumberArray;
  /** Rewards r_t, `[T, B, ...]`. */
  readonly rewards: NumberArray;
  /** Value estimates V(x_t) under the target policy, `[T, B, ...]`. */
  readonly values: NumberArray;
  /** V(x_T), the value after the last step, `[B, ...]`. */
  readonly bootstrapValue: NumberArray;
  /** Result precision; by default float32 only when every float input is a `Float32Array`. */
  readonly dtype?: ArrayDType | undefined;
}

/**
 * Results of the array V-trace: `[T, B, ...]` flat arrays.
 * @category V-trace
 */
export interface ArraysVTraceReturns {
  /** V-trace value targets v_s, `[T, B, ...]`. */
  readonly vs: FloatArray;
  /** Policy-gradient advantages min(ρ̄_pg, ρ_s)(r_s + d_s v_{s+1} − V(x_s)), `[T, B, ...]`. */
  readonly pgAdvantages: FloatArray;
}

/**
 * Inputs of {@link fromLogits} (arrays). Logits are `[T, B, ..., A]`, actions `[T, B, ...]`.
 * @category V-trace
 */
export interface ArraysFromLogitsArgs extends VTraceOptions {
  /** Unroll length T (≥ 1). */
  readonly T: number;
  /** Batch size B (≥ 0). */
  readonly B: number;
  /** Number of actions A; an array `[A_1, A_2, ...]` for several independent action heads. */
  readonly numActions: number | readonly number[];
  /** Unnormalised log-probabilities of the behaviour policy μ, `[T, B, ..., A]` (one array per head). */
  readonly behaviourPolicyLogits: NumberArray | readonly NumberArray[];
  /** Unnormalised log-probabilities of the target policy π, `[T, B, ..., A]` (one array per head). */
  readonly targetPolicyLogits: NumberArray | readonly NumberArray[];
  /** Actions taken by the behaviour policy, integers in `[0, A)`, `[T, B, ...]` (one array per head). */
  readonly actions: IntegerArray | readonly IntegerArray[];
  /** Per-step discounts d_t, `[T, B, ...]`. */
  readonly discounts: NumberArray;
  /** Rewards r_t, `[T, B, ...]`. */
  readonly rewards: NumberArray;
  /** Value estimates V(x_t), `[T, B, ...]`. */
  readonly values: NumberArray;
  /** V(x_T), `[B, ...]`. */
  readonly bootstrapValue: NumberArray;
  /** Result precision; by default float32 only when every float input is a `Float32Array`. */
  readonly dtype?: ArrayDType | undefined;
}

/**
 * Results of {@link fromLogits} (arrays), all `[T, B, ...]`.
 * @category V-trace
 */
export interface ArraysFromLogitsReturns extends ArraysVTraceReturns {
  /** log ρ_t = targetActionLogProbs − behaviourActionLogProbs. */
  readonly logRhos: FloatArray;
  /** log μ(a_t|x_t), summed over heads. */
  readonly behaviourActionLogProbs: FloatArray;
  /** log π(a_t|x_t), summed over heads. */
  readonly targetActionLogProbs: FloatArray;
}

/**
 * Inputs of {@link actionLogProbs} (arrays).
 * @category V-trace
 */
export interface ArraysActionLogProbsArgs {
  /** Unroll length T (≥ 1). */
  readonly T: number;
  /** Batch size B (≥ 0). */
  readonly B: number;
  /** Number of actions A; an array for several independent heads. */
  readonly numActions: number | readonly number[];
  /** Policy logits `[T, B, ..., A]` (one array per head). */
  readonly policyLogits: NumberArray | readonly NumberArray[];
  /** Actions `[T, B, ...]` (one array per head). */
  readonly actions: IntegerArray | readonly IntegerArray[];
  /** Result precision; by default float32 only when every logits array is a `Float32Array`. */
  readonly dtype?: ArrayDType | undefined;
}

const IWS = 'vtrace.arrays.fromImportanceWeights';
const LOGITS = 'vtrace.arrays.fromLogits';
const LOGPROBS = 'vtrace.arrays.actionLogProbs';

function allocate(dtype: ArrayDType, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

function pickDType(explicit: ArrayDType | undefined, floats: readonly unknown[]): ArrayDType {
  if (explicit !== undefined) {
    const requested: string = explicit; // JS callers can pass anything
    if (requested !== 'float32' && requested !== 'float64') {
      throw new VTraceArgumentError('vtrace.arrays', 'dtype', `must be 'float32' or 'float64', got ${requested}`);
    }
    return explicit;
  }
  return floats.every((a) => a instanceof Float32Array) ? 'float32' : 'float64';
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || ArrayBuffer.isView(x);
}

/** Validates T and B; returns the inferred trailing size K from `length` = T·B·K. */
function checkTimeBatch(fn: string, T: number, B: number, name: string, length: number): number {
  if (!Number.isInteger(T) || T < 1) {
    throw new VTraceArgumentError(fn, 'T', `must be an integer >= 1 (V-trace needs at least one step), got ${T}`);
  }
  if (!Number.isInteger(B) || B < 0) throw new VTraceArgumentError(fn, 'B', `must be an integer >= 0, got ${B}`);
  if (B === 0) {
    if (length !== 0) throw new VTraceArgumentError(fn, name, `must be empty when B = 0, got length ${length}`);
    return 1;
  }
  const K = length / (T * B);
  if (!Number.isInteger(K) || K < 1) {
    throw new VTraceArgumentError(fn, name, `has length ${length}, which is not T·B·K for T=${T}, B=${B} (a [T,B,...] array)`);
  }
  return K;
}

function checkLength(fn: string, name: string, array: unknown, expected: number, shape: readonly number[]): void {
  if (!isArrayLike(array)) {
    throw new VTraceArgumentError(fn, name, `must be a Float32Array, Float64Array or number[], got ${typeof array}`);
  }
  if (array.length !== expected) {
    throw new VTraceArgumentError(fn, name, `has length ${array.length}, expected ${expected} (shape ${formatShape(shape)})`);
  }
  // Typed arrays hold numbers by construction; a plain array may hold anything, which arithmetic would coerce.
  if (Array.isArray(array)) {
    const bad = array.findIndex((x) => typeof x !== 'number');
    if (bad >= 0) throw new VTraceArgumentError(fn, name, `holds ${JSON.stringify(array[bad])} (${typeof array[bad]}) at [${bad}], not a number`);
  }
}

function shapeOf(T: number, B: number, K: number): number[] {
  return K === 1 ? [T, B] : [T, B, K];
}

interface ValueInputs {
  readonly discounts: NumberArray;
  readonly rewards: NumberArray;
  readonly values: NumberArray;
  readonly bootstrapValue: NumberArray;
}

/**
 * Checks the lengths of the value-side inputs; with `scanDiscounts`, also that no discount is negative (otherwise
 * the caller has the kernel check them on the way: `runVTraceKernel`'s `checkDiscounts`).
 */
function checkValueInputs(fn: string, args: ValueInputs, T: number, B: number, K: number, scanDiscounts: boolean): void {
  const shape = shapeOf(T, B, K);
  checkLength(fn, 'discounts', args.discounts, T * B * K, shape);
  checkLength(fn, 'rewards', args.rewards, T * B * K, shape);
  checkLength(fn, 'values', args.values, T * B * K, shape);
  checkLength(fn, 'bootstrapValue', args.bootstrapValue, B * K, shape.slice(1));
  if (scanDiscounts) assertNonNegativeDiscounts(fn, args.discounts);
}

/**
 * V-trace targets and policy-gradient advantages from log importance weights, on flat arrays.
 * Same semantics as the tensor `vtrace.fromImportanceWeights`.
 *
 * @param args - `T`, `B`, the `[T, B, ...]` inputs, `bootstrapValue` `[B, ...]` and the {@link VTraceOptions}.
 * @returns `vs` and `pgAdvantages`, `[T, B, ...]`.
 * @throws {@link VTraceArgumentError} on wrong lengths, T = 0, bad thresholds or non-finite inputs.
 *
 * @example
 * ```ts
 * const { vs, pgAdvantages } = vtrace.arrays.fromImportanceWeights({
 *   T: 2, B: 1, logRhos: [0, 0], discounts: [0.9, 0.9], rewards: [1, 1], values: [0, 0], bootstrapValue: [0],
 * }); // vs = Float64Array [1.9, 1]
 * ```
 * @category V-trace
 */
export function fromImportanceWeights(args: ArraysFromImportanceWeightsArgs): ArraysVTraceReturns {
  const { T, B } = args;
  const options = resolveVTraceOptions(IWS, args);
  checkLength(IWS, 'logRhos', args.logRhos, isArrayLike(args.logRhos) ? args.logRhos.length : -1, []);
  const K = checkTimeBatch(IWS, T, B, 'logRhos', args.logRhos.length);
  checkValueInputs(IWS, args, T, B, K, false);
  const dtype = pickDType(args.dtype, [args.logRhos, args.discounts, args.rewards, args.values, args.bootstrapValue]);
  const out = { vs: outputArray(dtype, T * B * K), pgAdvantages: outputArray(dtype, T * B * K) };
  runVTraceKernel(IWS, shapeOf(T, B, K), args, options, out, { checkDiscounts: true });
  return out;
}

interface Heads {
  readonly numActions: readonly number[];
  readonly logits: readonly (readonly NumberArray[])[];
  readonly actions: readonly IntegerArray[];
}

/** Normalises the single-head and multi-head forms to lists, one entry per head. */
function toHeads(
  fn: string,
  numActions: number | readonly number[],
  logits: readonly [string, NumberArray | readonly NumberArray[]][],
  actions: IntegerArray | readonly IntegerArray[],
): Heads {
  const multi = Array.isArray(numActions);
  const heads = multi ? (numActions as readonly number[]) : [numActions as number];
  if (heads.length === 0) throw new VTraceArgumentError(fn, 'numActions', 'must name at least one action head');
  heads.forEach((a, h) => {
    if (!Number.isInteger(a) || a < 1) {
      throw new VTraceArgumentError(fn, multi ? `numActions[${h}]` : 'numActions', `must be an integer >= 1, got ${a}`);
    }
  });
  const asList = (name: string, x: unknown): readonly unknown[] => {
    const nested = Array.isArray(x) && x.length > 0 && isArrayLike(x[0]);
    if (multi !== nested) {
      throw new VTraceArgumentError(
        fn,
        name,
        multi
          ? `must be a list of ${heads.length} arrays (one per head) because numActions is a list`
          : 'must be a single flat array because numActions is a number (pass numActions as a list for several heads)',
      );
    }
    const list = (multi ? x : [x]) as readonly unknown[];
    if (list.length !== heads.length) {
      throw new VTraceArgumentError(fn, name, `has ${list.length} heads but numActions lists ${heads.length}`);
    }
    return list;
  };
  return {
    numActions: heads,
    logits: logits.map(([name, x]) => asList(name, x) as readonly NumberArray[]),
    actions: asList('actions', actions) as readonly IntegerArray[],
  };
}

/** Sums log π(a|x) over heads into a new array; validates lengths and action ranges. */
function sumHeadLogProbs(
  fn: string,
  T: number,
  B: number,
  K: number,
  heads: Heads,
  which: number,
  logitsName: string,
  dtype: ArrayDType,
): FloatArray {
  const leading = shapeOf(T, B, K);
  const out = allocate(dtype, T * B * K);
  heads.numActions.forEach((A, h) => {
    const suffix = heads.numActions.length > 1 ? `[${h}]` : '';
    const logits = heads.logits[which]![h]!;
    const actions = heads.actions[h]!;
    checkLength(fn, `actions${suffix}`, actions, T * B * K, leading);
    checkLength(fn, `${logitsName}${suffix}`, logits, T * B * K * A, [...leading, A]);
    assertActionsInRange(fn, `actions${suffix}`, actions, A, leading);
    addActionLogProbs(fn, `${logitsName}${suffix}`, logits, actions, A, leading, out);
  });
  return out;
}

/**
 * log π(a_t | x_t) from policy logits and actions, on flat arrays (summed over heads for a
 * multi-discrete action space).
 *
 * @param args - `T`, `B`, `numActions`, `policyLogits` `[T, B, ..., A]`, `actions` `[T, B, ...]`.
 * @returns the action log-probabilities, `[T, B, ...]`.
 * @throws {@link VTraceArgumentError} on wrong lengths, non-integer or out-of-range actions, NaN logits.
 * @category V-trace
 */
export function actionLogProbs(args: ArraysActionLogProbsArgs): FloatArray {
  const heads = toHeads(LOGPROBS, args.numActions, [['policyLogits', args.policyLogits]], args.actions);
  const firstActions = heads.actions[0]!;
  checkLength(LOGPROBS, 'actions', firstActions, isArrayLike(firstActions) ? firstActions.length : -1, []);
  const K = checkTimeBatch(LOGPROBS, args.T, args.B, 'actions', firstActions.length);
  const dtype = pickDType(args.dtype, heads.logits[0]!);
  return sumHeadLogProbs(LOGPROBS, args.T, args.B, K, heads, 0, 'policyLogits', dtype);
}

/**
 * V-trace from behaviour and target policy logits, on flat arrays: computes the action
 * log-probabilities (summed over heads), log ρ = log π − log μ, then {@link fromImportanceWeights}.
 *
 * @param args - see {@link ArraysFromLogitsArgs}.
 * @returns `vs`, `pgAdvantages`, `logRhos`, `behaviourActionLogProbs`, `targetActionLogProbs`, all `[T, B, ...]`.
 * @throws {@link VTraceArgumentError} on wrong lengths, bad actions, bad thresholds or non-finite inputs.
 * @category V-trace
 */
export function fromLogits(args: ArraysFromLogitsArgs): ArraysFromLogitsReturns {
  const { T, B } = args;
  const options = resolveVTraceOptions(LOGITS, args);
  const heads = toHeads(
    LOGITS,
    args.numActions,
    [
      ['behaviourPolicyLogits', args.behaviourPolicyLogits],
      ['targetPolicyLogits', args.targetPolicyLogits],
    ],
    args.actions,
  );
  const firstActions = heads.actions[0]!;
  checkLength(LOGITS, 'actions', firstActions, isArrayLike(firstActions) ? firstActions.length : -1, []);
  const K = checkTimeBatch(LOGITS, T, B, 'actions', firstActions.length);
  checkValueInputs(LOGITS, args, T, B, K, true);
  const dtype = pickDType(args.dtype, [
    ...heads.logits[0]!,
    ...heads.logits[1]!,
    args.discounts,
    args.rewards,
    args.values,
    args.bootstrapValue,
  ]);
  const behaviourActionLogProbs = sumHeadLogProbs(LOGITS, T, B, K, heads, 0, 'behaviourPolicyLogits', dtype);
  const targetActionLogProbs = sumHeadLogProbs(LOGITS, T, B, K, heads, 1, 'targetPolicyLogits', dtype);
  const logRhos = allocate(dtype, T * B * K);
  for (let i = 0; i < logRhos.length; i++) logRhos[i] = targetActionLogProbs[i]! - behaviourActionLogProbs[i]!;
  const out = { vs: allocate(dtype, T * B * K), pgAdvantages: allocate(dtype, T * B * K) };
  runVTraceKernel(LOGITS, shapeOf(T, B, K), { ...args, logRhos }, options, out);
  return { ...out, logRhos, behaviourActionLogProbs, targetActionLogProbs };
}
