import * as tf from '@tensorflow/tfjs-core';
import { formatShape } from '../internal/format.js';
import { findTensorProblem } from '../internal/tensor-checks.js';
import { VTraceArgumentError } from './errors.js';

/**
 * Throws unless `x` is a tfjs tensor of one of `dtypes`; returns it typed.
 * @category V-trace
 */
export function assertTensor(fn: string, name: string, x: unknown, dtypes: readonly tf.DataType[]): tf.Tensor {
  const problem = findTensorProblem(x, dtypes);
  if (problem === null) return x as tf.Tensor;
  switch (problem.kind) {
    case 'not-a-tensor':
      throw new VTraceArgumentError(fn, name, `must be a tf.Tensor, got ${x === null ? 'null' : typeof x}`);
    case 'disposed':
      throw new VTraceArgumentError(fn, name, 'is a disposed tensor');
    default:
      throw new VTraceArgumentError(fn, name, `must have dtype ${dtypes.join(' or ')}, got ${(x as tf.Tensor).dtype}`);
  }
}

/**
 * Throws unless `x.shape` equals `shape`, naming both arguments and shapes.
 * @category V-trace
 */
export function assertSameShape(fn: string, name: string, x: tf.Tensor, refName: string, shape: readonly number[]): void {
  if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
    throw new VTraceArgumentError(
      fn,
      name,
      `has shape ${formatShape(x.shape)} but must have shape ${formatShape(shape)} (from '${refName}')`,
    );
  }
}

/**
 * Throws unless `x` is `[T, B, ...]` with T ≥ 1.
 * @category V-trace
 */
export function assertTimeMajor(fn: string, name: string, x: tf.Tensor): void {
  if (x.rank < 2) {
    throw new VTraceArgumentError(fn, name, `must have rank >= 2 ([T, B, ...], time-major), got shape ${formatShape(x.shape)}`);
  }
  if (x.shape[0] === 0) {
    throw new VTraceArgumentError(fn, name, `has T = 0 (shape ${formatShape(x.shape)}); V-trace needs at least one step`);
  }
}
