/**
 * The few members of `@tensorflow/tfjs-backend-wasm`'s `BackendWasm` that impala-rl's kernels use,
 * typed structurally so that nothing here imports the (optional) wasm package.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from './backend-unavailable-error.js';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` used by impala-rl's kernels.
 * @category Backends
 */
export interface WasmBackendLike {
  /** Adds one reference to the buffer behind `dataId`. */
  incRef(dataId: TensorInfo['dataId']): void;
  /** Allocates an (uninitialised) output buffer on the wasm heap. */
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A typed-array view of a tensor's buffer on the wasm heap (invalidated when the heap grows). */
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The arguments tfjs passes to a kernel function.
 * @category Backends
 */
export interface KernelArgs {
  readonly inputs: NamedTensorInfoMap;
  readonly backend: object;
  readonly attrs?: NamedAttrMap;
}

/**
 * Narrows the opaque backend object handed to a kernel; throws when it is not the wasm backend.
 * @category Backends
 */
export function asWasmBackend(backend: object, kernelName: string): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || typeof b.incRef !== 'function') {
    throw new BackendError(`impala-rl wasm kernel ${kernelName}: the backend is not tfjs-backend-wasm`);
  }
  return b as WasmBackendLike;
}

/**
 * Returns the named input of a kernel call; throws a named error when it is missing.
 * @category Backends
 */
export function kernelInput(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new BackendError(`impala-rl wasm kernel ${kernelName}: input '${name}' is missing`);
  return info;
}

/**
 * Wraps a kernel input as a Tensor so that tfjs ops can run on it inside the kernel. The extra
 * backend reference balances the one the wrapper drops when it is disposed: without it, disposing
 * the wrapper would free the caller's buffer.
 * @category Backends
 */
export function wrapInput(backend: WasmBackendLike, info: TensorInfo): tf.Tensor {
  backend.incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * A float32 view of a tensor on the wasm heap; only valid until the next allocation.
 * @category Backends
 */
export function heapF32(backend: WasmBackendLike, info: TensorInfo, kernelName: string): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) {
    throw new BackendError(`impala-rl wasm kernel ${kernelName}: expected a float32 tensor, got ${info.dtype}`);
  }
  return view;
}

/**
 * A `KernelConfig` built from a typed kernel function (tfjs types kernels with `backend: {}`).
 * @category Backends
 */
export function wasmKernelConfig(
  kernelName: string,
  kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[],
  setupFunc?: KernelConfig['setupFunc'],
): KernelConfig {
  const config: KernelConfig = { kernelName, backendName: 'wasm', kernelFunc };
  if (setupFunc !== undefined) config.setupFunc = setupFunc;
  return config;
}
