/**
 * `Conv2DBackpropFilter` for tfjs-backend-wasm, which has none (tfjs 4.22): the filter gradient of
 * a convolution written as one forward convolution, so that it runs in XNNPACK's SIMD conv.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, kernelInput, wrapInput, type KernelArgs } from './wasm-backend.js';
import { padOrCrop4D } from './wasm-pad.js';
import { BackendError } from './backend-unavailable-error.js';

const NAME = 'Conv2DBackpropFilter';

/**
 * dW[i, j, c, o] = Σ_{b, h, w} xPad[b, h·s + i, w·s + j, c] · dy[b, h, w, o], which is a 'valid'
 * convolution of xPadᵀ [C, Hp, Wp, B] (B becomes the channel axis) with dyᵀ [OH, OW, B, O] as the
 * filter, dilated by the forward stride. Its output [C, ≥fh, ≥fw, O] is cropped to the filter size
 * (rows the forward conv never reached are dropped) and transposed to [fh, fw, C, O].
 * @category Backends
 */
export function conv2DBackpropFilterWasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = asWasmBackend(backend, NAME);
  const x = kernelInput(inputs, 'x', NAME);
  const dy = kernelInput(inputs, 'dy', NAME);
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new BackendError(`impala-rl wasm kernel ${NAME}: dataFormat NCHW is not supported, use NHWC`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  const [fh, fw] = [info.filterHeight, info.filterWidth];
  return tf.tidy(() => {
    const xPad = padOrCrop4D(wrapInput(wasm, x) as tf.Tensor4D, top, bottom, left, right);
    const xT = tf.transpose(xPad, [3, 1, 2, 0]);
    const dyT = tf.transpose(wrapInput(wasm, dy) as tf.Tensor4D, [1, 2, 0, 3]);
    let r = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
    if (r.shape[1] !== fh || r.shape[2] !== fw) r = tf.slice(r, [0, 0, 0, 0], [-1, fh, fw, -1]);
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}
