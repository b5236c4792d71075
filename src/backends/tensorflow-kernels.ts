/**
 * Registration of impala-rl's training kernels for the `tensorflow` backend (`@tensorflow/tfjs-node`
 * and `@tensorflow/tfjs-node-gpu`, which both register under that name).
 */
import { patchKernels, registeredKernel, restoreKernels } from './kernel-patches.js';
import { tensorflowKernelConfig } from './tensorflow-backend.js';
import { selectStep } from './tensorflow-step.js';

/**
 * The kernels {@link registerTensorflowTrainingKernels} replaces in tfjs-node 4.22:
 * - `Step` (half of every ReLU gradient): the stock kernel materialises six full-size tensors; the
 *   replacement gives the same values from two float outputs and two bool masks (about 2× faster, and
 *   on the deep network it was a quarter of a learner step).
 * @category Backends
 */
export const TENSORFLOW_TRAINING_KERNELS = Object.freeze(['Step'] as const);

/**
 * The name of one kernel in {@link TENSORFLOW_TRAINING_KERNELS}.
 * @category Backends
 */
export type TensorflowTrainingKernelName = (typeof TENSORFLOW_TRAINING_KERNELS)[number];

// Tags our configs in tfjs's registry (see kernel-patches.ts).
const TAG = Symbol.for('impala-rl.tensorflowTrainingKernel');

/**
 * Replaces the `tensorflow` backend's kernels listed in {@link TENSORFLOW_TRAINING_KERNELS} with
 * faster ones that give the same values (tests compare them with the stock kernels and the cpu
 * backend, NaN and ±Infinity included). Idempotent; kernels the backend does not have (tfjs-node not
 * loaded) are skipped. `useBackend('tensorflow' | 'cuda' | 'auto')` calls this when it selects
 * libtensorflow.
 * @returns the names of the kernels registered by this call.
 * @category Backends
 */
export function registerTensorflowTrainingKernels(): readonly TensorflowTrainingKernelName[] {
  const present = TENSORFLOW_TRAINING_KERNELS.filter((name) => registeredKernel(name, 'tensorflow') !== undefined);
  return patchKernels('tensorflow', TAG, present, (name, stock) => tensorflowKernelConfig(name, selectStep(stock!.kernelFunc)));
}

/**
 * Undoes {@link registerTensorflowTrainingKernels}: puts the stock kernels back.
 * @returns the names of the kernels restored.
 * @category Backends
 */
export function unregisterTensorflowTrainingKernels(): readonly TensorflowTrainingKernelName[] {
  return restoreKernels('tensorflow', TAG, TENSORFLOW_TRAINING_KERNELS);
}
