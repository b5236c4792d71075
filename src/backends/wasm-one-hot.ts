/**
 * `OneHot` for tfjs-backend-wasm. The stock kernel (tfjs 4.22) always writes int32 values: with
 * `dtype: 'float32'` the ones come out as the float with bit pattern 1 (1.4e-45, i.e. 0 for every
 * purpose) and an off value of −1 as NaN. The IMPALA network feeds the last action to its LSTM as a
 * float one-hot, so on stock wasm it never saw the last action. This kernel writes the values in the
 * requested dtype, as the cpu backend does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneHotAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, kernelInput, type KernelArgs } from './wasm-backend.js';

const NAME = 'OneHot';

/**
 * out[..., k] = onValue where k = indices[...], offValue elsewhere (also everywhere for an index
 * outside [0, depth)), in `dtype`.
 * @returns [...indices.shape, depth]
 * @category Backends
 */
export function oneHotWasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = asWasmBackend(backend, NAME);
  const indices = kernelInput(inputs, 'indices', NAME);
  const { depth, onValue, offValue, dtype } = attrs as unknown as OneHotAttrs;
  const n = tf.util.sizeFromShape(indices.shape);
  const out = wasm.makeOutput([...indices.shape, depth], dtype);
  // Views after makeOutput: an allocation may grow (and move) the heap.
  const ids = wasm.typedArrayFromHeap(indices);
  const values = wasm.typedArrayFromHeap(out);
  values.fill(offValue);
  for (let i = 0; i < n; i++) {
    const k = ids[i]!;
    if (k >= 0 && k < depth) values[i * depth + k] = onValue;
  }
  return out;
}
