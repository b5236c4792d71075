/**
 * `Conv2DBackpropInput` for tfjs-backend-wasm as one forward convolution: the stock kernel is a
 * scalar loop, 2–11× slower than this on the IMPALA nets' convolutions.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, kernelInput, wrapInput, type KernelArgs } from './wasm-backend.js';
import { padOrCrop4D } from './wasm-pad.js';
import { BackendError } from './backend-unavailable-error.js';

const NAME = 'Conv2DBackpropInput';

/**
 * dx = 'valid' conv of dy, dilated by the stride (s − 1 zeros between rows and columns) and padded
 * by (fh − 1 − padTop, …) so that the output is [B, H, W, C], with the filter flipped in space and
 * its channel axes swapped ([fh, fw, O, C]).
 * @category Backends
 */
export function conv2DBackpropInputWasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = asWasmBackend(backend, NAME);
  const dy = kernelInput(inputs, 'dy', NAME);
  const filter = kernelInput(inputs, 'filter', NAME);
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') throw new BackendError(`impala-rl wasm kernel ${NAME}: dataFormat NCHW is not supported, use NHWC`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const [fh, fw, sh, sw] = [info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth];
  const [b, h, w] = inputShape;
  const [, oh, ow, o] = dy.shape as [number, number, number, number];
  return tf.tidy(() => {
    let d = wrapInput(wasm, dy) as tf.Tensor4D;
    if (sh > 1 || sw > 1) {
      // Interleave zeros: [B, OH, 1, OW, 1, O] padded to [B, OH, sh, OW, sw, O]. This leaves s − 1
      // trailing zero rows (columns), which the bottom (right) padding below accounts for, so they
      // are only cropped (a slow JS copy on wasm) when that padding would be negative.
      const spread = tf.pad(tf.reshape(d, [b, oh, 1, ow, 1, o]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      d = tf.reshape<tf.Rank.R4>(spread, [b, oh * sh, ow * sw, o]);
    }
    // The 'valid' conv below needs H + fh − 1 rows: pt = fh − 1 − padTop above, the rest below.
    const pt = fh - 1 - info.padInfo.top;
    const pl = fw - 1 - info.padInfo.left;
    d = padOrCrop4D(d, pt, h + fh - 1 - pt - d.shape[1], pl, w + fw - 1 - pl - d.shape[2]);
    const wFlipped = tf.transpose(tf.reverse(wrapInput(wasm, filter) as tf.Tensor4D, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(d, wFlipped, 1, 'valid');
  });
}
