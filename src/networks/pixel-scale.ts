import * as tf from '@tensorflow/tfjs-core';

/**
 * The first conv filter of a pixel torso with the pixels' / 255 folded in: `conv(x / 255, W) = conv(x, W / 255)`
 * (the same function up to float32 rounding; zero padding stays zero), so the scaling touches the filter's few
 * thousand values instead of every pixel of the batch. Shared by the shallow and the deep torso.
 *
 * @param kernel - the first conv's filter `[h, w, inChannels, outChannels]`.
 * @returns `kernel / 255`, a new tensor.
 * @category Networks
 */
export function pixelScaledFilter(kernel: tf.Tensor): tf.Tensor4D {
  return tf.mul<tf.Tensor4D>(kernel, 1 / 255);
}
