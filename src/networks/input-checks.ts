// Argument checks shared by ImpalaNetwork.step and .unroll (not exported from the package).
import type * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../internal/format.js';
import { findTensorProblem } from '../internal/tensor-checks.js';
import { NetworkError } from './errors.js';

const shapeString = (shape: readonly number[]): string => formatShape(shape, ', ');

/**
 * Throws unless `tensor` is a tfjs tensor of the given shape and one of the given dtypes.
 *
 * @param caller - e.g. `ImpalaNetwork.step`.
 * @param argument - e.g. `inputs.lastAction`.
 * @param tensor - Value to check.
 * @param shape - Expected shape.
 * @param dtypes - Accepted dtypes.
 * @param meaning - Shape meaning for the message, e.g. `[T, B]`.
 * @category Networks
 */
export function checkTensor(
  caller: string,
  argument: string,
  tensor: unknown,
  shape: readonly number[],
  dtypes: readonly tf.DataType[],
  meaning: string,
): asserts tensor is tf.Tensor {
  const problem = findTensorProblem(tensor, dtypes, shape);
  if (problem === null) return;
  switch (problem.kind) {
    case 'not-a-tensor':
      throw new NetworkError(`${caller}: ${argument} must be a tf.Tensor of shape ${meaning} = ${shapeString(shape)}, got ${problem.got}`);
    case 'disposed':
      throw new NetworkError(`${caller}: ${argument} is a disposed tensor`);
    case 'shape':
      throw new NetworkError(`${caller}: ${argument} must have shape ${meaning} = ${shapeString(shape)}, got ${shapeString(problem.shape)}`);
    case 'dtype':
      throw new NetworkError(`${caller}: ${argument} must have dtype ${dtypes.join(' or ')}, got ${problem.dtype}`);
  }
}

/**
 * Throws unless every value of a tensor is a whole number in `[0, limit)`, reporting the first offender with its
 * index. `limits` holds one limit per position of the last dimension (one per action head), or one overall.
 *
 * @param caller - Function name.
 * @param argument - Argument name.
 * @param tensor - Int32 tensor (its data is read synchronously).
 * @param limits - Exclusive upper bounds, cycled over the flat index.
 * @param what - What the bound means, e.g. `number of actions`.
 * @category Networks
 */
export function checkIndexRange(caller: string, argument: string, tensor: tf.Tensor, limits: readonly number[], what: string): void {
  const values = tensor.dataSync();
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    const limit = limits[k % limits.length]!;
    if (!(v >= 0 && v < limit && Number.isInteger(v))) {
      const index: number[] = [];
      let rest = k;
      for (let d = tensor.rank - 1; d >= 0; d--) {
        const size = tensor.shape[d]!;
        index.unshift(rest % size);
        rest = Math.floor(rest / size);
      }
      const head = limits.length > 1 ? ` (head ${k % limits.length})` : '';
      const problem = Number.isInteger(v) ? `is outside [0, ${limit})${head}, the ${what}` : 'is not a whole number';
      throw new NetworkError(`${caller}: ${argument}${shapeString(index)} = ${v} ${problem}`);
    }
  }
}
