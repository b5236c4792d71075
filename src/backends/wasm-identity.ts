/**
 * `Identity` for tfjs-backend-wasm that shares the input's buffer (one more reference) instead of
 * copying it, as the cpu backend does. Besides saving a copy per `tf.clone`, this keeps tfjs's
 * per-kernel leak check (on when the `IS_TEST` flag is set) from failing on `customGrad` ops such as
 * `tf.logSoftmax`, whose saved clones look like leaked buffers when Identity allocates.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { asWasmBackend, kernelInput, type KernelArgs } from './wasm-backend.js';

const NAME = 'Identity';

/**
 * Returns a kernel that shares numeric buffers and hands string tensors to the stock kernel.
 * @category Backends
 */
export function sharedIdentity(stock: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const x = kernelInput(args.inputs, 'x', NAME);
    if (x.dtype === 'string') return stock({ inputs: args.inputs, backend: args.backend, attrs: args.attrs ?? {} }) as TensorInfo;
    asWasmBackend(args.backend, NAME).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}
