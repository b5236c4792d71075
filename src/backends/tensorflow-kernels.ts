/**
 * Registration of impala-rl's training kernels for the `tensorflow` backend (`@tensorflow/tfjs-node`
 * and `@tensorflow/tfjs-node-gpu`, which both register under that name).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { tensorflowKernelConfig } from '../internal/tensorflow-backend.js';
import { selectStep } from './tensorflow-step.js';

/**
 * The kernels {@link registerTensorflowTrainingKernels} replaces in tfjs-node 4.22:
 * - `Step` (half of every ReLU gradient): the stock kernel materialises six full-size tensors; the
 *   replacement gives the same values from two float outputs and two bool masks (about 2× faster, and
 *   on the deep network it was a quarter of a learner step).
 */
export const TENSORFLOW_TRAINING_KERNELS = Object.freeze(['Step'] as const);

/** The name of one kernel in {@link TENSORFLOW_TRAINING_KERNELS}. */
export type TensorflowTrainingKernelName = (typeof TENSORFLOW_TRAINING_KERNELS)[number];

// As for the wasm kernels: a registry-wide tag marking our configs, carrying the stock kernel.
const TAG = Symbol.for('impala-rl.tensorflowTrainingKernel');
interface TaggedKernelConfig extends KernelConfig {
  readonly [TAG]: { readonly stock: KernelConfig };
}

function registeredKernel(name: string): KernelConfig | undefined {
  // tfjs types getKernel as non-null but returns undefined for unregistered kernels.
  const config: KernelConfig | undefined = tf.getKernel(name, 'tensorflow');
  return config;
}

function isTagged(config: KernelConfig | undefined): config is TaggedKernelConfig {
  return config !== undefined && TAG in config;
}

/**
 * Replaces the `tensorflow` backend's kernels listed in {@link TENSORFLOW_TRAINING_KERNELS} with
 * faster ones that give the same values (tests compare them with the stock kernels and the cpu
 * backend, NaN and ±Infinity included). Idempotent; kernels the backend does not have (tfjs-node not
 * loaded) are skipped. `useBackend('tensorflow' | 'cuda' | 'auto')` calls this when it selects
 * libtensorflow.
 * @returns the names of the kernels registered by this call.
 */
export function registerTensorflowTrainingKernels(): readonly TensorflowTrainingKernelName[] {
  const added: TensorflowTrainingKernelName[] = [];
  for (const name of TENSORFLOW_TRAINING_KERNELS) {
    const stock = registeredKernel(name);
    if (stock === undefined || isTagged(stock)) continue;
    const config: TaggedKernelConfig = Object.assign(tensorflowKernelConfig(name, selectStep(stock.kernelFunc)), { [TAG]: { stock } });
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel(config);
    added.push(name);
  }
  return added;
}

/**
 * Undoes {@link registerTensorflowTrainingKernels}: puts the stock kernels back.
 * @returns the names of the kernels restored.
 */
export function unregisterTensorflowTrainingKernels(): readonly TensorflowTrainingKernelName[] {
  const removed: TensorflowTrainingKernelName[] = [];
  for (const name of TENSORFLOW_TRAINING_KERNELS) {
    const current = registeredKernel(name);
    if (!isTagged(current)) continue;
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel(current[TAG].stock);
    removed.push(name);
  }
  return removed;
}
