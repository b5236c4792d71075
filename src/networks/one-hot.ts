// One-hot encoding that also accepts depth 1 (tf.oneHot requires depth >= 2); not exported from the package.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Float32 one-hot rows; out-of-range indices (e.g. −1) give all-zero rows, as with `tf.oneHot`.
 *
 * @param indices - Int32 indices of any shape `[...]`.
 * @param depth - Number of classes (≥ 1).
 * @returns `[..., depth]` float32.
 * @category Networks
 */
export function oneHotFloat(indices: tf.Tensor, depth: number): tf.Tensor {
  if (depth >= 2) return tf.oneHot(indices, depth, 1, 0, 'float32');
  return tf.cast(tf.equal(tf.expandDims(indices, -1), tf.range(0, depth, 1, 'int32')), 'float32');
}
