import type { ArraysVTraceReturns } from './arrays.js';
import { VTraceArgumentError } from './errors.js';
import { assertFiniteInputs, vtraceKernel } from './kernel.js';
import { resolveVTraceOptions, type VTraceOptions } from './options.js';
import {
  align16,
  ensureMemory,
  HEADER_BYTES,
  initCarries,
  instantiateVTraceKernel,
  isUniform,
  logMaxThreshold,
  roundUpToFloat32,
  type KernelExports,
  type VTraceKernelName,
} from './wasm-kernel.js';

/**
 * Result precision of a {@link VTraceWorkspace}.
 * @category V-trace
 */
export type VTraceWorkspaceDType = 'float32' | 'float64';

/**
 * Shape and precision of a {@link VTraceWorkspace}.
 * @category V-trace
 */
export interface VTraceWorkspaceArgs {
  /** Unroll length T (≥ 1). */
  readonly T: number;
  /** Batch size B (≥ 0). */
  readonly B: number;
  /** Size of the trailing dims (their product), ≥ 1. @defaultValue 1 */
  readonly K?: number | undefined;
  /** Storage of every array: `Float32Array`s or `Float64Array`s. @defaultValue 'float32' */
  readonly dtype?: VTraceWorkspaceDType | undefined;
}

const FN = 'vtrace.arrays.VTraceWorkspace';

/**
 * Advanced: V-trace without copies. A workspace owns the arrays of one `[T, B, K]` problem, allocated in a
 * WebAssembly memory of its own (plain typed arrays where the WebAssembly SIMD kernel is unavailable): write
 * the inputs into {@link logRhos}, {@link discounts}, {@link rewards}, {@link values} and
 * {@link bootstrapValue} (flat, row-major, time-major, as in `vtrace.arrays.fromImportanceWeights`), call
 * {@link run}, read {@link vs} and {@link pgAdvantages}. `vtrace.arrays.fromImportanceWeights` copies its inputs
 * into the kernel's memory and its results out; a workspace skips both copies, which at `[100, 4096]` float32 is
 * about half of the time.
 *
 * The arrays stay valid for the workspace's lifetime (its memory never grows after construction); each
 * {@link run} overwrites `vs` and `pgAdvantages`. Creating a workspace costs a WebAssembly memory (0.1–0.5 ms):
 * create one per problem shape and reuse it. Results equal `vtrace.arrays.fromImportanceWeights` on the same
 * inputs, errors included (non-finite inputs throw a `VTraceArgumentError` naming the argument and index).
 *
 * @example
 * ```ts
 * const ws = new vtrace.arrays.VTraceWorkspace({ T: 100, B: 256 });
 * ws.logRhos.set(myLogRhos); // ... discounts, rewards, values, bootstrapValue likewise
 * const { vs, pgAdvantages } = ws.run({ clipRhoThreshold: 1 });
 * ```
 * @category V-trace
 */
export class VTraceWorkspace {
  /** Unroll length T. */
  readonly T: number;
  /** Batch size B. */
  readonly B: number;
  /** Size of the trailing dims. */
  readonly K: number;
  /** Storage type of every array. */
  readonly dtype: VTraceWorkspaceDType;
  /** The kernel {@link run} uses: `'wasm-simd'`, or `'javascript'` where WebAssembly SIMD is unavailable. */
  readonly kernel: VTraceKernelName;
  /** log ρ, `[T, B, K]`: write the inputs here. */
  readonly logRhos: Float32Array | Float64Array;
  /** Discounts, `[T, B, K]`. */
  readonly discounts: Float32Array | Float64Array;
  /** Rewards, `[T, B, K]`. */
  readonly rewards: Float32Array | Float64Array;
  /** Values, `[T, B, K]`. */
  readonly values: Float32Array | Float64Array;
  /** Bootstrap value, `[B, K]`. */
  readonly bootstrapValue: Float32Array | Float64Array;
  /** V-trace targets written by {@link run}, `[T, B, K]`. */
  readonly vs: Float32Array | Float64Array;
  /** Policy-gradient advantages written by {@link run}, `[T, B, K]`. */
  readonly pgAdvantages: Float32Array | Float64Array;
  readonly #wasm: KernelExports | null;
  readonly #pointers: readonly number[]; // logRhos, discounts, rewards, values, vs, pgAdvantages, carries

  /**
   * Allocates the arrays of a `[T, B, K]` problem.
   *
   * @param args - `T`, `B`, optional `K` and `dtype`.
   * @throws {@link VTraceArgumentError} when T, B or K is not a valid size or dtype is unknown.
   */
  constructor(args: VTraceWorkspaceArgs) {
    const { T, B } = args;
    const K = args.K ?? 1;
    const dtype = args.dtype ?? 'float32';
    if (!Number.isInteger(T) || T < 1) throw new VTraceArgumentError(FN, 'T', `must be an integer >= 1, got ${T}`);
    if (!Number.isInteger(B) || B < 0) throw new VTraceArgumentError(FN, 'B', `must be an integer >= 0, got ${B}`);
    if (!Number.isInteger(K) || K < 1) throw new VTraceArgumentError(FN, 'K', `must be an integer >= 1, got ${K}`);
    const requested: string = dtype;
    if (requested !== 'float32' && requested !== 'float64') {
      throw new VTraceArgumentError(FN, 'dtype', `must be 'float32' or 'float64', got ${requested}`);
    }
    this.T = T;
    this.B = B;
    this.K = K;
    this.dtype = dtype;
    const N = B * K;
    const size = T * N;
    const View = dtype === 'float32' ? Float32Array : Float64Array;
    const bytes = View.BYTES_PER_ELEMENT;
    const sizes = [size, size, size, size, N, size, size];
    let wasm = instantiateVTraceKernel();
    const carries = HEADER_BYTES;
    const offsets: number[] = [];
    let end = carries + 3 * align16(N * 8);
    for (const n of sizes) {
      offsets.push(end);
      end += align16(n * bytes);
    }
    if (wasm !== null && !ensureMemory(wasm.memory, end)) wasm = null;
    const make = (k: number) => (wasm === null ? new View(sizes[k]!) : new View(wasm.memory.buffer, offsets[k], sizes[k]));
    [this.logRhos, this.discounts, this.rewards, this.values, this.bootstrapValue, this.vs, this.pgAdvantages] = [0, 1, 2, 3, 4, 5, 6].map(make) as [
      Float32Array | Float64Array,
      Float32Array | Float64Array,
      Float32Array | Float64Array,
      Float32Array | Float64Array,
      Float32Array | Float64Array,
      Float32Array | Float64Array,
      Float32Array | Float64Array,
    ];
    this.#wasm = wasm;
    this.#pointers = [offsets[0]!, offsets[1]!, offsets[2]!, offsets[3]!, offsets[5]!, offsets[6]!, carries];
    this.kernel = wasm === null ? 'javascript' : 'wasm-simd';
  }

  /**
   * Runs V-trace on the workspace's inputs, in place: overwrites {@link vs} and {@link pgAdvantages}.
   *
   * @param options - the {@link VTraceOptions} (thresholds and λ).
   * @returns `{ vs, pgAdvantages }`: this workspace's own arrays (not copies).
   * @throws {@link VTraceArgumentError} on bad options or non-finite inputs (naming the argument and index).
   */
  run(options: VTraceOptions = {}): ArraysVTraceReturns {
    const fn = `${FN}.run`;
    const resolved = resolveVTraceOptions(fn, options);
    const N = this.B * this.K;
    const shape = this.K === 1 ? [this.T, this.B] : [this.T, this.B, this.K];
    const input = { logRhos: this.logRhos, discounts: this.discounts, rewards: this.rewards, values: this.values, bootstrapValue: this.bootstrapValue };
    const out = { vs: this.vs, pgAdvantages: this.pgAdvantages };
    const wasm = this.#wasm;
    if (wasm === null || N === 0) {
      vtraceKernel(fn, shape, input, resolved, out);
      return out;
    }
    const [lr, d, r, v, vs, pg, carries] = this.#pointers as [number, number, number, number, number, number, number];
    const { clipRho, clipC, clipPgRho, lambda } = resolved;
    const logMax = logMaxThreshold(resolved);
    let guard: number;
    if (this.dtype === 'float32') {
      // float32 arithmetic first; float64 arithmetic where it cannot serve (see runVTraceKernel).
      const [nv, nvs, acc] = initCarries(wasm.memory.buffer, carries, N, this.bootstrapValue, true);
      const run = isUniform(resolved) ? wasm.vtraceF32x4Uniform : wasm.vtraceF32x4;
      guard = run(this.T, N, lr, d, r, v, vs, pg, nv, nvs, acc, clipRho, clipC, clipPgRho, lambda, roundUpToFloat32(logMax));
      if (!Number.isFinite(guard)) {
        const [nv64, nvs64, acc64] = initCarries(wasm.memory.buffer, carries, N, this.bootstrapValue);
        guard = wasm.vtraceF32(this.T, N, lr, d, r, v, vs, pg, nv64, nvs64, acc64, clipRho, clipC, clipPgRho, lambda, logMax);
      }
    } else {
      const [nv, nvs, acc] = initCarries(wasm.memory.buffer, carries, N, this.bootstrapValue);
      guard = wasm.vtraceF64(this.T, N, lr, d, r, v, vs, pg, nv, nvs, acc, clipRho, clipC, clipPgRho, lambda, logMax);
    }
    if (!Number.isFinite(guard)) assertFiniteInputs(fn, shape, input);
    return out;
  }
}
