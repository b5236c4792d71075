/**
 * `Step` for the `tensorflow` backend (tfjs-node). `step(x)` is half of every ReLU gradient in tfjs
 * (`dy · step(x)`, also inside fused conv2d and matMul gradients). tfjs-node 4.22 builds it from six
 * full-size tensors (IsNan, Greater, ones, fill(alpha), two Selects); on the deep network's
 * [336, 42, 42, 16] activations that took a quarter of a learner step. This kernel computes the same
 * values with two float32 outputs and two bool masks, broadcasting scalar 1 and alpha with `SelectV2`:
 * `x > 0 → 1`, `x` NaN → NaN, otherwise alpha (as the cpu backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, StepAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asTensorflowBackend } from './tensorflow-backend.js';
import { kernelInput, type KernelArgs } from './wasm-backend.js';

const NAME = 'Step';

/**
 * Returns the kernel; inputs other than float32 (and other backends) go to the stock kernel.
 * @category Backends
 */
export function selectStep(stock: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const x = kernelInput(args.inputs, 'x', NAME);
    const backend = asTensorflowBackend(args.backend);
    if (backend === undefined || x.dtype !== 'float32') {
      return stock({ inputs: args.inputs, backend: args.backend, attrs: args.attrs ?? {} }) as TensorInfo;
    }
    const { alpha } = (args.attrs ?? {}) as unknown as Partial<StepAttrs>;
    const attrs = [{ name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT }];
    return tf.tidy(() => {
      const zero = tf.scalar(0);
      const one = tf.scalar(1);
      const otherwise = tf.scalar(alpha ?? 0);
      const positive = backend.executeSingleOutput('Greater', attrs, [x, zero]);
      const nan = backend.executeSingleOutput('IsNan', attrs, [x]);
      const notPositive = backend.executeSingleOutput('SelectV2', attrs, [nan, x, otherwise]);
      return backend.executeSingleOutput('SelectV2', attrs, [positive, one, notPositive]);
    });
  };
}
