/**
 * Registration of impala-rl's faster matMul kernels for the pure-JS `cpu` backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { patchKernels, restoreKernels } from './kernel-patches.js';
import { matMulF32, type MatrixOperand } from './cpu-mat-mul.js';
import { BackendError } from './backend-unavailable-error.js';

/**
 * The kernels {@link registerCpuMatMulKernels} replaces in `@tensorflow/tfjs-backend-cpu` 4.22:
 * `BatchMatMul` and `_FusedMatMul` (bias + `linear`/`relu`), float32 only. Every other case (int32,
 * other activations, PReLU weights, bias shapes other than `[N]`, batch shapes that broadcast both
 * ways) goes to the stock kernel unchanged.
 * @category Backends
 */
export const CPU_MATMUL_KERNELS = Object.freeze(['BatchMatMul', '_FusedMatMul'] as const);

/**
 * The name of one kernel in {@link CPU_MATMUL_KERNELS}.
 * @category Backends
 */
export type CpuMatMulKernelName = (typeof CPU_MATMUL_KERNELS)[number];

// Tags our configs in tfjs's registry (see kernel-patches.ts).
const TAG = Symbol.for('impala-rl.cpuMatMulKernel');

/** The parts of tfjs-backend-cpu's `MathBackendCPU` the kernels use. */
interface CpuBackendLike {
  readonly data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

function float32Values(backend: CpuBackendLike, info: TensorInfo | undefined): Float32Array | undefined {
  if (info?.dtype !== 'float32') return undefined;
  const values = backend.data.get(info.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The operand as `[batch, rows, cols]`; undefined when the rank is below 2. */
function operand(values: Float32Array, shape: readonly number[], transposed: boolean): MatrixOperand | undefined {
  const r = shape.length;
  if (r < 2) return undefined;
  const d0 = shape[r - 2]!;
  const d1 = shape[r - 1]!;
  return { values, batch: sizeOf(shape.slice(0, -2)), rows: transposed ? d1 : d0, cols: transposed ? d0 : d1, transposed };
}

/**
 * The fast path of a `BatchMatMul`/`_FusedMatMul` call, or undefined when the call is one the stock
 * kernel should handle (see {@link CPU_MATMUL_KERNELS}).
 */
function fastMatMul(inputs: NamedTensorInfoMap, backendObject: object, attrs: NamedAttrMap | undefined, fused: boolean): TensorInfo | undefined {
  const maybe = backendObject as Partial<CpuBackendLike>;
  if (typeof maybe.makeTensorInfo !== 'function' || typeof maybe.data?.get !== 'function') return undefined;
  const backend = maybe as CpuBackendLike;
  const { a: aInfo, b: bInfo } = inputs;
  if (aInfo === undefined || bInfo === undefined) return undefined;
  const aValues = float32Values(backend, aInfo);
  const bValues = float32Values(backend, bInfo);
  if (aValues === undefined || bValues === undefined) return undefined;
  const a = operand(aValues, aInfo.shape, attrs?.transposeA === true);
  const b = operand(bValues, bInfo.shape, attrs?.transposeB === true);
  if (a === undefined || b?.rows !== a.cols) return undefined; // rank < 2 or mismatched inner dims: the stock kernel reports it
  if (a.batch !== b.batch && a.batch !== 1 && b.batch !== 1) return undefined;
  let bias: Float32Array | undefined;
  let relu = false;
  if (fused) {
    if (inputs.preluActivationWeights !== undefined) return undefined;
    const activation = attrs?.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') return undefined;
    relu = activation === 'relu';
    const biasInfo = inputs.bias;
    if (biasInfo !== undefined) {
      bias = float32Values(backend, biasInfo);
      // A bias [N] (or [1, N], ...): one value per output column, added to every row.
      if (bias?.length !== b.cols || (biasInfo.shape.at(-1) ?? b.cols) !== b.cols) return undefined;
    }
  }
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(aInfo.shape.slice(0, -2), bInfo.shape.slice(0, -2));
  const values = matMulF32(a, b, { bias, relu });
  return backend.makeTensorInfo([...outer, a.rows, b.cols], 'float32', values);
}

function makeConfig(name: CpuMatMulKernelName, stock: KernelConfig | undefined): KernelConfig {
  if (stock === undefined) {
    throw new BackendError(`registerCpuMatMulKernels: the cpu backend has no '${name}' kernel; import '@tensorflow/tfjs-backend-cpu' first`);
  }
  const stockFunc: KernelFunc = stock.kernelFunc;
  const fused = name === '_FusedMatMul';
  const kernelFunc: KernelFunc = (args) => fastMatMul(args.inputs, args.backend, args.attrs, fused) ?? stockFunc(args);
  const config: KernelConfig = { kernelName: name, backendName: 'cpu', kernelFunc };
  if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
  if (stock.disposeFunc !== undefined) config.disposeFunc = stock.disposeFunc;
  return config;
}

/**
 * Replaces the `cpu` backend's `BatchMatMul` and `_FusedMatMul` kernels with faster ones (2–5× on
 * batched dense layers; see {@link CPU_MATMUL_KERNELS} for what they cover). Results agree with the
 * stock kernels to float32 rounding (the products are accumulated in float64). `useBackend('cpu')`
 * calls this; call it yourself only if you select the backend with `tf.setBackend('cpu')` directly.
 * Idempotent.
 * @returns the names of the kernels replaced by this call (empty when they already were).
 * @throws when `@tensorflow/tfjs-backend-cpu` has not been imported (there is no stock kernel to wrap).
 * @category Backends
 */
export function registerCpuMatMulKernels(): readonly CpuMatMulKernelName[] {
  return patchKernels('cpu', TAG, CPU_MATMUL_KERNELS, makeConfig);
}

/**
 * Undoes {@link registerCpuMatMulKernels}: puts the stock kernels back. Meant for tests and benchmarks
 * that compare against them.
 * @returns the names of the kernels restored.
 * @category Backends
 */
export function unregisterCpuMatMulKernels(): readonly CpuMatMulKernelName[] {
  return restoreKernels('cpu', TAG, CPU_MATMUL_KERNELS);
}
