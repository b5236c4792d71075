/**
 * A fix for tfjs-backend-wasm's `Conv2D` and `FusedConv2D` (tfjs 4.22) with `pad: 'same'`: when
 * 'same' needs no padding along an axis because the last stride overshoots the input (e.g. 8 rows,
 * 3×3 filter, stride 4: (2 − 1)·4 + 3 < 8), the stock kernels return all zeros. Handing them the
 * same padding as explicit numbers gives the right result.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelInput, type KernelArgs } from './wasm-backend.js';

/**
 * Wraps a stock conv kernel (inputs `x`, `filter`; attrs `strides`, `pad`, `dilations`, …).
 * @category Backends
 */
export function explicitSamePadding(kernelName: string, stock: KernelFunc): (args: KernelArgs) => TensorInfo {
  return ({ inputs, backend, attrs = {} }) => {
    if (attrs.pad !== 'same') return stock({ inputs, backend, attrs }) as TensorInfo;
    const x = kernelInput(inputs, 'x', kernelName);
    const filter = kernelInput(inputs, 'filter', kernelName);
    const { strides, dilations, dimRoundingMode } = attrs as {
      strides: number | [number, number]; dilations?: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const { top, bottom, left, right } = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations ?? 1, 'same', dimRoundingMode).padInfo;
    const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, bottom], [left, right], [0, 0]];
    return stock({ inputs, backend, attrs: { ...attrs, pad } }) as TensorInfo;
  };
}
