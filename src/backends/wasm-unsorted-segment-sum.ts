/**
 * `UnsortedSegmentSum` for tfjs-backend-wasm, which has none (tfjs 4.22). It is the gradient of
 * `tf.gather`, so without it any loss that gathers (e.g. the log-probability of the taken action)
 * cannot be differentiated on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { asWasmBackend, heapF32, kernelInput, type KernelArgs } from './wasm-backend.js';
import { BackendError } from './backend-unavailable-error.js';

const NAME = 'UnsortedSegmentSum';

/**
 * out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...] for s in [0, numSegments); ids outside that
 * range are dropped (as on the cpu backend).
 * @returns [numSegments, ...x.shape.slice(segmentIds.rank)]
 * @category Backends
 */
export function unsortedSegmentSumWasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = asWasmBackend(backend, NAME);
  const x = kernelInput(inputs, 'x', NAME);
  const segmentIds = kernelInput(inputs, 'segmentIds', NAME);
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32') throw new BackendError(`impala-rl wasm kernel ${NAME}: x must be float32, got ${x.dtype}`);
  const numIds = tf.util.sizeFromShape(segmentIds.shape);
  const idRank = segmentIds.shape.length;
  if (x.shape.slice(0, idRank).join() !== segmentIds.shape.join()) {
    throw new BackendError(`impala-rl wasm kernel ${NAME}: segmentIds shape [${segmentIds.shape.join()}] is not a prefix of x shape [${x.shape.join()}]`);
  }
  const inner = tf.util.sizeFromShape(x.shape.slice(idRank));
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(idRank)], 'float32');
  const xs = heapF32(wasm, x, NAME), os = heapF32(wasm, out, NAME);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  os.fill(0);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner, dst = s * inner;
    for (let k = 0; k < inner; k++) os[dst + k] = os[dst + k]! + xs[src + k]!;
  }
  return out;
}
