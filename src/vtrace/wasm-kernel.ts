/**
 * The V-trace WebAssembly SIMD kernel: the backward recursion of {@link vtraceKernel}, vectorised over columns.
 * Three arithmetics (see src/vtrace/wasm/generate.mjs, which writes the module):
 * - float64 storage: f64x2, the JavaScript kernel's operations in its order with its table-based exp, so the
 *   results are the JavaScript kernel's bit for bit;
 * - float32 storage, float32 arithmetic (f32x4, a float32 exp within 2 ulps): the default for float32 inputs
 *   and results, within the golden float32 tolerance of the float64-accumulated results;
 * - float32 storage, float64 arithmetic (f32x4 loads widened to f64x2): the JavaScript kernel's float32 results
 *   bit for bit, used for a whole call when the float32 kernel's outputs are not all finite (a NaN input, or a
 *   float32 overflow, e.g. log ρ ≥ 88.7 with a `null` threshold).
 * Non-finite inputs: the kernels return a running sum of the outputs; when it is not finite, the inputs are
 * searched by the JavaScript kernel's code, so the errors are the same.
 *
 * The module (src/vtrace/wasm/bytes.ts, generated and committed) is compiled and instantiated synchronously on
 * first use. Where WebAssembly or its SIMD proposal is unavailable (or a browser refuses synchronous
 * compilation), every call uses the JavaScript kernel instead.
 *
 * Private cache: the instance and its memory are created once, lazily, and grown when a call needs more; no
 * caller can see them (results never alias it). Calls are synchronous, so one memory serves them all.
 *
 * Memory layout of a call: bytes [0, 512) the exp table, [512, 528) the smallest discount the float32 kernels
 * have read (four lanes; `vtrace.arrays` checks it instead of scanning the discounts in JavaScript), from 1024 the
 * per-column carries (V_{t+1}, vs_{t+1}, acc_{t+1}; vs_{t+1} alone for the uniform staged kernel), then a
 * staging block of `R` rows of the four inputs and two outputs (at most 8,192 elements each). Inputs are copied
 * in (`TypedArray.set`) and outputs copied out block by block, from the last rows to the first, so the staging
 * block stays in cache and the memory grows with B, not T.
 */
import type { ResolvedVTraceOptions } from './options.js';
import { VTRACE_WASM_BASE64 } from './wasm/bytes.js';
import { assertFiniteInputs, assertNonNegativeDiscounts, vtraceKernel, type KernelInputs, type KernelOutputs } from './kernel.js';

type KernelFn = (
  rows: number,
  N: number,
  lr: number,
  d: number,
  r: number,
  v: number,
  vs: number,
  pg: number,
  nv: number,
  nvs: number,
  acc: number,
  clipRho: number,
  clipC: number,
  clipPg: number,
  lambda: number,
  logMax: number,
) => number;

type StagedKernelFn = (rows: number, N: number, S: number, C: number, clipRho: number, clipC: number, clipPg: number, lambda: number, logMax: number) => number;

/** The parts of the WebAssembly JavaScript API used here (declared locally: the project's `lib` has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

/**
 * A WebAssembly.Memory.
 * @category V-trace
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The exports of the kernel module.
 * @category V-trace
 */
export interface KernelExports {
  readonly memory: WasmMemory;
  readonly vtraceF32: KernelFn;
  readonly vtraceF64: KernelFn;
  readonly vtraceF32x4: KernelFn;
  /** `vtraceF32x4` for ρ̄ = c̄ = ρ̄_pg and λ = 1, as vs_t = V_t + pg_t (only the vs carry is read and written). */
  readonly vtraceF32x4Uniform: KernelFn;
  readonly vtraceF32x4Staged: StagedKernelFn;
  readonly vtraceF32x4StagedUniform: StagedKernelFn;
  readonly expF32: (ptr: number, count: number) => void;
  readonly expF64: (ptr: number, count: number) => void;
}

/**
 * Which kernel `vtrace.arrays` and the tensor path use.
 * @category V-trace
 */
export type VTraceKernelName = 'wasm-simd' | 'javascript';

/**
 * Bytes before the carries: the exp table (512 bytes), rounded up.
 * @category V-trace
 */
export const HEADER_BYTES = 1024;
/** Where the float32-arithmetic kernels keep the smallest discount they have read (four float32 lanes). */
const DISCOUNT_MIN_BYTE = 512;
/** Elements per staging array: 8192 (32 KiB of float32) keeps the six staging arrays in L2. */
const BLOCK_ELEMENTS = 8192;
const PAGE = 65536;

let compiled: object | null | undefined; // undefined: not tried yet; null: unavailable
let shared: KernelExports | undefined; // the private cached instance (see the module comment)
let forced: 'auto' | VTraceKernelName = 'auto';
const runs: Record<VTraceKernelName, number> = { 'wasm-simd': 0, javascript: 0 }; // for tests: which kernel ran

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function compileModule(): object | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api === undefined) return null;
    const bytes = decodeBase64(VTRACE_WASM_BASE64);
    // validate() is false where the SIMD proposal (or any other instruction used) is unsupported.
    if (!api.validate(bytes)) return null;
    compiled = new api.Module(bytes);
  } catch {
    compiled = null; // e.g. a browser main thread refusing synchronous compilation
  }
  return compiled;
}

/**
 * A new instance with its own memory, or null where the kernel is unavailable (or forced off for tests).
 * @category V-trace
 */
export function instantiateVTraceKernel(): KernelExports | null {
  if (forced === 'javascript') return null;
  const module = compileModule();
  if (module === null) return null;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
    return new api.Instance(module, { env: { exp: Math.exp } }).exports as KernelExports;
  } catch {
    return null;
  }
}

function sharedKernel(): KernelExports | null {
  if (forced === 'javascript') return null;
  shared ??= instantiateVTraceKernel() ?? undefined;
  if (shared === undefined && forced === 'wasm-simd') throw new Error('the WebAssembly SIMD V-trace kernel is unavailable');
  return shared ?? null;
}

/**
 * The kernel `vtrace.arrays` and the tensor path run: `'wasm-simd'` where WebAssembly SIMD is available,
 * `'javascript'` otherwise. Compiles the kernel on first call.
 * @category V-trace
 */
export function vtraceKernelName(): VTraceKernelName {
  return sharedKernel() === null ? 'javascript' : 'wasm-simd';
}

/**
 * Internal, for tests and benchmarks only (not exported from the package): forces one kernel (`'wasm-simd'`
 * throws when it is unavailable) or restores the automatic choice.
 * @category V-trace
 */
export function setVTraceKernelForTesting(kernel: 'auto' | VTraceKernelName): void {
  forced = kernel;
}

/**
 * Internal, for tests only: how many calls each kernel has run in this process.
 * @category V-trace
 */
export function vtraceKernelRunsForTesting(): Readonly<Record<VTraceKernelName, number>> {
  return { ...runs };
}

/**
 * Grows `memory` to at least `bytes`; false when it cannot.
 * @category V-trace
 */
export function ensureMemory(memory: WasmMemory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  } catch {
    return false;
  }
}

/**
 * `x` rounded up to a multiple of 16 (v128 alignment).
 * @category V-trace
 */
export const align16 = (x: number) => (x + 15) & ~15;

type Typed = Float32Array | Float64Array;

function asTyped(x: ArrayLike<number>): Typed {
  return x instanceof Float32Array || x instanceof Float64Array ? x : Float64Array.from(x);
}

/**
 * log of the largest threshold: at or above it every clip gives its threshold, so ρ = ∞ serves.
 * @category V-trace
 */
export function logMaxThreshold(options: ResolvedVTraceOptions): number {
  return Math.log(Math.max(options.clipRho, options.clipC, options.clipPgRho));
}

/**
 * Carries at `base`: V_{t+1} = vs_{t+1} = bootstrap, acc = 0, as float64 (or float32 for the float32-arithmetic
 * kernel), each in a slot of `align16(N · 8)` bytes. Returns their three byte offsets.
 * @category V-trace
 */
export function initCarries(buffer: ArrayBuffer, base: number, N: number, bootstrap: ArrayLike<number>, f32 = false): [number, number, number] {
  const stride = align16(N * 8);
  const View = f32 ? Float32Array : Float64Array;
  const nv = new View(buffer, base, N);
  const nvs = new View(buffer, base + stride, N);
  const acc = new View(buffer, base + 2 * stride, N);
  if (bootstrap instanceof Float32Array || bootstrap instanceof Float64Array) {
    nv.set(bootstrap);
    nvs.set(bootstrap);
  } else {
    for (let n = 0; n < N; n++) nv[n] = nvs[n] = bootstrap[n]!;
  }
  acc.fill(0);
  return [base, base + stride, base + 2 * stride];
}

/**
 * The smallest float32 ≥ x (x finite or ±Infinity).
 * @category V-trace
 */
export function roundUpToFloat32(x: number): number {
  const f = Math.fround(x);
  if (f >= x || !Number.isFinite(f)) return f;
  const bits = new Float32Array([f]);
  const int = new Int32Array(bits.buffer);
  int[0] = f > 0 ? int[0]! + 1 : f < 0 ? int[0]! - 1 : 1;
  return bits[0]!;
}

/**
 * Whether the float32 kernels' uniform variant applies: one threshold for ρ̄, c̄ and ρ̄_pg, and λ = 1 (the
 * defaults). Then vs_t − V_t = c_t·(r_t + γ_t·vs_{t+1} − V_t) is the pg advantage, and vs_t = V_t + pg_t.
 * @category V-trace
 */
export function isUniform(options: Pick<ResolvedVTraceOptions, 'clipRho' | 'clipC' | 'clipPgRho' | 'lambda'>): boolean {
  return options.clipRho === options.clipC && options.clipRho === options.clipPgRho && options.lambda === 1;
}

/**
 * Which arithmetic a call uses: `'f32x4'` (float32 storage and arithmetic, like JAX and PyTorch in float32),
 * `'f32-exact'` (float32 storage, float64 arithmetic: the JavaScript kernel's results bit for bit) or `'f64'`.
 */
type Mode = 'f32x4' | 'f32-exact' | 'f64';

/**
 * Options of {@link runVTraceKernel}: `exactFloat32` computes float32 inputs in float64 arithmetic (the JavaScript
 * kernel's results bit for bit); `checkDiscounts` throws a VTraceArgumentError naming the first negative
 * discount (`vtrace.arrays` does; the tensor path does not).
 * @category V-trace
 */
export interface RunKernelOptions {
  readonly exactFloat32?: boolean;
  readonly checkDiscounts?: boolean;
}

/**
 * V-trace on flat arrays: the WebAssembly kernel when it is available, the JavaScript kernel otherwise. Same
 * contract as {@link vtraceKernel}, errors on non-finite inputs included. Float64 results equal the JavaScript
 * kernel's bit for bit; float32 results from float32 inputs are computed in float32 arithmetic (f32x4), within
 * a few float32 roundings per step of the float64 results, and fall back to float64 arithmetic for the whole
 * call where some output is not finite (a NaN input, or a float32 overflow).
 * @category V-trace
 */
export function runVTraceKernel(
  fn: string,
  shape: readonly number[],
  input: KernelInputs,
  options: ResolvedVTraceOptions,
  out: KernelOutputs,
  { exactFloat32 = false, checkDiscounts = false }: RunKernelOptions = {},
): void {
  const T = shape[0]!;
  const size = input.logRhos.length;
  const kernel = size === 0 ? null : sharedKernel();
  if (kernel === null) {
    if (checkDiscounts) assertNonNegativeDiscounts(fn, input.discounts);
    runs.javascript++;
    vtraceKernel(fn, shape, input, options, out);
    return;
  }
  const N = size / T;
  const inputs = [input.logRhos, input.discounts, input.rewards, input.values, input.bootstrapValue];
  // float32 storage only when nothing would be rounded on the way in or out.
  const f32 = out.vs instanceof Float32Array && inputs.every((a) => a instanceof Float32Array);
  let mode: Mode = f32 ? (exactFloat32 ? 'f32-exact' : 'f32x4') : 'f64';
  // The float32-arithmetic kernels keep the smallest discount as they go (no separate pass over the discounts);
  // the other modes scan them first.
  let discountsChecked = !checkDiscounts;
  if (!discountsChecked && mode !== 'f32x4') {
    assertNonNegativeDiscounts(fn, input.discounts);
    discountsChecked = true;
  }
  if (!discountsChecked) new Float32Array(kernel.memory.buffer, DISCOUNT_MIN_BYTE, 4).fill(Infinity);
  let result = runBlocked(kernel, mode, T, N, input, options, out);
  if (!discountsChecked && result !== 'no-memory') {
    // A negative minimum: the scan names the first negative discount (it passes where the minimum is −∞, which
    // the non-finite path reports).
    if (Math.min(...new Float32Array(kernel.memory.buffer, DISCOUNT_MIN_BYTE, 4)) < 0) assertNonNegativeDiscounts(fn, input.discounts);
    discountsChecked = true;
  }
  if (result === 'redo') {
    mode = 'f32-exact';
    result = runBlocked(kernel, mode, T, N, input, options, out);
  }
  if (result === 'no-memory') {
    if (!discountsChecked) assertNonNegativeDiscounts(fn, input.discounts);
    runs.javascript++;
    vtraceKernel(fn, shape, input, options, out);
    return;
  }
  runs['wasm-simd']++;
  if (result === 'non-finite') assertFiniteInputs(fn, shape, input);
}

/** Bytes between the staged float32 kernel's arrays (8,192 float32 elements each, plus 256; see generate.mjs). */
const STAGE_STRIDE = 33024;

/**
 * Carries of the staged float32 kernel at `base`: interleaved in groups of four columns (V_{t+1}, vs_{t+1}, acc),
 * 48 bytes a group, set to bootstrap, bootstrap, 0.
 */
function initInterleavedCarries(buffer: ArrayBuffer, base: number, N: number, bootstrap: ArrayLike<number>): void {
  const carries = new Float32Array(buffer, base, ((N + 3) >> 2) * 12);
  for (let n = 0; n < N; n++) {
    const k = (n >> 2) * 12 + (n & 3);
    const b = bootstrap[n]!;
    carries[k] = b;
    carries[k + 4] = b;
    carries[k + 8] = 0;
  }
}

/**
 * Runs the shared kernel block by block. `'redo'`: the float32 kernel met a lane it does not handle (or
 * overflowed); `'non-finite'`: some output is not finite (the caller searches the inputs); `'no-memory'`:
 * nothing was written because the memory could not grow.
 */
function runBlocked(
  kernel: KernelExports,
  mode: Mode,
  T: number,
  N: number,
  input: KernelInputs,
  options: ResolvedVTraceOptions,
  out: KernelOutputs,
): 'done' | 'redo' | 'non-finite' | 'no-memory' {
  const bytes = mode === 'f64' ? 8 : 4;
  // The float32-arithmetic kernel has a fixed layout (constant offsets) when a row fits in its staging arrays.
  const staged = mode === 'f32x4' && N <= BLOCK_ELEMENTS;
  const R = Math.max(1, Math.min(T, Math.floor(BLOCK_ELEMENTS / N)));
  const carries = HEADER_BYTES;
  const staging = carries + 3 * align16(N * 8);
  const blockBytes = staged ? STAGE_STRIDE : align16(R * N * bytes);
  if (!ensureMemory(kernel.memory, staging + 6 * blockBytes)) return 'no-memory';
  const buffer = kernel.memory.buffer;
  let nvP = 0;
  let nvsP = 0;
  let accP = 0;
  const uniform = isUniform(options);
  if (staged && uniform) new Float32Array(buffer, carries, N).set(input.bootstrapValue); // vs_{t+1} only
  else if (staged) initInterleavedCarries(buffer, carries, N, input.bootstrapValue);
  else [nvP, nvsP, accP] = initCarries(buffer, carries, N, input.bootstrapValue, mode === 'f32x4');
  const View = bytes === 4 ? Float32Array : Float64Array;
  const ptr = (k: number) => staging + k * blockBytes;
  const stage = [0, 1, 2, 3, 4, 5].map((k) => new View(buffer, ptr(k), R * N));
  const src = [input.logRhos, input.discounts, input.rewards, input.values].map(asTyped);
  const { clipRho, clipC, clipPgRho, lambda } = options;
  const run = mode === 'f32x4' ? (uniform ? kernel.vtraceF32x4Uniform : kernel.vtraceF32x4) : mode === 'f32-exact' ? kernel.vtraceF32 : kernel.vtraceF64;
  const logMax = mode === 'f32x4' ? roundUpToFloat32(logMaxThreshold(options)) : logMaxThreshold(options);
  const stagedRun = uniform ? kernel.vtraceF32x4StagedUniform : kernel.vtraceF32x4Staged;
  let guard = 0;
  for (let t1 = T; t1 > 0; ) {
    const t0 = Math.max(0, t1 - R);
    const a = t0 * N;
    const b = t1 * N;
    for (let k = 0; k < 4; k++) stage[k]!.set(src[k]!.subarray(a, b));
    guard += staged
      ? stagedRun(t1 - t0, N, staging, carries, clipRho, clipC, clipPgRho, lambda, logMax)
      : run(t1 - t0, N, ptr(0), ptr(1), ptr(2), ptr(3), ptr(4), ptr(5), nvP, nvsP, accP, clipRho, clipC, clipPgRho, lambda, logMax);
    const len = b - a;
    out.vs.set(len === R * N ? stage[4]! : stage[4]!.subarray(0, len), a);
    out.pgAdvantages.set(len === R * N ? stage[5]! : stage[5]!.subarray(0, len), a);
    t1 = t0;
  }
  if (Number.isFinite(guard)) return 'done';
  // A NaN input, or a float32 overflow (where float64 may not overflow): redo in float64 arithmetic, which
  // either finds the invalid input or computes the finite results.
  return mode === 'f32x4' ? 'redo' : 'non-finite';
}

/**
 * exp over `xs` with the kernel's vector exp (for its accuracy test); null where the kernel is unavailable.
 * @category V-trace
 */
export function wasmExpForTesting(xs: Float64Array): Float64Array | null {
  const kernel = instantiateVTraceKernel();
  if (kernel === null) return null;
  const n = xs.length + (xs.length & 1);
  ensureMemory(kernel.memory, HEADER_BYTES + n * 8);
  const view = new Float64Array(kernel.memory.buffer, HEADER_BYTES, n);
  view.fill(0);
  view.set(xs);
  kernel.expF64(HEADER_BYTES, n);
  return view.slice(0, xs.length);
}

/**
 * exp over `xs` with the float32 kernel's vector exp (for its accuracy test); null where it is unavailable.
 * @category V-trace
 */
export function wasmExpF32ForTesting(xs: Float32Array): Float32Array | null {
  const kernel = instantiateVTraceKernel();
  if (kernel === null) return null;
  const n = (xs.length + 3) & ~3;
  ensureMemory(kernel.memory, HEADER_BYTES + n * 4);
  const view = new Float32Array(kernel.memory.buffer, HEADER_BYTES, n);
  view.fill(0);
  view.set(xs);
  kernel.expF32(HEADER_BYTES, n);
  return view.slice(0, xs.length);
}
