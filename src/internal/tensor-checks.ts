/**
 * The one tensor-argument check of the package: vtrace, the networks and the losses call it and word the
 * problem in their own error class (each names its function and argument).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * What is wrong with a tensor argument.
 * @category Errors
 */
export type TensorProblem =
  | { readonly kind: 'not-a-tensor'; readonly got: string }
  | { readonly kind: 'disposed' }
  | { readonly kind: 'shape'; readonly shape: readonly number[] }
  | { readonly kind: 'dtype'; readonly dtype: tf.DataType };

/** How a value that is not a tensor reads in a message. */
function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return Array.isArray(x) ? 'an array' : `an object (${(x as { constructor?: { name?: string } }).constructor?.name ?? 'no prototype'})`;
}

/**
 * Checks, in this order, that `x` is a live `tf.Tensor`, has `shape` (when given) and one of `dtypes`.
 *
 * @param x - the argument.
 * @param dtypes - accepted dtypes.
 * @param shape - the exact shape required, if any.
 * @returns the first problem found, or null.
 * @category Errors
 */
export function findTensorProblem(x: unknown, dtypes: readonly tf.DataType[], shape?: readonly number[]): TensorProblem | null {
  if (!(x instanceof tf.Tensor)) return { kind: 'not-a-tensor', got: describeValue(x) };
  const t = x as tf.Tensor;
  if (t.isDisposed) return { kind: 'disposed' };
  const actual: readonly number[] = t.shape;
  if (shape !== undefined && (actual.length !== shape.length || actual.some((d, i) => d !== shape[i]))) return { kind: 'shape', shape: actual };
  if (!dtypes.includes(t.dtype)) return { kind: 'dtype', dtype: t.dtype };
  return null;
}
