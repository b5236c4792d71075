/**
 * The few members of `@tensorflow/tfjs-node`'s `NodeJSKernelBackend` that impala-rl's kernels use,
 * typed structurally so that nothing here imports the (optional) tfjs-node package.
 */
import type { KernelConfig, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './wasm-backend.js';

/**
 * One attribute of a TensorFlow eager op, as tfjs-node's binding takes it.
 * @category Backends
 */
export interface TensorflowOpAttr {
  readonly name: string;
  readonly type: number;
  readonly value: number;
}

/**
 * The parts of tfjs-node's `NodeJSKernelBackend` used by impala-rl's kernels.
 * @category Backends
 */
export interface TensorflowBackendLike {
  /** The native binding's constants for attribute and data types. */
  readonly binding: { readonly TF_ATTR_TYPE: number; readonly TF_FLOAT: number };
  /** Runs one TensorFlow eager op with one output (a tensor tracked by the engine). */
  executeSingleOutput(name: string, opAttrs: readonly TensorflowOpAttr[], inputs: readonly TensorInfo[]): Tensor;
}

/**
 * The backend object as the tensorflow backend, or undefined when it is another backend (e.g. a test double).
 * @category Backends
 */
export function asTensorflowBackend(backend: object): TensorflowBackendLike | undefined {
  const b = backend as Partial<TensorflowBackendLike>;
  const binding = b.binding as Partial<TensorflowBackendLike['binding']> | undefined;
  if (typeof b.executeSingleOutput !== 'function' || typeof binding?.TF_ATTR_TYPE !== 'number' || typeof binding.TF_FLOAT !== 'number') return undefined;
  return b as TensorflowBackendLike;
}

/**
 * A `KernelConfig` for the `tensorflow` backend built from a typed kernel function.
 * @category Backends
 */
export function tensorflowKernelConfig(kernelName: string, kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: 'tensorflow', kernelFunc };
}
