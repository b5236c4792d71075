/**
 * `Cast` for tfjs-backend-wasm:
 * - when the dtype does not change it shares the buffer (one more reference), as `Identity` does,
 *   instead of copying it: tfjs's gradients cast their saved inputs to float32 whatever their dtype
 *   (every multiply's gradient casts both factors), so a learner step issues about 200 such casts;
 * - to `bool` it writes 1 for every non-zero value, as the cpu backend does (the stock kernel copies
 *   the numbers into the byte buffer: 2 stays 2 and 0.5 becomes 0);
 * - every other conversion goes to the stock kernel.
 */
import type { CastAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, kernelInput, type KernelArgs } from './wasm-backend.js';

const NAME = 'Cast';

/**
 * Returns the kernel, built around the stock one.
 * @category Backends
 */
export function castWasm(stock: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const x = kernelInput(args.inputs, 'x', NAME);
    const { dtype } = (args.attrs ?? {}) as unknown as Partial<CastAttrs>;
    if (x.dtype === 'string' || dtype === 'string' || dtype === 'complex64' || x.dtype === 'complex64' || dtype === undefined) {
      return stock({ inputs: args.inputs, backend: args.backend, attrs: args.attrs ?? {} }) as TensorInfo;
    }
    const wasm = asWasmBackend(args.backend, NAME);
    if (dtype === x.dtype) {
      wasm.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
    }
    if (dtype !== 'bool') return stock({ inputs: args.inputs, backend: args.backend, attrs: args.attrs ?? {} }) as TensorInfo;
    const out = wasm.makeOutput(x.shape.slice(), 'bool');
    // Views after makeOutput: an allocation may grow (and move) the heap.
    const xs = wasm.typedArrayFromHeap(x);
    const bytes = wasm.typedArrayFromHeap(out);
    for (let i = 0; i < xs.length; i++) bytes[i] = xs[i] !== 0 ? 1 : 0;
    return out;
  };
}
