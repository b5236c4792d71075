/**
 * Fast transposed paths for tfjs-backend-wasm's `BatchMatMul` and `_FusedMatMul`. The stock kernels
 * (tfjs 4.22) run 14–25× slower when `transposeA` or `transposeB` is set, and every matMul gradient
 * sets one of them; transposing explicitly and calling the untransposed kernel is much faster.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, kernelInput, wrapInput, type KernelArgs } from './wasm-backend.js';

/** Swaps the last two axes. */
function transposeLastTwo(t: tf.Tensor): tf.Tensor {
  const r = t.rank;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return tf.transpose(t, perm);
}

/**
 * Wraps a stock matMul kernel (`BatchMatMul` or `_FusedMatMul`, inputs `a`, `b`, …; attrs
 * `transposeA`, `transposeB`, …): untransposed calls go straight through; transposed ones get their
 * operands transposed first and run untransposed. Other inputs and attrs are passed unchanged.
 * @category Backends
 */
export function untransposedMatMul(kernelName: string, stock: KernelFunc): (args: KernelArgs) => TensorInfo {
  return ({ inputs, backend, attrs }) => {
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (!transposeA && !transposeB) return stock({ inputs, backend, attrs: attrs ?? {} }) as TensorInfo;
    const wasm = asWasmBackend(backend, kernelName);
    return tf.tidy(() => {
      const a = kernelInput(inputs, 'a', kernelName);
      const b = kernelInput(inputs, 'b', kernelName);
      const aT = transposeA ? transposeLastTwo(wrapInput(wasm, a)) : a;
      const bT = transposeB ? transposeLastTwo(wrapInput(wasm, b)) : b;
      const out = stock({
        inputs: { ...inputs, a: aT, b: bT },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(out);
    });
  };
}
