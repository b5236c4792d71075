/**
 * Registration of impala-rl's training kernels for `@tensorflow/tfjs-backend-wasm`.
 */
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { patchKernels, registeredKernel, restoreKernels } from './kernel-patches.js';
import { wasmKernelConfig } from './wasm-backend.js';
import { untransposedMatMul } from './wasm-batch-mat-mul.js';
import { conv2DBackpropFilterWasm } from './wasm-conv2d-backprop-filter.js';
import { conv2DBackpropInputWasm } from './wasm-conv2d-backprop-input.js';
import { explicitSamePadding } from './wasm-conv2d-same-pad.js';
import { castWasm } from './wasm-cast.js';
import { sharedIdentity } from './wasm-identity.js';
import { maxPoolGradWasm } from './wasm-max-pool-grad.js';
import { oneHotWasm } from './wasm-one-hot.js';
import { unsortedSegmentSumWasm } from './wasm-unsorted-segment-sum.js';
import { BackendError } from './backend-unavailable-error.js';

/**
 * The kernels {@link registerWasmTrainingKernels} adds to or replaces in tfjs-backend-wasm 4.22:
 * - `Conv2DBackpropFilter`: missing from the package; needed by every conv2d gradient.
 * - `MaxPoolGrad`: the stock kernel is wrong when a window's maximum is negative.
 * - `Conv2DBackpropInput`: the stock kernel is correct but 2–11× slower.
 * - `BatchMatMul`, `_FusedMatMul`: the stock transposed paths are 14–25× slower than the plain one.
 * - `UnsortedSegmentSum`: missing; it is the gradient of `tf.gather`.
 * - `Conv2D`, `FusedConv2D`: the stock kernels return zeros for `pad: 'same'` when the last stride
 *   overshoots the input (e.g. 8 rows, 3×3 filter, stride 4); given explicit padding they are right.
 * - `Identity`: shares the buffer instead of copying it (as the cpu backend does).
 * - `OneHot`: the stock kernel writes int32 values whatever the dtype, so a float32 one-hot holds
 *   1.4e-45 for its ones (and NaN for an off value of −1).
 * - `Cast`: shares the buffer when the dtype does not change (gradients cast float32 to float32);
 *   to `bool`, the stock kernel keeps the numbers (2 stays 2, 0.5 becomes 0) instead of x ≠ 0.
 * @category Backends
 */
export const WASM_TRAINING_KERNELS = Object.freeze([
  'Conv2DBackpropFilter',
  'MaxPoolGrad',
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'UnsortedSegmentSum',
  'Conv2D',
  'FusedConv2D',
  'Identity',
  'OneHot',
  'Cast',
] as const);

/**
 * The name of one kernel in {@link WASM_TRAINING_KERNELS}.
 * @category Backends
 */
export type WasmTrainingKernelName = (typeof WASM_TRAINING_KERNELS)[number];

/**
 * Options of {@link registerWasmTrainingKernels}.
 * @category Backends
 */
export interface RegisterWasmTrainingKernelsOptions {
  /**
   * Register only these kernels (e.g. to measure one patch at a time).
   * @defaultValue all of {@link WASM_TRAINING_KERNELS}
   */
  readonly only?: readonly WasmTrainingKernelName[];
}

// Tags our configs in tfjs's registry (see kernel-patches.ts).
const TAG = Symbol.for('impala-rl.wasmTrainingKernel');

function makeConfig(name: WasmTrainingKernelName, stock: KernelConfig | undefined): KernelConfig {
  const needStock = (): KernelConfig => {
    if (stock === undefined) throw new BackendError(`registerWasmTrainingKernels: the wasm backend has no stock '${name}' kernel to wrap`);
    return stock;
  };
  // Replacements keep the stock setup function: it prepares the stock kernel's wasm entry point when
  // the backend initialises, which unregisterWasmTrainingKernels relies on.
  const setup = stock?.setupFunc;
  switch (name) {
    case 'Conv2DBackpropFilter':
      return wasmKernelConfig(name, conv2DBackpropFilterWasm, setup);
    case 'MaxPoolGrad':
      return wasmKernelConfig(name, maxPoolGradWasm, setup);
    case 'Conv2DBackpropInput':
      return wasmKernelConfig(name, conv2DBackpropInputWasm, setup);
    case 'UnsortedSegmentSum':
      return wasmKernelConfig(name, unsortedSegmentSumWasm, setup);
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const s = needStock();
      return wasmKernelConfig(name, untransposedMatMul(name, s.kernelFunc), s.setupFunc);
    }
    case 'Conv2D':
    case 'FusedConv2D': {
      const s = needStock();
      return wasmKernelConfig(name, explicitSamePadding(name, s.kernelFunc), s.setupFunc);
    }
    case 'Identity': {
      const s = needStock();
      return wasmKernelConfig(name, sharedIdentity(s.kernelFunc), s.setupFunc);
    }
    case 'OneHot':
      return wasmKernelConfig(name, oneHotWasm, setup);
    case 'Cast': {
      const s = needStock();
      return wasmKernelConfig(name, castWasm(s.kernelFunc), s.setupFunc);
    }
  }
}

/**
 * Registers the kernels that `@tensorflow/tfjs-backend-wasm` 4.22 lacks (or gets wrong, or runs
 * slowly) for training the IMPALA networks, for the `wasm` backend only; see
 * {@link WASM_TRAINING_KERNELS}. Idempotent: kernels already registered by impala-rl are left alone.
 * Every kernel matches the cpu backend (tests compare them on random shapes, strides and paddings).
 * `useBackend('wasm')` calls this; call it yourself only if you select the backend with
 * `tf.setBackend('wasm')` directly.
 * @param options - which kernels to register.
 * @returns the names of the kernels registered by this call (empty when all were already there).
 * @throws when `@tensorflow/tfjs-backend-wasm` has not been imported yet (its stock kernels are needed).
 * @category Backends
 */
export function registerWasmTrainingKernels(options: RegisterWasmTrainingKernelsOptions = {}): readonly WasmTrainingKernelName[] {
  if (registeredKernel('Conv2D', 'wasm') === undefined) {
    throw new BackendError("registerWasmTrainingKernels: no 'wasm' kernels are registered; import '@tensorflow/tfjs-backend-wasm' first");
  }
  const wanted = options.only ?? WASM_TRAINING_KERNELS;
  return patchKernels('wasm', TAG, WASM_TRAINING_KERNELS.filter((name) => wanted.includes(name)), makeConfig);
}

/**
 * Undoes {@link registerWasmTrainingKernels}: puts back the stock wasm kernels it replaced and
 * removes the ones it added. Meant for tests and benchmarks that compare against the stock kernels.
 * @returns the names of the kernels removed.
 * @category Backends
 */
export function unregisterWasmTrainingKernels(): readonly WasmTrainingKernelName[] {
  return restoreKernels('wasm', TAG, WASM_TRAINING_KERNELS);
}
