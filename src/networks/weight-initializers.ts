import * as tf from '@tensorflow/tfjs-core';
import { NetworkError } from './errors.js';

/**
 * Creates the initial value of one weight.
 *
 * Called once per variable when a network is built, with the variable's shape and a 32-bit seed derived
 * from the network seed and the variable's name (so the value does not depend on creation order). The
 * returned tensor is disposed by the caller after it has been copied into the variable.
 *
 * @param shape - The variable's shape.
 * @param seed - A deterministic 32-bit seed for this variable.
 * @returns A float32 tensor of exactly `shape`.
 * @category Networks
 */
export type WeightInitializer = (shape: readonly number[], seed: number) => tf.Tensor;

/**
 * All-zeros initialiser (biases, as Sonnet and `LSTMBlockCell` do).
 *
 * @returns An initialiser that ignores the seed.
 * @category Networks
 */
export function zerosInitializer(): WeightInitializer {
  return (shape) => tf.zeros([...shape], 'float32');
}

/**
 * Truncated normal initialiser (values beyond two standard deviations are redrawn).
 *
 * @param stddev - Standard deviation before truncation.
 * @returns The initialiser.
 * @category Networks
 */
export function truncatedNormalInitializer(stddev: number): WeightInitializer {
  if (!(stddev > 0)) throw new NetworkError(`truncatedNormalInitializer: stddev must be > 0, got ${stddev}`);
  return (shape, seed) => tf.truncatedNormal([...shape], 0, stddev, 'float32', seed);
}

/**
 * Sonnet v1's default for `Conv2D` and `Linear` weights, which the original IMPALA agent used: a truncated
 * normal with standard deviation `1 / sqrt(fanIn)`, where `fanIn` is the number of inputs feeding one output
 * (kernel height × kernel width × input channels for a convolution; input size for a dense layer).
 *
 * @param fanIn - Number of inputs of one output unit.
 * @returns The initialiser.
 * @category Networks
 */
export function fanInTruncatedNormalInitializer(fanIn: number): WeightInitializer {
  if (!(fanIn > 0)) throw new NetworkError(`fanInTruncatedNormalInitializer: fanIn must be > 0, got ${fanIn}`);
  return truncatedNormalInitializer(1 / Math.sqrt(fanIn));
}

/**
 * Glorot (Xavier) uniform initialiser for a 2-D kernel `[fanIn, fanOut]`: uniform in ±sqrt(6 / (fanIn + fanOut)).
 * This is TensorFlow's default variable initialiser, hence what `LSTMBlockCell` kernels got in the original.
 *
 * @returns The initialiser (it reads fan-in and fan-out from the first two dimensions of the shape).
 * @category Networks
 */
export function glorotUniformInitializer(): WeightInitializer {
  return (shape, seed) => {
    const [fanIn, fanOut] = shape;
    if (shape.length !== 2 || fanIn === undefined || fanOut === undefined) {
      throw new NetworkError(`glorotUniformInitializer: expects a 2-D shape [fanIn, fanOut], got [${shape.join(', ')}]`);
    }
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return tf.randomUniform([...shape], -limit, limit, 'float32', seed);
  };
}
