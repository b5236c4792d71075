/**
 * `MaxPoolGrad` for tfjs-backend-wasm. The stock wasm kernel (tfjs 4.22) routes the gradient of a
 * window whose maximum is negative to the wrong element, or drops it: it is replaced by a direct
 * loop over the wasm heap that matches the cpu backend exactly, ties included.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, heapF32, kernelInput, type KernelArgs } from './wasm-backend.js';
import { BackendError } from './backend-unavailable-error.js';

const NAME = 'MaxPoolGrad';

/**
 * dx[argmax of each pooling window] += dy[window], where argmax is the first maximum in row-major
 * window order (the cpu and tensorflow backends' choice on ties). Padding cells never win.
 * When the forward `output` is given (it always is in a gradient), the argmax is found as the first
 * cell equal to the window's maximum, which is about twice as fast as tracking a running maximum.
 * @category Backends
 */
export function maxPoolGradWasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = asWasmBackend(backend, NAME);
  const dy = kernelInput(inputs, 'dy', NAME);
  const input = kernelInput(inputs, 'input', NAME);
  const output = inputs.output;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  if (dy.shape.join() !== info.outShape.join()) {
    throw new BackendError(`impala-rl wasm kernel ${NAME}: dy shape [${dy.shape.join()}] != pooled shape [${info.outShape.join()}]`);
  }
  const yInfo = output?.shape.join() === dy.shape.join() ? output : undefined;
  const dx = wasm.makeOutput(input.shape.slice(), 'float32');
  // Views are taken after the allocation: growing the heap detaches older views.
  const x = heapF32(wasm, input, NAME), g = heapF32(wasm, dy, NAME), d = heapF32(wasm, dx, NAME);
  maxPoolGradLoop(x, yInfo === undefined ? undefined : heapF32(wasm, yInfo, NAME), g, d, info);
  return dx;
}

/**
 * The scatter loop on NHWC float32 buffers. With `y` (the pooled maxima), each window/channel scans
 * for the first cell equal to its maximum; without it, or when no cell matches (NaN), it tracks the
 * first strict maximum, which is what the cpu backend does.
 */
function maxPoolGradLoop(
  x: Float32Array, y: Float32Array | undefined, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const fh = info.effectiveFilterHeight, fw = info.effectiveFilterWidth;
  const { top, left } = info.padInfo;
  dx.fill(0);
  let g = 0; // offset of the current window in dy (and y), which are [B, OH, OW, C]
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = oh * strideHeight - top;
      const rStart = Math.max(r0, 0), rEnd = Math.min(r0 + fh, inHeight);
      for (let ow = 0; ow < outWidth; ow++, g += ch) {
        const c0 = ow * strideWidth - left;
        const cStart = Math.max(c0, 0), cEnd = Math.min(c0 + fw, inWidth);
        for (let k = 0; k < ch; k++) {
          let arg = -1;
          const m = y === undefined ? Number.NaN : y[g + k]!;
          if (m === m) { // not NaN: look for the first cell equal to the maximum
            search: for (let r = rStart; r < rEnd; r++) {
              for (let c = cStart, i = ((b * inHeight + r) * inWidth + cStart) * ch + k; c < cEnd; c++, i += ch) {
                if (x[i] === m) {
                  arg = i;
                  break search;
                }
              }
            }
          }
          if (arg < 0) arg = firstStrictMax(x, b, k, rStart, rEnd, cStart, cEnd, inHeight, inWidth, ch);
          // A window of -Infinity only has no strict maximum on the cpu backend: no gradient.
          if (arg >= 0 && x[arg] !== -Infinity) dx[arg] = dx[arg]! + dy[g + k]!;
        }
      }
    }
  }
}

/** Index of the first cell of a window/channel greater than all before it (-1 if none is > -∞). */
function firstStrictMax(
  x: Float32Array, b: number, k: number, rStart: number, rEnd: number, cStart: number, cEnd: number,
  inHeight: number, inWidth: number, ch: number,
): number {
  let best = -Infinity, arg = -1;
  for (let r = rStart; r < rEnd; r++) {
    for (let c = cStart, i = ((b * inHeight + r) * inWidth + cStart) * ch + k; c < cEnd; c++, i += ch) {
      const v = x[i]!;
      if (v > best) {
        best = v;
        arg = i;
      }
    }
  }
  return arg;
}
